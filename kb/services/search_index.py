"""Keeping the search index in step with the database (the source of truth).

Other kinds of searchable things (glacier pages) register an EntryProvider so
that `search_rebuild` can rebuild the whole index from the database, and, with
`stamps` and `entries_for`, so that `project_index_repair` can check one
project's entries against the database.

Every entry carries a stamp (IndexEntry.stamp): the database's content hash
plus what else the entry's text or access depends on. A sync compares the
stamps the index holds with the ones the database gives, in one pass over
stored fields, and re-indexes what is missing or stale and deletes what has
no row any more. A process killed between its database commit and its index
write is repaired that way by the next sync.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import transaction
from django.urls import NoReverseMatch, reverse

from kb.access import document_access_tokens
from kb.models import Document, Project
from kb.rendering import plain_text
from kb.search import get_search_backend
from kb.search.backends.base import IndexEntry
from kb.utils import kill_point_for_tests

logger = logging.getLogger(__name__)

EntryProvider = Callable[[], Iterator[IndexEntry]]
StampProvider = Callable[[Project], dict[str, str]]  # {uid: stamp} the database expects for a project
UidEntries = Callable[[list[str]], Iterator[IndexEntry]]  # entries for these uids (rows that exist)


@dataclass(frozen=True)
class _Provider:
    entries: EntryProvider
    stamps: StampProvider | None
    entries_for: UidEntries | None


_providers: dict[str, _Provider] = {}


def register_entry_provider(
    name: str,
    provider: EntryProvider,
    *,
    stamps: StampProvider | None = None,
    entries_for: UidEntries | None = None,
) -> None:
    """`stamps` and `entries_for` (both or neither) let a sync verify and repair these entries."""
    _providers[name] = _Provider(entries=provider, stamps=stamps, entries_for=entries_for)


def document_stamp(sha256: str, project_visibility: str) -> str:
    """The content hash, and the project's visibility that decides a public entry's access."""
    return f"{sha256}:{project_visibility}"


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
        stamp=document_stamp(document.sha256, document.project.visibility),
    )


def document_entries(queryset=None) -> Iterator[IndexEntry]:
    qs = (queryset if queryset is not None else Document.objects.all()).select_related("project")
    for document in qs.prefetch_related("readers").iterator(chunk_size=500):
        yield document_entry(document)


def index_documents(document_ids: Iterable[int]) -> int:
    ids = list(document_ids)
    if not ids:
        return 0
    entries = document_entries(Document.objects.filter(pk__in=ids))
    return get_search_backend().index(_with_kill_point(entries, halfway=len(ids) // 2))


def _with_kill_point(entries: Iterator[IndexEntry], *, halfway: int) -> Iterator[IndexEntry]:
    """The entries, with the "mid_index" test hook once half of them have been handed over."""
    for position, entry in enumerate(entries):
        if position == halfway:
            kill_point_for_tests("mid_index")
        yield entry


def index_writes_queued() -> bool:
    """True when index writes go to the `index` queue's worker rather than run in this process.

    With a broker, every write to the search index is a task on the `index` queue
    (config/queues.py): one consumer writes a Whoosh index, wherever the change was made.
    Without one (the embedded default), the same tasks run here, at once.
    """
    from celery import current_app

    return not current_app.conf.task_always_eager


def _queue_document_index(ids: list[int]) -> None:
    from kb.tasks import search_documents_index  # tasks import services; deferred to avoid a cycle

    search_documents_index.delay(ids)


def index_documents_on_commit(document_ids: Iterable[int]) -> None:
    """Index after the commit; calls within one transaction share one index write (one segment)."""
    ids = list(document_ids)
    if not ids:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _queue_document_index(ids)
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
        kill_point_for_tests("after_db_commit")
        _queue_document_index(list(dict.fromkeys(self.ids)))


def remove(uids: Iterable[str]) -> None:
    uids = list(uids)
    if uids:
        get_search_backend().delete(uids)


def remove_on_commit(uids: Iterable[str]) -> None:
    """Drop these entries once the caller commits (through the `index` queue)."""
    from kb.tasks import search_entries_remove

    uids = list(uids)
    if uids:
        transaction.on_commit(lambda: search_entries_remove.delay(uids))


def search_rebuild() -> int:
    """Rebuild every index entry from the database."""

    def all_entries() -> Iterator[IndexEntry]:
        yield from document_entries()
        for provider in _providers.values():
            yield from provider.entries()

    return get_search_backend().rebuild(all_entries())


@dataclass(frozen=True)
class IndexRepair:
    """What `project_index_repair` found wrong and fixed, as counts of entries."""

    missing: int = 0
    stale: int = 0
    orphaned: int = 0

    @property
    def total(self) -> int:
        return self.missing + self.stale + self.orphaned


def project_index_repair(*, project: Project) -> IndexRepair:
    """Make the project's index entries match the database: add missing, rewrite stale, drop orphans.

    Cheap when nothing is wrong: one pass over the index's stored uid/stamp columns and
    one query of (pk, hash) per kind of entry; no document is read or rendered.
    Raises SearchUnavailable when the index cannot be read.
    """
    backend = get_search_backend()
    # The index is read before the database: an entry is written only after its row has
    # committed, so a uid the index holds that the database then lacks has really gone.
    indexed = backend.stamps(project.slug)
    expected = _document_stamps(project)
    for provider in _providers.values():
        if provider.stamps is not None:
            expected.update(provider.stamps(project))
    missing = [uid for uid in expected if uid not in indexed]
    stale = [uid for uid, stamp in expected.items() if uid in indexed and indexed[uid] != stamp]
    orphaned = [uid for uid in indexed if uid not in expected]
    if missing or stale:
        backend.index(_entries_for_uids([*missing, *stale]))
    if orphaned:
        backend.delete(orphaned)
    repair = IndexRepair(missing=len(missing), stale=len(stale), orphaned=len(orphaned))
    if repair.total:
        logger.warning(
            "search index of %s repaired: %d missing, %d stale, %d orphaned entries",
            project.slug, repair.missing, repair.stale, repair.orphaned,
        )  # fmt: skip
    return repair


def _document_stamps(project: Project) -> dict[str, str]:
    rows = Document.objects.filter(project=project).values_list("pk", "sha256")
    return {f"doc:{pk}": document_stamp(sha256, project.visibility) for pk, sha256 in rows}


def _entries_for_uids(uids: list[str]) -> Iterator[IndexEntry]:
    by_prefix: dict[str, list[str]] = {}
    for uid in uids:
        by_prefix.setdefault(uid.split(":", 1)[0], []).append(uid)
    document_ids = [int(uid.split(":", 1)[1]) for uid in by_prefix.pop("doc", [])]
    yield from document_entries(Document.objects.filter(pk__in=document_ids))
    rest = [uid for group in by_prefix.values() for uid in group]
    if rest:
        for provider in _providers.values():
            if provider.entries_for is not None:
                yield from provider.entries_for(rest)
