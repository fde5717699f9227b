"""The document model on real shapes: golden genre, lifecycle, language and decision per file."""

import json
from pathlib import Path

import pytest

from kb.documents.analysis import analyse
from kb.documents.decisions import normalise_status
from kb.documents.sections import mkdocs_slug, sections_from_tokens
from kb.rendering import markdown_tokens
from kb.sources.local import read_local_tree

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "documents"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())


@pytest.fixture(scope="module")
def analysed():
    tree = read_local_tree(FIXTURES / "repo", max_bytes=1024 * 1024)
    return {
        item.path: analyse(path=item.path, kind=item.kind, body=item.body, metadata=item.metadata)
        for item in tree.items
    }


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_golden_document_model(analysed, path):
    expected = EXPECTED[path]
    got = analysed[path]
    assert (got.genre, got.lifecycle, got.language) == (
        expected["genre"],
        expected["lifecycle"],
        expected["language"],
    ), got.reasons
    if expected["status"] is None:
        assert got.decision is None
    else:
        assert got.decision["status"] == expected["status"]
        assert got.decision["status_raw"] == expected["status_raw"]


def test_kep_yaml_is_metadata_of_its_readme_not_a_document(analysed):
    assert not any(path.endswith("kep.yaml") for path in analysed)
    decision = analysed["keps/sig-node/2000-graceful-node-shutdown/README.md"].decision
    assert decision["source"] == "kep.yaml"
    assert decision["authors"] == ["@bobbypage", "@mrunalp"]
    assert decision["approvers"] == ["@derekwaynecarr"]
    assert decision["date"] == "2020-05-13"
    assert decision["why"]["motivation"].startswith("Currently, when a node shuts down")
    assert "separate daemon" in decision["why"]["alternatives"]


def test_a_design_doc_status_line_and_madr_front_matter_become_decisions(analysed):
    design = analysed["docs/design/volume-snapshots.md"].decision
    assert design["source"] == "status line" and design["why"]["motivation"].startswith("Users want")
    adr = analysed["docs/adr/0003-use-postgres.md"].decision
    assert adr["source"] == "front matter" and adr["authors"] == ["alice", "bob"]
    assert adr["why"]["context"].startswith("We need full-text search")


@pytest.mark.parametrize(
    "raw, status",
    [("provisional", "proposed"), ("implementable", "accepted"), ("imlpemented", "implemented"),
     ("Withdrawn", "withdrawn"), ("replaced", "superseded"), ("Superseded by ADR-0007", "superseded"),
     ("WIP", "draft"), ("deferred", "deferred"), ("rejected", "rejected"), ("banana", None)],
)  # fmt: skip
def test_status_words_are_normalised(raw, status):
    assert normalise_status(raw) == status


def test_sections_carry_github_mkdocs_and_explicit_anchors_with_original_line_numbers():
    body = "# Getting Started\n\n## Getting Started\n\n## Café & Co {#cafe}\n\n```sh\n# not a heading\n```\n"
    sections = sections_from_tokens(markdown_tokens(body), line_offset=3)
    assert [s["title"] for s in sections] == ["Getting Started", "Getting Started", "Café & Co"]
    assert [s["line"] for s in sections] == [4, 6, 8]
    assert sections[0]["anchors"] == ["getting-started"]
    assert sections[1]["anchors"] == ["getting-started-1"] and sections[1]["mkdocs"] == "getting-started_1"
    assert set(sections[2]["anchors"]) == {"café--co", "cafe--co", "cafe"} and sections[2]["mkdocs"] == "cafe-co"
    assert mkdocs_slug("Hello,  World!") == "hello-world"


def test_front_matter_errors_are_recorded_with_their_line_and_the_document_kept(tmp_path):
    (tmp_path / "bad.md").write_text("---\ntitle: ok\ndate: [unclosed\n---\n# Still here\n\nBody.\n")
    tree = read_local_tree(tmp_path, max_bytes=1024 * 1024)
    [item] = tree.items
    assert tree.warnings[0]["path"] == "bad.md" and tree.warnings[0]["line"] == 3  # "date: [unclosed"
    assert item.metadata["front_matter_error"]["line"] == 3
    assert item.title == "Still here" and "Body." in item.body


def test_invalid_dates_in_yaml_are_errors_not_crashes(tmp_path):
    (tmp_path / "d.md").write_text("---\ndate: 2020-13-45\n---\n# Dated\n")
    tree = read_local_tree(tmp_path, max_bytes=1024 * 1024)
    assert tree.items and tree.warnings and "invalid value" in tree.warnings[0]["error"]
