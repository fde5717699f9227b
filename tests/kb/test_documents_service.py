import pytest

from kb.models import Document, Project
from kb.services.documents import DocumentInput, documents_delete_missing, documents_upsert

pytestmark = pytest.mark.django_db


def make_project():
    return Project.objects.create(slug="demo", name="Demo")


def item(key, body="hello", **kw):
    return DocumentInput(kind="doc", key=key, title=key, body=body, path=key, **kw)


def test_upsert_adds_then_skips_unchanged_then_updates():
    project = make_project()
    first = documents_upsert(project=project, source="local", items=[item("a.md"), item("b.md")], index=False)
    assert len(first.added) == 2 and not first.updated
    again = documents_upsert(project=project, source="local", items=[item("a.md"), item("b.md")], index=False)
    assert again.unchanged == 2 and not again.added and not again.updated
    changed = documents_upsert(project=project, source="local", items=[item("a.md", "new")], index=False)
    assert len(changed.updated) == 1
    assert Document.objects.get(key="a.md").body == "new"
    assert Document.objects.count() == 2


def test_sweep_deletes_missing_and_children():
    project = make_project()
    documents_upsert(
        project=project,
        source="github",
        items=[item("issue/1"), item("comment/9", parent_key="issue/1"), item("issue/2")],
        index=False,
    )
    assert Document.objects.get(key="comment/9").parent.key == "issue/1"
    documents_delete_missing(project=project, source="github", keep_keys={"issue/2"}, kinds=["doc"])
    assert list(Document.objects.values_list("key", flat=True)) == ["issue/2"]


def test_markdown_is_sanitised_on_store():
    project = make_project()
    documents_upsert(
        project=project,
        source="local",
        items=[item("x.md", "# T\n<script>alert(1)</script><a href='javascript:alert(1)' onclick='x()'>y</a>")],
        index=False,
    )
    html = Document.objects.get().html
    assert "<script" not in html and "javascript:" not in html and "onclick" not in html
