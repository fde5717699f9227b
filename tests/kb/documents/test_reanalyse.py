"""The analysis runs once per content hash; an upgrade re-analyses only rows of an older version."""

import pytest

from kb.documents import analysis
from kb.models import Document
from kb.services import documents as documents_service
from kb.services.documents import DocumentInput, documents_reanalyse, documents_upsert
from tests.kb.factories import ProjectFactory

pytestmark = pytest.mark.django_db

DESIGN = DocumentInput(
    kind="doc", key="docs/design/cache.md", path="docs/design/cache.md", title="Cache",
    body="# Cache\n\nStatus: Accepted\n\n## Motivation\n\nReads are slow without a cache in front of the API.\n",
)  # fmt: skip


def _counting(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = analysis.analyse

    def counted(**kwargs):
        calls.append(kwargs["path"])
        return real(**kwargs)

    monkeypatch.setattr(documents_service, "analyse", counted)
    return calls


def test_an_unchanged_file_is_not_analysed_again(monkeypatch, memory_search):
    project = ProjectFactory()
    calls = _counting(monkeypatch)
    documents_upsert(project=project, source="local", items=[DESIGN])
    documents_upsert(project=project, source="local", items=[DESIGN])
    assert calls == ["docs/design/cache.md"]
    stored = Document.objects.get(key="docs/design/cache.md")
    assert stored.genre == "decision-record" and stored.decision["status"] == "accepted"
    assert stored.analysis_version == analysis.ANALYSIS_VERSION


def test_reindex_upgrade_reanalyses_only_rows_of_an_older_version(monkeypatch, memory_search):
    project = ProjectFactory()
    documents_upsert(project=project, source="local", items=[DESIGN])
    # A row written before the document model existed: defaults, version 0.
    Document.objects.filter(key=DESIGN.key).update(genre="other", decision=None, sections=[], analysis_version=0)
    calls = _counting(monkeypatch)
    assert len(documents_reanalyse()) == 1
    stored = Document.objects.get(key=DESIGN.key)
    assert stored.genre == "decision-record" and stored.sections[0]["anchor"] == "cache"
    assert documents_reanalyse() == []
    assert calls == ["docs/design/cache.md"]
