from kb.glaciers.text import (
    first_sentence,
    looks_like_question,
    near_duplicate_groups,
    rank_order,
    split_sentences,
    textrank,
)


def test_split_sentences_reads_paragraphs_lists_and_sentence_ends():
    text = (
        "The kubelet evicts pods under memory pressure. It reads thresholds from flags!\n\n"
        "- Each node runs one kubelet process at a time\n- short item\n\n"
        "See https://example.org/a/very/long/link for more."
    )
    assert split_sentences(text) == [
        "The kubelet evicts pods under memory pressure.",
        "It reads thresholds from flags!",  # five words: kept
        "Each node runs one kubelet process at a time",
    ]


def test_first_sentence_clips_long_text():
    assert first_sentence("word " * 200, limit=20).endswith("…")
    # Fragments too short to read alone are passed over.
    assert first_sentence("Short one. The second sentence is here.") == "The second sentence is here."


def test_textrank_prefers_the_central_sentence_and_is_deterministic():
    sentences = [
        "The kubelet evicts pods when node memory runs low.",
        "Memory pressure on the node makes the kubelet evict pods.",
        "The kubelet eviction manager watches node memory.",
        "Our logo is a blue steering wheel on a white field.",
    ]
    scores = textrank(sentences)
    assert rank_order(scores, limit=4)[-1] == 3
    assert list(textrank(sentences)) == list(scores)


def test_near_duplicate_groups_join_transitively_and_keep_singletons():
    texts = [
        "CoreDNS fails to resolve service names after upgrade",
        "Kubelet eviction thresholds for disk",
        "CoreDNS fails to resolve service names after the upgrade",
        "coredns fails to resolve service names after upgrade!",
    ]
    assert near_duplicate_groups(texts, threshold=0.8) == [[0, 2, 3], [1]]


def test_looks_like_question():
    assert looks_like_question("How do I set the runtime endpoint")
    assert looks_like_question("Runtime endpoint?")
    assert not looks_like_question("Kubelet crashes on start", "It crashes.")


def test_link_lists_and_reference_definitions_are_not_sentences():
    text = (
        "[CONTRIBUTING.md]: https://git.k8s.io/community/sig-scheduling/CONTRIBUTING.md\n\n"
        "IPAM (IP, CIDR). https://github.com/kubernetes/kubernetes/pull/55634 https://github.com/kubernetes/x/pull/1\n\n"
        "The scheduler places pods on nodes that fit their requests."
    )
    assert split_sentences(text) == ["The scheduler places pods on nodes that fit their requests."]


def test_headings_paths_and_escapes_are_cleaned_up():
    text = (
        "SIG Node Historical Meeting Notes\n\n"
        "kubernetes/kubernetes/test/e2e node kubernetes/test-infra/config/jobs owns the node e2e jobs.\n\n"
        "Pass down resources to CRI \\[marquiz\\] and ask for a review in the meeting\\!"
    )
    assert split_sentences(text) == [
        "Pass down resources to CRI [marquiz] and ask for a review in the meeting!"
    ]
