"""The contract every search backend keeps. Each test runs against every backend.

The PostgreSQL variant needs a real server: under CI=true an unreachable server
fails the run; elsewhere those cases are skipped with the reason.
"""

import re
import threading

import pytest
from django.db import connection

from kb.search.backends.base import IndexEntry
from tests.conftest import require_service

# Real commits: the concurrency case writes from several threads.
pytestmark = pytest.mark.django_db(transaction=True)

BACKENDS = [
    pytest.param("kb.search.backends.whoosh", id="whoosh"),
    pytest.param("kb.search.backends.postgres", id="postgres", marks=pytest.mark.services),
]


def entry(
    uid, title, body, *, project="alpha", kind="doc", access=("public",), headings="", path=None, boost=1.0
):
    return IndexEntry(
        uid=uid, project=project, kind=kind, title=title, body=body, path=path or f"{uid}.md",
        url=f"/documents/{uid}/", headings=headings, access=tuple(access), boost=boost,
    )  # fmt: skip


@pytest.fixture(params=BACKENDS)
def backend(request, settings, tmp_path):
    from django.utils.module_loading import import_string

    module = request.param
    if module.endswith("postgres"):
        require_service("postgres")
    instance = import_string(f"{module}.SearchBackend")({"INDEX_DIR": str(tmp_path / "index")})
    instance.clear()
    return instance


@pytest.fixture
def corpus(backend):
    backend.index(
        [
            entry("doc:1", "Release process", "How a release is cut, from code freeze to publishing notes."),
            entry("doc:2", "Meeting notes", "We talked about the release and about reviewers.", kind="doc"),
            entry(
                "doc:3",
                "Becoming a reviewer",
                "Reviewers look at pull requests.",
                headings="Reviewer\nApprover",
            ),
            entry("doc:4", "OWNERS", "approvers: alice reviewers: bob", kind="owners", project="beta"),
            entry(
                "doc:5",
                "Private plans",
                "Secret release roadmap for the company.",
                project="gamma",
                access=("project:7",),
            ),  # fmt: skip
            entry(
                "doc:6",
                "Handoff",
                "Release keys live in the vault.",
                kind="handoff_note",
                project="gamma",
                access=("maintainers:7", "user:3"),
            ),  # fmt: skip
        ]
    )
    return backend


def uids(results):
    return [hit.uid for hit in results.hits]


def test_index_and_search_returns_hits_with_the_contract_fields(corpus):
    results = corpus.search("release", access=None)
    assert results.count == 4 and set(uids(results)) == {"doc:1", "doc:2", "doc:5", "doc:6"}
    hit = next(h for h in results.hits if h.uid == "doc:1")
    assert (hit.title, hit.path, hit.url, hit.kind, hit.project) == (
        "Release process", "doc:1.md", "/documents/doc:1/", "doc", "alpha",
    )  # fmt: skip
    assert hit.score > 0 and "<mark>" in hit.highlights


def test_title_match_ranks_above_body_only_match(corpus):
    assert uids(corpus.search("release", access={"public"}))[:2] == ["doc:1", "doc:2"]


def test_stemming_matches_other_word_forms(corpus):
    assert "doc:3" in uids(corpus.search("reviewing", access=None))


def test_access_filter_applies_before_counts_facets_and_pages(corpus):
    anonymous = corpus.search("release", access={"public"})
    assert set(uids(anonymous)) == {"doc:1", "doc:2"} and anonymous.count == 2
    assert "gamma" not in anonymous.facets["project"]
    member = corpus.search("release", access={"public", "project:7"})
    assert set(uids(member)) == {"doc:1", "doc:2", "doc:5"}
    maintainer = corpus.search("release", access={"public", "project:7", "maintainers:7"})
    assert maintainer.count == 4
    assert corpus.search("secret roadmap", access={"public"}).count == 0
    assert corpus.search("vault", access={"user:3"}).count == 1
    assert corpus.search("vault", access=set()).count == 0


def test_filters_and_facets(corpus):
    results = corpus.search("reviewers", access=None)
    assert results.facets["project"] == {"alpha": 2, "beta": 1}
    assert results.facets["kind"] == {"doc": 2, "owners": 1}
    assert uids(corpus.search("reviewers", access=None, projects=["beta"])) == ["doc:4"]
    assert uids(corpus.search("reviewers", access=None, kinds=["owners"])) == ["doc:4"]
    assert corpus.search("reviewers", access=None, projects=["beta"], kinds=["doc"]).count == 0


def test_paging(corpus):
    first = corpus.search("release", access=None, page=1, page_size=3)
    second = corpus.search("release", access=None, page=2, page_size=3)
    assert first.count == second.count == 4
    assert len(first.hits) == 3 and len(second.hits) == 1
    assert not set(uids(first)) & set(uids(second))
    assert corpus.search("release", access=None, page=9, page_size=3).hits == []


def test_misspelt_query_gets_a_suggestion_and_still_finds(corpus):
    results = corpus.search("reviewrs", access=None)
    assert results.suggestion == "reviewers"
    assert "doc:3" in uids(results)
    assert corpus.search("reviewers", access=None).suggestion is None


def test_snippets_escape_html(backend):
    backend.index([entry("doc:9", "Escaping", 'Use <script>alert("x")</script> carefully & escape')])
    snippet = backend.search("escape", access=None).hits[0].highlights
    assert "<mark>" in snippet and "&amp;" in snippet
    assert "<" not in re.sub(r"</?mark>", "", snippet)  # the only markup is ours


