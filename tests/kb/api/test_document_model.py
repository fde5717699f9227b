"""/api/documents/ carries the document model and filters by it."""

import pytest

from kb.services.documents import DocumentInput, documents_upsert
from tests.kb.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def decisions(memory_search, django_capture_on_commit_callbacks):
    project = ProjectFactory(slug="orbit", name="Orbit")
    with django_capture_on_commit_callbacks(execute=True):
        documents_upsert(
            project=project,
            source="local",
            items=[
                DocumentInput(kind="doc", key="docs/design/snapshots.md", path="docs/design/snapshots.md",
                              title="Snapshots", body="# Snapshots\n\nStatus: Proposed\n\n## Motivation\n\n"
                              "Users want copies of their volumes before an upgrade.\n"),
                DocumentInput(kind="doc", key="archive/old.md", path="archive/old.md", title="Old",
                              body="# Old\n\nThe old way we did things, kept for history.\n"),
                DocumentInput(kind="doc", key="README.md", path="README.md", title="Orbit",
                              body="# Orbit\n\nStart here.\n"),
            ],
        )  # fmt: skip
    return project


def test_items_carry_genre_lifecycle_language_and_decision(decisions, anonymous):
    items = {item["path"]: item for item in anonymous.get("/api/documents/?project=orbit").json()["results"]}
    design = items["docs/design/snapshots.md"]
    assert (
        design["genre"] == "decision-record"
        and design["lifecycle"] == "current"
        and design["language"] == "en"
    )
    assert design["decision"]["status"] == "proposed" and design["decision"]["status_raw"] == "Proposed"
    assert design["decision"]["why"]["motivation"].startswith("Users want copies")
    assert items["README.md"]["genre"] == "community-health" and items["README.md"]["decision"] is None
    assert items["archive/old.md"]["lifecycle"] == "archived"


def test_filter_by_genre_and_lifecycle_with_field_errors_for_bad_values(decisions, anonymous):
    by_genre = anonymous.get("/api/documents/?genre=decision-record").json()
    assert [item["path"] for item in by_genre["results"]] == ["docs/design/snapshots.md"]
    archived = anonymous.get("/api/documents/?project=orbit&lifecycle=archived").json()
    assert [item["path"] for item in archived["results"]] == ["archive/old.md"]
    bad = anonymous.get("/api/documents/?genre=novel&lifecycle=frozen")
    assert bad.status_code == 400 and set(bad.json()) >= {"genre", "lifecycle"}
