"""Private notes never reach search hits, facet counts, the documents API or document pages of others.

These run against the configured search backend (Whoosh by default) through
kb.services.search.search_run and the portal/API endpoints. Transactions really
commit here, so index entries are written by the same on-commit hooks as in production.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from rest_framework.test import APIClient

from kb.access import user_access_tokens
from kb.search import get_search_backend
from kb.services.documents import DocumentInput, documents_upsert
from kb.services.handoff_notes import NoteInput, handoff_note_save
from kb.services.search import search_run
from kb.services.search_index import search_rebuild

from .conftest import NOTE

pytestmark = pytest.mark.django_db(transaction=True)

ALLOWED = ["maintainer", "author", "successor", "staff"]
DENIED = ["anonymous", "contributor", "other_maintainer"]


@pytest.fixture
def indexed(people):
    """A private note and a public issue that both mention signing, indexed the way a sync indexes."""
    note, _ = handoff_note_save(project=people.project, author=people.author, note=NoteInput(text=NOTE))
    documents_upsert(
        project=people.project,
        source="github",
        items=[
            DocumentInput(
                kind="issue", key="issue/1", title="#1 Signing fails", body="The signing key expired."
            )
        ],
    )
    return note


def user_of(people, who):
    return AnonymousUser() if who == "anonymous" else getattr(people, who)


@pytest.mark.parametrize("who", ALLOWED + DENIED)
def test_search_hits_and_facets(people, indexed, who):
    results = search_run(user=user_of(people, who), query="signing key", via="cli")
    uids = {hit.uid for hit in results.hits}
    kinds = results.facets.get("kind", {})
    if who in ALLOWED:
        assert indexed.search_uid in uids
        assert kinds.get("handoff_note") == 1
        assert results.count == 2
    else:
        assert indexed.search_uid not in uids
        assert "handoff_note" not in kinds or kinds["handoff_note"] == 0
        assert results.count == 1  # the public issue only: the total does not betray the note
        assert sum(results.facets.get("project", {}).values()) == 1


@pytest.mark.parametrize("who", DENIED)
def test_filtering_by_kind_reveals_nothing(people, indexed, who):
    results = search_run(user=user_of(people, who), query="signing", kind="handoff_note", via="cli")
    assert results.count == 0 and results.hits == []


def test_backend_filters_by_access_tokens_at_query_time(people, indexed):
    backend = get_search_backend()
    successor = backend.search("safe", access=user_access_tokens(people.successor))
    outsider = backend.search("safe", access=user_access_tokens(people.contributor))
    assert [hit.uid for hit in successor.hits] == [indexed.search_uid]
    assert outsider.count == 0


def test_rebuilt_index_keeps_the_note_private(people, indexed):
    search_rebuild()
    assert search_run(user=people.contributor, query="safe", via="cli").count == 0
    assert search_run(user=people.successor, query="safe", via="cli").count == 1


def test_a_new_successor_gains_and_the_old_one_loses_the_note_in_search(people, indexed):
    handoff_note_save(
        project=people.project,
        author=people.author,
        key=indexed.key,
        note=NoteInput(text=NOTE, successor="carl"),
    )
    assert search_run(user=people.contributor, query="safe", via="cli").count == 1
    assert search_run(user=people.successor, query="safe", via="cli").count == 0


@pytest.mark.parametrize("who", ALLOWED + DENIED)
def test_search_api_documents_api_and_document_page(client, people, indexed, who):
    api = APIClient()
    if who != "anonymous":
        api.force_authenticate(getattr(people, who))
        client.force_login(getattr(people, who))
    found = api.get("/api/search/", {"q": "signing key"}).json()
    documents = api.get("/api/documents/", {"kind": "handoff_note"}).json()
    page = client.get(reverse("kb:document", args=[indexed.pk]))
    search_page = client.get(reverse("kb:search"), {"q": "blue safe"})
    if who in ALLOWED:
        assert "handoff_note" in {row["kind"] for row in found["results"]}
        assert documents["count"] == 1
        assert page.status_code == 200
        assert "Release signing duty" in search_page.content.decode()
    else:
        assert "handoff_note" not in {row["kind"] for row in found["results"]}
        assert found["count"] == 1
        assert not found["facets"].get("kind", {}).get("handoff_note")
        assert documents["count"] == 0
        assert page.status_code == 404
        assert "Release signing duty" not in search_page.content.decode()
