"""Writes of Documents: the one place every source (local git, GitHub, handoff notes) stores items.

Sources turn what they read into DocumentInput values; this module decides what
changed (by content hash), upserts in bulk so that concurrent syncs cannot
duplicate a row, and queues search-index updates for after the commit.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction

from kb.documents.analysis import ANALYSIS_VERSION, analyse, links_remember
from kb.models import Document, Project
from kb.render_pool import render_bodies
from kb.rendering import extract_headings
from kb.safe_links import safe_url_or_blank
from kb.services import search_index
from kb.utils import batched

# The document model's fields, written with every changed row (kb.documents.analysis).
ANALYSIS_FIELDS = ["genre", "lifecycle", "language", "decision", "sections", "analysis_version"]
# Rendering Markdown is the slowest step of a first sync; big batches use the other cores.
PARALLEL_RENDER_MIN_ITEMS = 200

UPSERT_FIELDS = [
    "kind", "path", "title", "body", "html", "headings", "sha256", "url", "last_changed_at",
    "authors", "metadata", "is_private", "created_by", "updated_at",
    *ANALYSIS_FIELDS,
]  # fmt: skip


@dataclass
class DocumentInput:
    kind: str
    key: str
    title: str
    body: str
    path: str = ""
    url: str = ""
    last_changed_at: datetime | None = None
    authors: list = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    is_private: bool = False
    parent_key: str | None = None  # key of the parent item in the same project and source
    created_by_id: int | None = None
    html: str | None = None  # rendered from body when None
    headings: list[str] | None = None  # extracted from body when None

    def content_hash(self) -> str:
        """Hash of everything stored for the item, so an unchanged item is never rewritten."""
        payload = json.dumps(
            [
                self.kind, self.title, self.body, self.path, self.url,
                self.last_changed_at.isoformat() if self.last_changed_at else None,
                self.authors, self.metadata, self.is_private, self.parent_key, self.created_by_id,
            ],
            sort_keys=True, default=str,
        )  # fmt: skip
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class UpsertResult:
    added: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0
    # Items not written because they could not be rendered: {"path", "reason"}. A stored
    # earlier version of such an item is left as it was.
    skips: list[dict] = field(default_factory=list)
    # Items stored as plain text because they could not be rendered (unrenderable="text").
    warnings: list[dict] = field(default_factory=list)

    def merge(self, other: UpsertResult) -> None:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.skips += other.skips
        self.warnings += other.warnings


def documents_upsert(
    *,
    project: Project,
    source: str,
    items: Iterable[DocumentInput],
    batch_size: int = 500,
    index: bool = True,
    unrenderable: str = "skip",
) -> UpsertResult:
    """Insert new items, rewrite changed ones, leave unchanged ones untouched.

    An item whose Markdown is over the render limits or time budget is skipped
    (`unrenderable="skip"`, its stored version left as it was) or stored with its
    text shown as plain text (`"text"`); either way it is reported in the result.

    Safe to run concurrently for the same project: rows are written with an
    INSERT ... ON CONFLICT upsert on (project, source, key).
    """
    result = UpsertResult()
    for batch in batched(items, batch_size):
        result.merge(
            _upsert_batch(project=project, source=source, batch=batch, index=index, unrenderable=unrenderable)
        )
    return result


@transaction.atomic
def _upsert_batch(
    *, project: Project, source: str, batch: tuple[DocumentInput, ...], index: bool, unrenderable: str
) -> UpsertResult:
    by_key = {item.key: item for item in batch}  # last one wins if a source repeats a key
    existing = dict(
        Document.objects.filter(project=project, source=source, key__in=by_key).values_list("key", "sha256")
    )
    result = UpsertResult()
    to_write: list[Document] = []
    for key, item in by_key.items():
        digest = item.content_hash()
        if existing.get(key) == digest:
            result.unchanged += 1
            continue
        to_write.append(_build_document(project=project, source=source, item=item, digest=digest))
    if not to_write:
        return result
    failed = _render_pending(to_write)
    if failed and unrenderable == "text":
        for doc, reason in failed:
            doc.html = f'<pre class="plain">{html.escape(doc.body)}</pre>'
            result.warnings.append({"path": doc.path or doc.key, "reason": f"{reason}; stored as plain text"})
    elif failed:
        result.skips += [{"path": doc.path or doc.key, "reason": reason} for doc, reason in failed]
        unrendered = {id(doc) for doc, _ in failed}
        to_write = [doc for doc in to_write if id(doc) not in unrendered]
    if not to_write:
        return result
    Document.objects.bulk_create(
        to_write,
        update_conflicts=True,
        unique_fields=["project", "source", "key"],
        update_fields=UPSERT_FIELDS,
    )
    written = dict(
        Document.objects.filter(
            project=project, source=source, key__in=[d.key for d in to_write]
        ).values_list("key", "pk")
    )
    _link_parents(project=project, source=source, items=[by_key[d.key] for d in to_write], pks=written)
    for doc in to_write:
        (result.updated if doc.key in existing else result.added).append(written[doc.key])
    if index:
        search_index.index_documents_on_commit(result.added + result.updated)
    return result


def documents_delete_missing(
    *, project: Project, source: str, keep_keys: set[str], kinds: Iterable[str] | None = None
) -> int:
    """Delete the project's items from `source` whose key is not in `keep_keys` (a full-sync sweep)."""
    qs = Document.objects.filter(project=project, source=source)
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    stale = [(pk, key) for pk, key in qs.values_list("pk", "key") if key not in keep_keys]
    return documents_delete(document_ids=[pk for pk, _ in stale])


