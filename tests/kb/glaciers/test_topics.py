from datetime import UTC, datetime, timedelta

from kb.glaciers.items import SourceItem
from kb.glaciers.owners import owners_areas
from kb.glaciers.topics import Overrides, derive_topics

T0 = datetime(2026, 1, 1, tzinfo=UTC)

AREAS = owners_areas(
    [
        ("OWNERS", "approvers: [lead]\n"),
        ("OWNERS_ALIASES", "aliases:\n  node-leads: [alice, bob]\n"),
        ("sig-node/OWNERS", "approvers: [node-leads]\nlabels: [sig/node]\n"),
        ("sig-network/OWNERS", "approvers: [carol]\nlabels: [sig/network]\n"),
        ("broken/OWNERS", "approvers: [unclosed\n"),
    ]
)


def doc(id, path, text, title=None):
    return SourceItem(id=id, kind="doc", key=path, path=path, title=title or path, text=text)


def issue(id, title, text, labels=(), days=0, private=False, area=""):
    return SourceItem(
        id=id, kind="issue", key=f"issue/{id}", title=title, text=text, labels=tuple(labels),
        number=id, created_at=T0 + timedelta(days=days), is_private=private, area=area,
    )  # fmt: skip


NODE = doc(1, "sig-node/README.md", "The kubelet evicts pods under memory pressure on the node.", "SIG Node")
NODE_DEEP = doc(2, "sig-node/docs/eviction.md", "Kubelet eviction thresholds for memory and disk pressure.")
NET = doc(3, "sig-network/README.md", "Services, DNS and kube-proxy route traffic to pods.", "SIG Network")
GUIDE = doc(4, "contributors/guide/README.md", "Open a pull request and ask an owner to review it.")
ROOT = doc(5, "README.md", "Welcome to the project.")


def by_identity(specs):
    return {spec.identity: spec for spec in specs}


def test_owners_areas_resolve_aliases_and_tolerate_broken_files():
    assert AREAS["sig-node"].approvers == ["alice", "bob"]
    assert AREAS["sig-node"].labels == ["sig/node"]
    assert AREAS["broken"].approvers == []


def test_docs_go_to_nearest_owners_area_else_top_folder_else_root():
    specs = by_identity(derive_topics([NODE, NODE_DEEP, NET, GUIDE, ROOT], owners_areas=AREAS))
    assert specs[("owners", "sig-node")].item_ids == [1, 2]
    assert specs[("owners", "sig-node")].title == "SIG Node"
    assert specs[("owners", "sig-node")].owners == ["alice", "bob"]
    assert specs[("folder", "contributors")].item_ids == [4]
    assert specs[("folder", "")].item_ids == [5]


def test_labels_declared_in_owners_meet_the_area_and_other_labels_make_topics():
    items = [
        NODE,
        issue(10, "Eviction bug", "pods evicted", labels=["sig/node", "kind/bug"]),
        issue(11, "Docs site is slow", "the website loads slowly", labels=["area/website", "priority/low"]),
    ]
    specs = by_identity(derive_topics(items, owners_areas=AREAS))
    assert specs[("owners", "sig-node")].item_ids == [1, 10]
    assert specs[("label", "area/website")].item_ids == [11]
    assert not any(origin == "label" and sig.startswith(("kind/", "priority/")) for origin, sig in specs)


def test_unlabelled_issue_joins_the_topic_it_is_about_by_text_similarity():
    items = [NODE, NODE_DEEP, NET, issue(12, "Kubelet eviction under memory pressure", "kubelet evicts pods")]
    specs = by_identity(derive_topics(items, owners_areas=AREAS))
    assert 12 in specs[("owners", "sig-node")].item_ids
    assert 12 not in specs[("owners", "sig-network")].item_ids


def test_unplaced_issues_cluster_under_a_stable_anchor_signature():
    flaky = [
        issue(
            20 + n,
            f"Flaky e2e test run {n}",
            "The e2e test job on prow times out waiting for the cluster",
            days=n,
        )
        for n in range(4)
    ]
    specs = derive_topics([NET, *flaky], owners_areas=AREAS)
    clusters = [s for s in specs if s.origin == "cluster"]
    assert [(s.signature, s.item_ids) for s in clusters] == [("cluster:issue/20", [20, 21, 22, 23])]
    assert "e2e" in clusters[0].title.lower() or "prow" in clusters[0].title.lower()
    # A newer item joining the cluster does not change its identity.
    newer = issue(30, "Flaky e2e test again", "The e2e test job on prow times out waiting again", days=9)
    again = [s for s in derive_topics([NET, *flaky, newer], owners_areas=AREAS) if s.origin == "cluster"]
    assert [(s.signature, 30 in s.item_ids) for s in again] == [("cluster:issue/20", True)]