def test_reindexing_replaces_by_uid_and_delete_removes(corpus):
    corpus.index([entry("doc:1", "Release process", "Rewritten: now about zeppelins.")])
    assert uids(corpus.search("zeppelins", access=None)) == ["doc:1"]
    assert "doc:1" not in uids(corpus.search("freeze", access=None))
    assert corpus.search("release", access=None).count == 4
    corpus.delete(["doc:1", "doc:404"])
    assert corpus.search("zeppelins", access=None).count == 0
    corpus.delete_project("beta")
    assert corpus.search("alice", access=None).count == 0


def test_rebuild_replaces_everything_and_status_counts(corpus):
    assert corpus.status()["ok"] is True and corpus.status()["documents"] == 6
    assert corpus.rebuild([entry("doc:20", "Only one", "lonely entry")]) == 1
    assert corpus.status()["documents"] == 1
    assert corpus.search("release", access=None).count == 0
    corpus.clear()
    assert corpus.status()["documents"] == 0


def test_per_entry_boost_lifts_an_entry(backend):
    backend.index(
        [
            entry("doc:30", "Glacier topic", "onboarding guide for newcomers"),
            entry("glacier:1", "Glacier topic", "onboarding guide for newcomers", kind="glacier", boost=3.0),
        ]
    )
    assert uids(backend.search("onboarding guide", access=None))[0] == "glacier:1"


def test_blank_and_syntax_heavy_queries_do_not_crash(corpus):
    assert corpus.search("", access=None).count == 0
    assert corpus.search("   ", access=None).hits == []
    for text in ['"unclosed', "(((", "what is a sig?", "release*", "AND OR NOT", "access:public", "-", "::"]:
        corpus.search(text, access={"public"})


def test_range_wildcard_and_field_syntax_are_plain_words(corpus):
    """A reader's query is words: "[a TO z]" is no range over every term (~40 s on a large
    corpus), "*" and "?" no wildcards, "name:value" no field (which could reach `access`)."""
    for text in ["[a TO z]", "{a TO z}", "*:*", "rel*", "re?ease", "[aardvark TO zebra]"]:
        assert corpus.search(text, access={"public"}).count == 0, text
    hidden = corpus.search("access:project:7 secret roadmap", access={"public"})
    assert "doc:5" not in uids(hidden)
    assert uids(corpus.search("title:reviewer", access={"public"}))[0] == "doc:3"  # still found by its words


def test_concurrent_writers_never_lose_a_write(backend):
    errors = []

    def write(start):
        try:
            for n in range(start, start + 10):
                backend.index([entry(f"doc:{n}", f"Concurrent {n}", f"parallel writer entry {n}")])
        except Exception as exc:  # asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(base,)) for base in (100, 200, 300)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert backend.search("parallel writer", access=None, page_size=50).count == 30


def test_snippet_of_a_long_document_centres_on_the_matches(backend):
    body = "filler words here. " * 3000 + "The zeppelin hangar opens at dawn. " + "more filler. " * 3000
    backend.index([entry("doc:40", "Long", body)])
    snippet = backend.search("zeppelin hangar", access=None).hits[0].highlights
    assert "<mark>zeppelin</mark>" in snippet.lower() and "<mark>hangar</mark>" in snippet.lower()
    assert len(snippet) < 600


def test_suggestions_come_only_from_entries_the_reader_may_see(backend):
    hidden = ("maintainers:7", "user:3")
    backend.index(
        [
            entry("doc:1", "Release process", "How a release is cut; marmots welcome."),
            entry("doc:2", "Handoff", "The zanzibarquokka rotation key lives in the vault.", access=hidden),
            *[
                entry(f"doc:{n}", f"Plan {n}", "marmotte marmotte succession", access=hidden)
                for n in range(3, 9)
            ],
        ]
    )
    anonymous = backend.search("zanzibarquoka", access={"public"})
    assert anonymous.suggestion is None and anonymous.count == 0
    typed_exactly = backend.search("zanzibarquokka", access={"public"})
    assert typed_exactly.suggestion is None and typed_exactly.count == 0
    assert backend.search("zanzibarquoka", access={"public", "maintainers:7"}).suggestion == "zanzibarquokka"
    assert backend.search("zanzibarquoka", access=None).suggestion == "zanzibarquokka"
    # The hidden look-alike is the more frequent one; the reader is offered the word they can find.
    assert backend.search("marmote", access={"public"}).suggestion == "marmots"
    assert backend.search("marmote", access={"user:3"}).suggestion == "marmotte"


def test_stamps_list_a_projects_entries_with_what_the_database_said(backend):
    backend.index(
        [
            IndexEntry(uid="doc:1", project="alpha", kind="doc", title="One", body="first", stamp="a1"),
            IndexEntry(uid="doc:2", project="alpha", kind="doc", title="Two", body="second", stamp="a2"),
            IndexEntry(uid="doc:3", project="beta", kind="doc", title="Three", body="third", stamp="b3"),
        ]
    )
    assert backend.stamps("alpha") == {"doc:1": "a1", "doc:2": "a2"}
    backend.index(
        [IndexEntry(uid="doc:2", project="alpha", kind="doc", title="Two", body="new", stamp="a2b")]
    )
    backend.delete(["doc:1"])
    assert backend.stamps("alpha") == {"doc:2": "a2b"}
    assert backend.stamps("beta") == {"doc:3": "b3"}
    assert backend.stamps("nobody") == {}
    backend.clear()
    assert backend.stamps("alpha") == {}
