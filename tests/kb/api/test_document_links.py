"""/api/documents/{id}/ carries sections and links in and out; the list stays light."""

import pytest
from rest_framework.test import APIClient

from kb.models import Document, Project
from kb.services.sync import sync_target
from tests.kb.factories import DocumentFactory
from tests.kb.links_repo import links_repo

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def widgets(tmp_path):
    links_repo(tmp_path / "widgets")
    sync_target(str(tmp_path / "widgets"))
    return Project.objects.get(slug="widgets")


def test_detail_has_sections_links_out_and_links_in(widgets):
    client = APIClient()
    guide = Document.objects.get(path="docs/guide.md")
    readme = Document.objects.get(path="README.md")
    data = client.get(f"/api/documents/{readme.pk}/").json()
    assert data["sections"] == readme.sections
    assert data["links_out"][0] == {
        "line": 3, "kind": "link", "href": "docs/guide.md#getting-started", "status": "resolved", "reason": "",
        "target_path": "docs/guide.md", "anchor": "getting-started",
        "target": {"id": guide.pk, "path": "docs/guide.md", "title": "Guide"},
    }  # fmt: skip
    assert [link["status"] for link in data["links_out"]] == ["resolved", "resolved", "resolved", "file"]
    links_in = client.get(f"/api/documents/{guide.pk}/").json()["links_in"]
    assert {(link["source"]["path"], link["line"]) for link in links_in} == {
        ("README.md", 3), ("docs/design/README.md", 3),
    }  # fmt: skip
    listed = client.get("/api/documents/?project=widgets").json()
    items = listed["results"] if isinstance(listed, dict) else listed
    assert not {"sections", "links_out", "links_in"} & set(items[0])


def test_links_from_documents_the_reader_may_not_see_are_left_out(widgets):
    guide = Document.objects.get(path="docs/guide.md")
    hidden = DocumentFactory(
        project=widgets,
        kind=Document.Kind.HANDOFF_NOTE,
        key="note/x",
        path="",
        title="Hidden",
        is_private=True,
    )
    hidden.links_out.create(project=widgets, target=guide, status="resolved", href="x", line=1)
    paths = [
        link["source"]["path"] for link in APIClient().get(f"/api/documents/{guide.pk}/").json()["links_in"]
    ]
    assert "" not in paths and len(paths) == 2
