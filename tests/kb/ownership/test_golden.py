"""Golden tests for every ownership reader: small real files (and real shapes) shipped under
tests/fixtures/ownership/, broken files with their file:line, and, when ../shared/corpus
exists, every real ownership file there."""

import os
from pathlib import Path

import pytest

from kb.ownership import ParseError, ownership_file_kind
from tests.kb.ownership.golden import FIXTURES, GOLDEN, READERS, as_json, parse_fixture

_REPO = Path(__file__).resolve().parents[3]
CORPUS = next(
    (
        c
        for c in (_REPO.parent / "shared" / "corpus", _REPO.parent.parent / "shared" / "corpus")
        if c.is_dir()
    ),
    _REPO.parent / "shared" / "corpus",
)
GOOD = sorted(p for p in FIXTURES.iterdir() if p.is_file())


@pytest.mark.parametrize("fixture", GOOD, ids=[p.name for p in GOOD])
def test_fixture_matches_golden_output(fixture):
    actual = as_json(parse_fixture(fixture))
    golden = GOLDEN / f"{fixture.name}.json"
    if os.environ.get("GLACIER_UPDATE_GOLDEN"):
        golden.write_text(actual, encoding="utf-8")
    assert actual == golden.read_text(encoding="utf-8")


def test_every_golden_file_has_its_fixture():
    assert {p.name for p in GOLDEN.iterdir()} == {f"{p.name}.json" for p in GOOD}


BROKEN = {
    "nested-list.OWNERS": (3, "entries must be names"),
    "bad-yaml.OWNERS": (4, "invalid YAML"),
    "unknown-option.OWNERS": (2, "unknown option 'no_parent_owner'"),
    "list-root.OWNERS": (1, "must be a mapping"),
    "extra-key.OWNERS_ALIASES": (4, "unknown key 'reviewers'"),
    "negation.CODEOWNERS": (3, "negated pattern"),
    "range.CODEOWNERS": (1, "character ranges"),
    "bad-owner.CODEOWNERS": (2, "'not' is not an owner"),
    "no-known-column.MAINTAINERS.md": (3, "table header names no known column"),
    "unclosed-email.MAINTAINERS": (2, "unclosed '<'"),
    "unclosed-email.OWNERS.md": (5, "unclosed '<'"),
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


def corpus_files():
    if not CORPUS.is_dir():
        return []
    return sorted(
        p
        for p in CORPUS.rglob("*")
        if p.is_file() and "history" not in p.parts and ownership_file_kind(str(p.relative_to(CORPUS)))
    )


def test_every_real_ownership_file_in_the_corpus_parses():
    files = corpus_files()
    if not CORPUS.is_dir():
        pytest.skip("no ../shared/corpus next to the checkout")
    assert len(files) > 120
    for path in files:
        name = str(path.relative_to(CORPUS))
        kind = ownership_file_kind(name)
        parsed = READERS[kind](path.read_text(encoding="utf-8"), path=name)
        if kind == "owners":
            assert parsed.people("approvers") or parsed.people("reviewers") or parsed.all_labels, name
        elif kind == "owners_aliases":
            assert parsed, name
        elif kind == "governance":
            # The corpus' governance.md and contributor guide owners.md describe roles in prose.
            assert parsed.people == [], name
