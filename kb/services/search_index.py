"""Keeping the search index in step with the database (the source of truth).

Other kinds of searchable things (glacier pages) register an EntryProvider so
that `search_rebuild` can rebuild the whole index from the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from django.db import transaction
from django.urls import NoReverseMatch, reverse

from kb.access import document_access_tokens
from kb.models import Document
from kb.rendering import plain_text
from kb.search import get_search_backend
from kb.search.backends.base import IndexEntry

EntryProvider = Callable[[], Iterator[IndexEntry]]
_providers: dict[str, EntryProvider] = {}


def register_entry_provider(name: str, provider: EntryProvider) -> None:
    _providers[name] = provider


def document_entry(document: Document) -> IndexEntry:
    try:
        url = reverse("kb:document", args=[document.pk])
    except NoReverseMatch:  # portal URLs not loaded (e.g. a bare worker)
        url = f"/documents/{document.pk}/"
    return IndexEntry(
        uid=document.search_uid,
        project=document.project.slug,
        kind=document.kind,
        title=document.title,
        body=plain_text(document.body),
        path=document.path or document.key,
        url=url,
        headings=document.headings,
        access=tuple(document_access_tokens(document)),
        updated_at=document.last_changed_at,
    )


def document_entries(queryset=None) -> Iterator[IndexEntry]:
    qs = (queryset if queryset is not None else Document.objects.all()).select_related("project")
    for document in qs.prefetch_related("readers").iterator(chunk_size=500):
        yield document_entry(document)


def index_documents(document_ids: Iterable[int]) -> int:
    ids = list(document_ids)
    if not ids:
        return 0
    return get_search_backend().index(document_entries(Document.objects.filter(pk__in=ids)))


def index_documents_on_commit(document_ids: Iterable[int]) -> None:
    """Index after the commit; calls within one transaction share one index write (one segment)."""
    ids = list(document_ids)
    if not ids:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        index_documents(ids)
        return
    for _savepoints, callback, _robust in connection.run_on_commit:
        if isinstance(callback, _PendingIndex):
            callback.ids.extend(ids)
            return
    transaction.on_commit(_PendingIndex(ids))


class _PendingIndex:
    """The on-commit callback that indexes every document queued in the transaction."""

    def __init__(self, ids: list[int]):
        self.ids = list(ids)

    def __call__(self) -> None:
        index_documents(dict.fromkeys(self.ids))


def remove(uids: Iterable[str]) -> None:
    uids = list(uids)
    if uids:
        get_search_backend().delete(uids)


def remove_on_commit(uids: Iterable[str]) -> None:
    uids = list(uids)
    if uids:
        transaction.on_commit(lambda: remove(uids))


def search_rebuild() -> int:
    """Rebuild every index entry from the database."""

    def all_entries() -> Iterator[IndexEntry]:
        yield from document_entries()
        for provider in _providers.values():
            yield from provider()

    return get_search_backend().rebuild(all_entries())
