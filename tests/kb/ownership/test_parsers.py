"""Golden tests for the ownership-file parsers, on small real files shipped under
tests/fixtures/owners/, broken files, and (when ../shared/corpus exists) every real file."""

import dataclasses
import json
import os
from pathlib import Path

import pytest

from onboarding.parsers import ParseError, ownership_file_kind
from onboarding.parsers.codeowners import compile_pattern, parse_codeowners
from onboarding.parsers.maintainers import parse_maintainers
from onboarding.parsers.owners import expand_aliases, parse_owners, parse_owners_aliases

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "owners"
GOLDEN = FIXTURES / "golden"
# ../shared/corpus next to the checkout (or next to the worktrees' parent directory).
_REPO = Path(__file__).resolve().parents[2]
CORPUS = next(
    (
        c
        for c in (_REPO.parent / "shared" / "corpus", _REPO.parent.parent / "shared" / "corpus")
        if c.is_dir()
    ),
    _REPO.parent / "shared" / "corpus",
)


def parse_fixture(path: Path):
    text = path.read_text(encoding="utf-8")
    name = path.name
    if name.endswith("OWNERS_ALIASES"):
        return parse_owners_aliases(text, path=name)
    if name.endswith("OWNERS") and "MAINTAINERS" not in name and "CODEOWNERS" not in name:
        return parse_owners(text, path=name)
    if name.endswith("CODEOWNERS"):
        return parse_codeowners(text, path=name)
    return parse_maintainers(text, path=name)


def as_json(parsed) -> str:
    def default(value):
        if dataclasses.is_dataclass(value):
            return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        raise TypeError(value)

    return json.dumps(parsed, default=default, indent=2, sort_keys=True) + "\n"


GOOD = sorted(p for p in FIXTURES.iterdir() if p.is_file())


