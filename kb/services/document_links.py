"""Writes of DocumentLink and RepositoryFile: what each document links to, resolved against its project.

A sync calls `repository_files_sync` with its tree listing, then `document_links_refresh`
with the documents it added or changed (only when something changed). The refresh
re-reads those documents' links and re-judges, in memory and in bulk, every other link of
the project whose answer moved: its target appeared or disappeared, or the target document
changed (its anchors may have). `repository_files_fetch_referenced` then keeps the bytes of
the small files documents show or link to, so the portal serves a repository's images itself.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction

from kb.documents.analysis import links_recalled
from kb.documents.links import (
    Location,
    RepositoryIndex,
    Status,
    check_anchor,
    document_anchors,
    is_markdown_path,
    locate,
    publishes_with_mkdocs,
    read_markdown_links,
)
from kb.models import Document, DocumentLink, Project, RepositoryFile
from kb.rendering import RenderError
from kb.utils import batched

logger = logging.getLogger(__name__)

# Bumped when links are read or resolved differently: the next sync recomputes every document's links.
LINKS_VERSION = 1
# Files documents reference are kept up to this size; bigger ones are linked upstream.
REFERENCED_FILE_MAX_BYTES = 1024 * 1024
LINKED_KINDS = (Document.Kind.DOC, Document.Kind.OWNERS)
_RESOLUTION_FIELDS = ["status", "target", "target_path", "anchor", "reason"]


@dataclass(frozen=True)
class FileEntry:
    path: str
    size: int
    version: str = ""  # changes whenever the file does: a git blob SHA, or size and mtime


@dataclass
class LinkRefreshResult:
    created: int = 0
    updated: int = 0
    # {"path", "reason"} of documents whose links could not be read (over the render limits).
    skips: list[dict] = field(default_factory=list)


@transaction.atomic
def repository_files_sync(*, project: Project, source: str, entries: Iterable[FileEntry]) -> bool:
    """Make the project's RepositoryFile rows from `source` match the listing; True when any changed.

    A changed file loses its stored bytes (they are fetched again if still referenced).
    """
    wanted = {entry.path: entry for entry in entries}
    existing = {
        path: (pk, size, version)
        for pk, path, size, version in RepositoryFile.objects.filter(
            project=project, source=source
        ).values_list("pk", "path", "size", "sha")
    }
    gone = [pk for path, (pk, _, _) in existing.items() if path not in wanted]
    new = [
        RepositoryFile(project=project, source=source, path=entry.path, size=entry.size, sha=entry.version)
        for path, entry in wanted.items()
        if path not in existing
    ]
    changed = [
        RepositoryFile(
            pk=existing[path][0], size=entry.size, sha=entry.version, content=None, content_type=""
        )
        for path, entry in wanted.items()
        if path in existing and existing[path][1:] != (entry.size, entry.version)
    ]
    for chunk in batched(gone, 500):
        RepositoryFile.objects.filter(pk__in=chunk).delete()
    RepositoryFile.objects.bulk_create(new, batch_size=500)
    RepositoryFile.objects.bulk_update(changed, ["size", "sha", "content", "content_type"], batch_size=500)
    return bool(gone or new or changed)


def _repository_index(project: Project) -> RepositoryIndex:
    documents = dict(
        Document.objects.filter(project=project, kind__in=LINKED_KINDS)
        .exclude(path="")
        .values_list("path", "pk")
    )
    files = set(RepositoryFile.objects.filter(project=project).values_list("path", flat=True))
    return RepositoryIndex(documents=documents, files=files - documents.keys())


def _anchors_by_document(
    document_ids: set[int], *, declared: dict[int, set[str]], mkdocs: bool
) -> dict[int, set[str] | None]:
    """The anchors of each document, read in one query per 500 documents; `declared` holds the
    anchors of documents whose tokens this refresh has read already."""
    anchors: dict[int, set[str] | None] = {}
    for chunk in batched(sorted(document_ids), 500):
        rows = list(Document.objects.filter(pk__in=chunk).values_list("pk", "path", "sections", "sha256"))
        for pk, _path, _sections, digest in rows:
            recalled = links_recalled(digest)
            if pk not in declared and recalled is not None:
                declared[pk] = recalled.anchors
        # Bodies are read only for the documents whose anchors must be parsed again.
        texts = dict(
            (pk, (body, metadata))
            for pk, body, metadata in Document.objects.filter(
                pk__in=[pk for pk, *_ in rows if pk not in declared]
            ).values_list("pk", "body", "metadata")
        )
        for pk, path, sections, _digest in rows:
            body, metadata = texts.get(pk, ("", {}))
            try:
                anchors[pk] = document_anchors(
                    path=path, sections=sections, body=body,
                    line_offset=(metadata or {}).get("body_line_offset", 0), declared=declared.get(pk),
                    mkdocs=mkdocs,
                )  # fmt: skip
            except RenderError:
                anchors[pk] = None  # never rendered either: its anchors cannot be known
    return anchors


def _resolution(link: DocumentLink) -> tuple:
    return (link.status, link.target_id, link.target_path, link.anchor, link.reason)


def _apply(link: DocumentLink, location: Location) -> None:
    link.status = location.status
    link.target_id = location.target_id
    link.target_path = location.target_path[:500]
    link.anchor = location.anchor[:500]
    link.reason = location.reason[:300]


@transaction.atomic
def document_links_refresh(
    *, project: Project, document_ids: Iterable[int] | None = None
) -> LinkRefreshResult:
    """Recompute the links of `document_ids` (every document of the project when None), and
    re-judge the project's other links against the files and documents that exist now."""
    result = LinkRefreshResult()
    index = _repository_index(project)
    sources = Document.objects.filter(project=project, kind__in=LINKED_KINDS).exclude(path="")
    if document_ids is not None:
        document_ids = set(document_ids)
        sources = sources.filter(pk__in=document_ids)
    changed_ids: set[int] = set()
    declared: dict[int, set[str]] = {}
    fresh: list[tuple[DocumentLink, Location]] = []
    for pk, path, digest in sources.values_list("pk", "path", "sha256").iterator(chunk_size=2000):
        changed_ids.add(pk)
        if not is_markdown_path(path):
            continue
        found = links_recalled(digest)  # the analysis of this content, in this process
        if found is None:
            body, metadata = Document.objects.filter(pk=pk).values_list("body", "metadata").get()
            try:
                found = read_markdown_links(body, line_offset=(metadata or {}).get("body_line_offset", 0))
            except RenderError as exc:
                result.skips.append({"path": path, "reason": str(exc)})
                continue
        declared[pk] = found.anchors
        for ref in found.links:
            link = DocumentLink(
                project=project, source_id=pk, kind=ref.kind, href=ref.href[:2000], line=ref.line
            )
            fresh.append((link, locate(path, ref.href, index=index)))
    if document_ids is not None:
        changed_ids |= document_ids  # documents no longer of a linked kind lose their links too
    for chunk in batched(sorted(changed_ids), 500):
        DocumentLink.objects.filter(source_id__in=chunk).delete()

    # The project's other links, located again against today's tree: cheap, pure, no query per link.
    moved: list[tuple[DocumentLink, Location]] = []
    others = (
        DocumentLink.objects.filter(project=project)
        .exclude(source_id__in=changed_ids)
        .values_list("pk", "source__path", "href", "status", "target_id", "target_path", "anchor", "reason")
    )
    if document_ids is None:
        others = others.none()
    for pk, source_path, href, status, target_id, target_path, anchor, reason in others.iterator(
        chunk_size=2000
    ):
        location = locate(source_path, href, index=index)
        stored = (status if status != Status.BROKEN_ANCHOR else Status.RESOLVED, target_id, target_path)
        if (
            location.target_id in changed_ids
            or (location.status, location.target_id, location.target_path) != stored
        ):
            moved.append((DocumentLink(pk=pk, status=status, target_id=target_id, target_path=target_path,
                                       anchor=anchor, reason=reason), location))  # fmt: skip

    needed = {loc.target_id for _, loc in [*fresh, *moved] if loc.anchor and loc.target_id is not None}
    mkdocs = publishes_with_mkdocs([*index.files, *index.documents])
    anchors = _anchors_by_document(needed, declared=declared, mkdocs=mkdocs)
    to_update = []
    for link, location in [*fresh, *moved]:
        target_anchors = anchors.get(location.target_id) if location.target_id is not None else None
        before = _resolution(link)
        _apply(link, check_anchor(location, anchors=target_anchors))
        if link.pk is not None and _resolution(link) != before:
            to_update.append(link)
    DocumentLink.objects.bulk_create([link for link, _ in fresh], batch_size=1000)
    DocumentLink.objects.bulk_update(to_update, _RESOLUTION_FIELDS, batch_size=1000)
    result.created, result.updated = len(fresh), len(to_update)
    return result


