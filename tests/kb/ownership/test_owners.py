from kb.ownership.owners import expand_aliases, parse_owners, parse_owners_aliases, read_owners_tree
from tests.kb.ownership.golden import FIXTURES


def read(name):
    return (FIXTURES / name).read_text()


def test_filters_and_options():
    root = parse_owners(read("k8s-community-root.OWNERS"), path="OWNERS")
    assert root.approvers == []
    assert "cblecker" in root.people("approvers")
    assert "spiffxp" in root.people("emeritus_approvers")
    assert root.all_labels == ["area/annual-reports", "committee/steering"]
    assert [r.pattern for r in root.whole_directory_rules] == [None, ".*"]
    charter = next(r for r in root.filters if "charter" in r.pattern)
    assert charter.required_reviewers == ["kubernetes/steering-committee"]
    assert parse_owners(read("k8s-no-parent.OWNERS"), path="OWNERS").no_parent_owners is True
    nulls = parse_owners(read("k8s-null-reviewers.OWNERS"), path="OWNERS")
    assert nulls.reviewers == [] and nulls.approvers == ["idvoretskyi", "jberkus", "jdumars"]


def test_owners_key_reads_as_approvers():
    parsed = parse_owners("owners:\n  - alice\napprovers:\n  - bob\n  - Alice\n", path="OWNERS")
    assert parsed.approvers == ["alice", "bob"]
    assert parsed.unknown_keys == []


def test_trailing_comments_and_alias_expansion():
    mentoring = parse_owners(read("k8s-mentoring.OWNERS"), path="OWNERS")
    assert mentoring.emeritus_approvers == ["markyjackson-taulia", "parispittman"]
    aliases = parse_owners_aliases(read("azure.OWNERS_ALIASES"), path="OWNERS_ALIASES")
    azure = parse_owners(read("azure-root.OWNERS"), path="OWNERS")
    expanded = expand_aliases(azure.approvers, aliases)
    assert expanded[:4] == ["bridgetkromhout", "cheftako", "elmiko", "joelspeed"]
    assert "sig-cloud-provider-leads" not in expanded
    assert expand_aliases(["SIG-Cloud-Provider-Leads", "Cheftako"], aliases) == [
        "bridgetkromhout", "cheftako", "elmiko", "joelspeed",
    ]  # fmt: skip


def tree_files():
    root = FIXTURES / "tree"
    return [(p.relative_to(root).as_posix(), p.read_text()) for p in sorted(root.rglob("*")) if p.is_file()]


def test_tree_expands_aliases_and_ignores_vendored_and_test_trees():
    tree = read_owners_tree(tree_files())
    assert sorted(tree.files) == ["", "sig-node"]  # not testdata/chart, not vendor/…
    assert tree.files[""].approvers == ["SergeyKanzhelev", "dchen1107"]
    assert tree.files["sig-node"].approvers == ["SergeyKanzhelev", "dchen1107"]
    assert tree.files["sig-node"].emeritus_approvers == ["ehashman"]
    assert tree.errors == [] and tree.unresolved_aliases == {}


def test_tree_keeps_broken_files_out_with_their_error():
    tree = read_owners_tree(
        [("OWNERS", "approvers: [a]\n"), ("x/OWNERS", "approvers:\n  - [b]\n"),
         ("OWNERS_ALIASES", "aliases:\n  gone-leads-x: [c]\n"), ("y/OWNERS", "approvers: [sig-gone-leads]\n")]
    )  # fmt: skip
    assert sorted(tree.files) == ["", "y"]
    assert [(e.path, e.line) for e in tree.errors] == [("x/OWNERS", 2)]
    assert tree.unresolved_aliases == {"y": {"sig-gone-leads"}}
