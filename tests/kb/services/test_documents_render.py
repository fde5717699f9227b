import pytest

from kb.models import Document, Project
from kb.services import documents
from kb.services.documents import DocumentInput, documents_upsert

pytestmark = pytest.mark.django_db


def test_big_batches_render_in_parallel_with_the_same_sanitised_result(monkeypatch):
    project = Project.objects.create(slug="many", name="Many")
    monkeypatch.setattr(documents, "PARALLEL_RENDER_MIN_ITEMS", 5)
    items = [
        DocumentInput(
            kind="doc", key=f"p{n}.md", title=f"P{n}", body=f"# P{n}\n\n<script>x()</script>\n\n**bold {n}**"
        )
        for n in range(12)
    ]
    documents_upsert(project=project, source="local", items=items, index=False)
    rendered = dict(Document.objects.values_list("key", "html"))
    assert len(rendered) == 12
    for n in range(12):
        assert f"<strong>bold {n}</strong>" in rendered[f"p{n}.md"] and "<script" not in rendered[f"p{n}.md"]


def test_explicit_html_is_kept():
    project = Project.objects.create(slug="pre", name="Pre")
    documents_upsert(
        project=project,
        source="local",
        items=[
            DocumentInput(kind="owners", key="OWNERS", title="OWNERS", body="a: b", html="<pre>a: b</pre>")
        ],
        index=False,
    )
    assert Document.objects.get().html == "<pre>a: b</pre>"
