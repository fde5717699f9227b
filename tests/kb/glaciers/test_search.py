from datetime import timedelta

import pytest

from kb.access import user_access_tokens
from kb.glaciers.search import STALE_MARK, page_entry
from kb.models import Document, GlacierPage
from kb.search import get_search_backend
from kb.services import search_index
from kb.services.glaciers import glacier_compact
from tests.kb.glaciers.corpus import NOW, add_private_note, build_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed(django_capture_on_commit_callbacks):
    project = build_project()
    add_private_note(project)
    search_index.index_documents(Document.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        glacier_compact(project=project, now=NOW)
    return project


@pytest.mark.parametrize(
    "query, topic",
    [("kubelet eviction", "SIG Node"), ("container runtime", "SIG Node"), ("coredns", "SIG Network")],
)
def test_pages_are_indexed_on_compaction_and_rank_above_raw_items(indexed, query, topic):
    results = get_search_backend().search(query, access={"public"}, projects=["example"])
    assert results.hits[0].kind == "glacier"
    assert results.hits[0].title.startswith(topic)  # "(review overdue)" once the date passes
    assert {hit.kind for hit in results.hits[1:]} & {"doc", "issue"}


def test_private_note_text_never_reaches_outsiders_through_search(indexed):
    anonymous = get_search_backend().search("vault-unlock password", access=user_access_tokens(None))
    assert anonymous.count == 0
    everything = get_search_backend().search("vault-unlock password", access=None)
    assert [hit.kind for hit in everything.hits] == ["handoff_note"]
    entry = page_entry(GlacierPage.objects.get(topic__signature="sig-node"))
    assert "password" not in entry.body + entry.title + entry.headings
    assert entry.access == ("public",) and entry.boost > 1


def test_rebuild_includes_glacier_pages(indexed):
    count = search_index.search_rebuild()
    assert count == Document.objects.count() + GlacierPage.objects.count()
    assert get_search_backend().search("kubelet", access=None, kinds=["glacier"]).count >= 1


def test_private_project_pages_carry_member_tokens():
    private = build_project(slug="hidden", visibility="private")
    glacier_compact(project=private, now=NOW)
    entry = page_entry(GlacierPage.objects.filter(project=private).first())
    assert entry.access == (f"project:{private.pk}",)


def test_stale_pages_are_marked_in_search(indexed):
    page = GlacierPage.objects.get(topic__signature="sig-node")
    page.review_by = (NOW - timedelta(days=1)).date()
    assert page_entry(page).title == f"SIG Node {STALE_MARK}"


def test_recompaction_reindexes_pages_that_turned_stale(indexed, django_capture_on_commit_callbacks):
    GlacierPage.objects.filter(topic__signature="sig-node").update(review_by=(NOW - timedelta(days=1)).date())
    with django_capture_on_commit_callbacks(execute=True):
        result = glacier_compact(project=indexed, now=NOW, force=True)
    assert result.revisions_created == 0
    hits = get_search_backend().search("kubelet eviction", access={"public"}, kinds=["glacier"]).hits
    assert hits[0].title == f"SIG Node {STALE_MARK}"