@pytest.mark.parametrize("fixture", GOOD, ids=[p.name for p in GOOD])
def test_fixture_matches_golden_output(fixture):
    actual = as_json(parse_fixture(fixture))
    golden = GOLDEN / f"{fixture.name}.json"
    if os.environ.get("GLACIER_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert actual == golden.read_text(encoding="utf-8")


BROKEN = {
    "nested-list.OWNERS": (3, "entries must be names"),
    "bad-yaml.OWNERS": (4, "invalid YAML"),
    "unknown-option.OWNERS": (2, "unknown option 'no_parent_owner'"),
    "list-root.OWNERS": (1, "must be a mapping"),
    "extra-key.OWNERS_ALIASES": (4, "unknown key 'reviewers'"),
    "negation.CODEOWNERS": (3, "negated pattern"),
    "bad-owner.CODEOWNERS": (2, "'not' is not an owner"),
    "bad-row.MAINTAINERS.md": (4, "table row has 3 cells"),
    "unclosed-email.MAINTAINERS": (2, "unclosed '<'"),
    "linux-no-email.MAINTAINERS": (2, "'M:' needs 'Name <email>'"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_file_names_file_and_line(name):
    line, message = BROKEN[name]
    with pytest.raises(ParseError) as caught:
        parse_fixture(FIXTURES / "broken" / name)
    assert caught.value.path == name
    assert caught.value.line == line
    assert message in caught.value.message
    assert str(caught.value).startswith(f"{name}:{line}: ")


def test_every_broken_fixture_has_an_expectation():
    assert {p.name for p in (FIXTURES / "broken").iterdir()} == set(BROKEN)


def test_owners_filters_and_options():
    root = parse_owners((FIXTURES / "k8s-community-root.OWNERS").read_text(), path="OWNERS")
    assert root.approvers == []
    assert "cblecker" in root.people("approvers")
    assert "spiffxp" in root.people("emeritus_approvers")
    assert root.all_labels == ["area/annual-reports", "committee/steering"]
    charter = next(r for r in root.filters if "charter" in r.pattern)
    assert charter.required_reviewers == ["kubernetes/steering-committee"]
    steering = parse_owners((FIXTURES / "k8s-no-parent.OWNERS").read_text(), path="OWNERS")
    assert steering.no_parent_owners is True
    nulls = parse_owners((FIXTURES / "k8s-null-reviewers.OWNERS").read_text(), path="OWNERS")
    assert nulls.reviewers == [] and nulls.approvers == ["idvoretskyi", "jberkus", "jdumars"]


def test_trailing_comments_and_alias_expansion():
    mentoring = parse_owners((FIXTURES / "k8s-mentoring.OWNERS").read_text(), path="OWNERS")
    assert mentoring.emeritus_approvers == ["markyjackson-taulia", "parispittman"]
    aliases = parse_owners_aliases((FIXTURES / "azure.OWNERS_ALIASES").read_text(), path="OWNERS_ALIASES")
    azure = parse_owners((FIXTURES / "azure-root.OWNERS").read_text(), path="OWNERS")
    expanded = expand_aliases(azure.approvers, aliases)
    assert expanded[:4] == ["bridgetkromhout", "cheftako", "elmiko", "joelspeed"]
    assert "sig-cloud-provider-leads" not in expanded
    assert expand_aliases(["SIG-Cloud-Provider-Leads", "Cheftako"], aliases) == [
        "bridgetkromhout", "cheftako", "elmiko", "joelspeed",
    ]  # fmt: skip


def test_codeowners_last_match_wins():
    rules = parse_codeowners((FIXTURES / "github.CODEOWNERS").read_text(), path="CODEOWNERS")
    assert rules.owners_for("README.md") == ["@global-owner1", "@global-owner2"]
    assert rules.owners_for("src/app.js") == ["@js-owner"]
    assert rules.owners_for("build/logs/x.txt") == ["@octocat"]  # "**/logs" comes later
    assert rules.owners_for("docs/getting-started.md") == ["@doctocat"]
    assert rules.owners_for("apps/web/index.html") == ["@octocat"]
    assert rules.owners_for("apps/github") == []  # a pattern with no owners unowns
    assert rules.owners_for("scripts/deploy.sh") == ["@doctocat", "@octo-org/octocats"]
    assert rules.owners_for("#notes.md") == ["@hash-owner"]


def test_codeowners_sections_give_default_owners():
    rules = parse_codeowners((FIXTURES / "gitlab-sections.CODEOWNERS").read_text(), path="CODEOWNERS")
    assert rules.owners_for("docs/x.md") == ["@docs-team"]
    assert rules.owners_for("README.md") == ["@readme-owner"]
    assert rules.owners_for("internal/db.go") == ["@storage-owner"]
    assert rules.rules[-1].section == "Backend"


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*.md", "a/b/c.md", True),
        ("/*.md", "a/b/c.md", False),
        ("/*.md", "c.md", True),
        ("docs/", "docs", False),
        ("docs/", "x/docs/a", True),
        ("docs/*", "docs/a/b", False),
        ("/docs/**", "docs/a/b", True),
        ("a/**/b", "a/b", True),
        ("a/**/b", "a/x/y/b/z", True),
        ("foo?.txt", "foo1.txt", True),
        ("foo?.txt", "foo/.txt", False),
    ],
)
def test_gitignore_style_patterns(pattern, path, expected):
    assert bool(compile_pattern(pattern).match(path)) is expected


def test_maintainers_formats():
    table = parse_maintainers((FIXTURES / "table.MAINTAINERS.md").read_text(), path="MAINTAINERS.md")
    by_login = {p.login: p for p in table.people}
    assert by_login["jane"].email == "jane@acme.io" and by_login["jane"].areas == ["docs", "api"]
    assert by_login["carla"].role == "reviewer" and by_login["carla"].affiliation == "Initech"
    assert by_login["dan"].name == "Dan Brown"
    assert by_login["annlee"].role == "emeritus" and by_login["annlee"].name == "Ann Lee"
    linux = parse_maintainers((FIXTURES / "linux.MAINTAINERS").read_text(), path="MAINTAINERS")
    assert [(p.name, p.role, p.areas) for p in linux.people] == [
        ("Dave Miller", "maintainer", ["NETWORKING", "net/", "include/net/"]),
        ("Eric Dumazet", "reviewer", ["NETWORKING", "net/", "include/net/"]),
        ("Jon Corbet", "maintainer", ["DOCUMENTATION", "Documentation/"]),
    ]


def test_file_kinds():
    assert ownership_file_kind("sig-docs/OWNERS") == "owners"
    assert ownership_file_kind("OWNERS_ALIASES") == "owners_aliases"
    assert ownership_file_kind(".github/CODEOWNERS") == "codeowners"
    assert ownership_file_kind("MAINTAINERS.md") == "maintainers"
    assert ownership_file_kind("README.md") is None


def corpus_files():
    if not CORPUS.is_dir():
        return []
    return sorted(
        p
        for p in CORPUS.rglob("*")
        if p.is_file() and ownership_file_kind(p.name) and "history" not in p.parts
    )


def test_every_real_ownership_file_in_the_corpus_parses():
    files = corpus_files()
    if not CORPUS.is_dir():
        assert files == []
        return
    assert len(files) > 120
    for path in files:
        text = path.read_text(encoding="utf-8")
        kind = ownership_file_kind(path.name)
        name = str(path.relative_to(CORPUS))
        if kind == "owners":
            parsed = parse_owners(text, path=name)
            assert parsed.people("approvers") or parsed.people("reviewers") or parsed.all_labels, name
        elif kind == "owners_aliases":
            assert parse_owners_aliases(text, path=name), name
        elif kind == "codeowners":
            parse_codeowners(text, path=name)
        else:
            parse_maintainers(text, path=name)