def content_type_for(path: str, data: bytes) -> str:
    """The type a referenced file is served with: its image type, UTF-8 text, else octet-stream."""
    guessed, _ = mimetypes.guess_type(path)
    if guessed and guessed.startswith("image/"):
        return guessed
    if b"\0" not in data[:8192]:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return "text/plain; charset=utf-8"
    return "application/octet-stream"


@transaction.atomic
def repository_files_fetch_referenced(
    *, project: Project, source: str, read: Callable[[str], bytes | None]
) -> int:
    """Store the bytes of the files of `source` that documents link to or show and that are
    small enough, when not stored yet; `read(path)` returns them (None when unreadable).
    Answers how many files were fetched."""
    referenced = set(
        DocumentLink.objects.filter(project=project, status=Status.FILE).values_list("target_path", flat=True)
    )
    missing = RepositoryFile.objects.filter(
        project=project, source=source, content__isnull=True, size__lte=REFERENCED_FILE_MAX_BYTES
    ).values_list("pk", "path")
    fetched = []
    for pk, path in missing.iterator(chunk_size=2000):
        if path not in referenced:
            continue
        data = read(path)
        if data is None or len(data) > REFERENCED_FILE_MAX_BYTES:
            continue
        fetched.append(RepositoryFile(pk=pk, content=data, content_type=content_type_for(path, data)))
    RepositoryFile.objects.bulk_update(fetched, ["content", "content_type"], batch_size=100)
    return len(fetched)