def test_derivation_is_deterministic_whatever_the_input_order():
    items = [NODE, NODE_DEEP, NET, GUIDE, ROOT, issue(12, "Kubelet eviction", "kubelet evicts pods")]
    first = derive_topics(items, owners_areas=AREAS)
    second = derive_topics(list(reversed(items)), owners_areas=AREAS)
    assert [(s.identity, s.item_ids, s.related) for s in first] == [
        (s.identity, s.item_ids, s.related) for s in second
    ]


def test_pins_and_merges_override_derivation():
    items = [NODE, NODE_DEEP, NET, GUIDE]
    overrides = Overrides(
        pins={2: ("manual", "manual:eviction")},
        merges={("folder", "contributors"): ("owners", "sig-network")},
        manual={("manual", "manual:eviction"): "Eviction"},
    )
    specs = by_identity(derive_topics(items, owners_areas=AREAS, overrides=overrides))
    assert specs[("manual", "manual:eviction")].item_ids == [2]
    assert specs[("manual", "manual:eviction")].title == "Eviction"
    assert specs[("owners", "sig-node")].item_ids == [1]
    assert specs[("owners", "sig-network")].item_ids == [4, 3] or specs[
        ("owners", "sig-network")
    ].item_ids == [3, 4]
    assert ("folder", "contributors") not in specs


def test_private_items_follow_their_area_and_never_name_a_topic():
    secret = issue(40, "zanzibar quokka", "zanzibar quokka zanzibar quokka", private=True, area="sig-node")
    lost = issue(41, "xylophone marmalade", "xylophone marmalade", private=True)
    specs = derive_topics([NODE, NET, secret, lost], owners_areas=AREAS)
    assert 40 in by_identity(specs)[("owners", "sig-node")].item_ids
    words = " ".join(s.title + " " + s.signature for s in specs).lower()
    assert "zanzibar" not in words and "xylophone" not in words


def test_previous_topics_keep_items_in_place_while_they_stay_close():
    items = [NODE, NET, issue(12, "Pods and traffic", "kubelet evicts pods, kube-proxy routes traffic")]
    fresh = by_identity(derive_topics(items, owners_areas=AREAS))
    chosen = next(identity for identity, spec in fresh.items() if 12 in spec.item_ids)
    other = ("owners", "sig-network") if chosen == ("owners", "sig-node") else ("owners", "sig-node")
    kept = by_identity(derive_topics(items, owners_areas=AREAS, previous={12: [other]}))
    assert 12 in kept[other].item_ids and 12 not in kept[chosen].item_ids
    # Too far from its previous topic: it moves.
    far = issue(13, "Kubelet eviction", "kubelet evicts pods under memory pressure")
    moved = by_identity(
        derive_topics([NODE, NET, far], owners_areas=AREAS, previous={13: [("owners", "sig-network")]})
    )
    assert 13 in moved[("owners", "sig-node")].item_ids


def test_previous_clusters_survive_when_their_members_remain():
    flaky = [
        issue(
            20 + n,
            f"Flaky e2e test run {n}",
            "The e2e test job on prow times out waiting for the cluster",
            days=n,
        )
        for n in range(4)
    ]
    earlier = ("cluster", "cluster:issue/99")  # e.g. its anchor was since deleted
    specs = derive_topics([NET, *flaky], owners_areas=AREAS, previous={i.id: [earlier] for i in flaky})
    clusters = [(s.identity, s.item_ids) for s in specs if s.origin == "cluster"]
    assert clusters == [(earlier, [20, 21, 22, 23])]


def test_a_private_area_no_public_item_shares_opens_no_topic():
    secret = issue(42, "quagga handoff", "quagga rotation", private=True, area="sig-quaggaplans")
    labelled = issue(
        43, "handoff", "rotation", labels=["area/quaggaplans"], private=True, area="area/quaggaplans"
    )
    specs = derive_topics([NODE, NET, secret, labelled], owners_areas=AREAS)
    words = " ".join(s.title + " " + s.signature for s in specs).lower()
    assert "quagga" not in words
    assert not [s for s in specs if set(s.item_ids) <= {42, 43}]


def test_private_items_alone_make_no_catch_all_page():
    lost = issue(44, "xylophone marmalade", "xylophone marmalade", private=True, area="nowhere")
    assert derive_topics([lost], owners_areas=AREAS) == []