def documents_delete(*, document_ids: list[int]) -> int:
    if not document_ids:
        return 0
    with transaction.atomic():
        # Children (comments of a deleted issue) go too, by CASCADE; unindex them as well.
        child_ids = list(Document.objects.filter(parent_id__in=document_ids).values_list("pk", flat=True))
        deleted = 0
        for chunk in batched(document_ids, 500):
            deleted += Document.objects.filter(pk__in=chunk).delete()[1].get("kb.Document", 0)
        search_index.remove_on_commit([f"doc:{pk}" for pk in [*document_ids, *child_ids]])
    return deleted


def _build_document(*, project: Project, source: str, item: DocumentInput, digest: str) -> Document:
    headings = item.headings if item.headings is not None else extract_headings(item.body)
    analysis = analyse(path=item.path or item.key, kind=item.kind, body=item.body, metadata=item.metadata)
    links_remember(digest, analysis.links)
    return Document(
        genre=analysis.genre,
        lifecycle=analysis.lifecycle,
        language=analysis.language,
        decision=analysis.decision,
        sections=analysis.sections,
        analysis_version=ANALYSIS_VERSION,
        project=project,
        source=source,
        key=item.key,
        kind=item.kind,
        path=item.path,
        title=item.title[:500],
        body=item.body,
        # None until _render_pending fills it (in parallel for big batches).
        html=item.html,
        headings="\n".join(headings),
        sha256=digest,
        url=safe_url_or_blank(item.url),  # a remote html_url is rendered as a link
        last_changed_at=item.last_changed_at,
        authors=item.authors,
        metadata=item.metadata,
        is_private=item.is_private,
        created_by_id=item.created_by_id,
    )


def _render_pending(documents: list[Document]) -> list[tuple[Document, str]]:
    """Fill in each document's html; answer those that could not be rendered, with the reason."""
    pending = [doc for doc in documents if doc.html is None]
    rendered = render_bodies(
        [doc.body for doc in pending],
        budget=settings.GLACIER_RENDER_BUDGET_SECONDS,
        workers=min(4, os.cpu_count() or 1),
        parallel=len(pending) >= PARALLEL_RENDER_MIN_ITEMS,
    )
    failed = []
    for doc, outcome in zip(pending, rendered, strict=True):
        if outcome.html is None:
            failed.append((doc, outcome.reason))
        else:
            doc.html = outcome.html
    return failed


def _link_parents(*, project: Project, source: str, items: list[DocumentInput], pks: dict[str, int]) -> None:
    wanted = {item.key: item.parent_key for item in items if item.parent_key}
    if not wanted:
        return
    parents = dict(
        Document.objects.filter(project=project, source=source, key__in=set(wanted.values())).values_list(
            "key", "pk"
        )
    )
    children_of: dict[int, list[int]] = {}
    for key, parent_key in wanted.items():
        if parent_key in parents:
            children_of.setdefault(parents[parent_key], []).append(pks[key])
    for parent_pk, child_pks in children_of.items():  # one UPDATE per parent, not per child
        Document.objects.filter(pk__in=child_pks).update(parent_id=parent_pk)


def documents_reanalyse(*, project: Project | None = None, batch_size: int = 500) -> int:
    """Re-analyse stored rows analysed by an older version of kb.documents.analysis (an upgrade
    of an existing installation); rows already analysed by this version are not read. Answers
    the ids of the rows whose document model changed, which the caller re-indexes."""
    stale = Document.objects.filter(analysis_version__lt=ANALYSIS_VERSION)
    if project is not None:
        stale = stale.filter(project=project)
    changed: list[int] = []
    for chunk in batched(stale.values_list("pk", flat=True).iterator(), batch_size):
        rows = list(Document.objects.filter(pk__in=chunk).only("pk", "kind", "key", "path", "body", "metadata"))
        for row in rows:
            analysis = analyse(path=row.path or row.key, kind=row.kind, body=row.body, metadata=row.metadata)
            row.genre, row.lifecycle, row.language = analysis.genre, analysis.lifecycle, analysis.language
            row.decision, row.sections = analysis.decision, analysis.sections
            row.analysis_version = ANALYSIS_VERSION
        with transaction.atomic():
            Document.objects.bulk_update(rows, ANALYSIS_FIELDS, batch_size=batch_size)
        changed += [row.pk for row in rows]
    return changed
