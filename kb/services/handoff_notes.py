"""Handoff notes: what a departing maintainer wants the next one to know.

A note is Markdown with optional YAML front matter:

    ---
    title: Release duty
    area: release
    successor: alice        # a username, or a GitHub login another app can resolve
    date: 2024-05-01
    private: true           # the default
    ---
    The signing key lives in ...

It is stored as a Document (kind "handoff_note", source "notes"), private by
default: readable by the project's maintainers, its author and the named
successor only (kb/access.py). The successor becomes a Document reader before
the search entry is written (indexing runs on commit), so search filters the
note by the same rule as pages and the API.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from kb.access import user_is_maintainer
from kb.errors import ServiceError
from kb.models import Document, Project
from kb.rendering import FrontMatterError, RenderError, check_renderable, derive_title, split_front_matter
from kb.services import search_index
from kb.services.documents import DocumentInput, documents_delete, documents_upsert
from kb.utils import symlink_reason

KIND = Document.Kind.HANDOFF_NOTE
SOURCE = Document.Source.NOTES
KNOWN_FIELDS = {"title", "area", "successor", "date", "private"}
NOTE_SUFFIXES = {".md", ".markdown", ".txt"}

LoginResolver = Callable[[str], object | None]
_login_resolvers: list[LoginResolver] = []


def register_login_resolver(resolver: LoginResolver) -> None:
    """Let another app map a GitHub login to a user (onboarding knows maintainers' logins)."""
    if resolver not in _login_resolvers:
        _login_resolvers.append(resolver)


class HandoffNoteError(ServiceError):
    """A note that cannot be stored; `field` names the input at fault, `line` the line in the file."""

    def __init__(self, message: str, *, field: str = "body", line: int | None = None):
        super().__init__(message, field=field)
        self.line = line


@dataclass
class ParsedNote:
    title: str
    body: str
    area: str = ""
    successor: str = ""
    date: dt.date | None = None
    is_private: bool = True
    front_matter: dict = field(default_factory=dict)


def handoff_note_parse(text: str, *, fallback_title: str = "Handoff note") -> ParsedNote:
    """Split and validate front matter. Raises HandoffNoteError with the line at fault."""
    try:
        parsed = split_front_matter(text)
    except FrontMatterError as exc:
        raise HandoffNoteError(f"line {exc.line}: {exc}" if exc.line else str(exc), line=exc.line) from exc
    meta = parsed.front_matter
    try:
        check_renderable(parsed.body)
    except RenderError as exc:
        raise HandoffNoteError(f"the note cannot be shown: {exc}") from exc

    def line_of(key: str) -> int | None:
        for number, line in enumerate(text.splitlines()[: parsed.body_line_offset], start=1):
            if re.match(rf"\s*{re.escape(key)}\s*:", line):
                return number
        return None

    def text_field(key: str) -> str:
        value = meta.get(key)
        if value is None:
            return ""
        if not isinstance(value, str | int | float):
            raise HandoffNoteError(
                f"line {line_of(key)}: '{key}' must be a single value", field=key, line=line_of(key)
            )
        return str(value).strip()

    date = meta.get("date")
    if isinstance(date, dt.datetime):
        date = date.date()
    elif isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date.strip())
        except ValueError as exc:
            raise HandoffNoteError(
                f"line {line_of('date')}: 'date' must be YYYY-MM-DD, not {date!r}",
                field="date",
                line=line_of("date"),
            ) from exc
    elif date is not None and not isinstance(date, dt.date):
        raise HandoffNoteError(
            f"line {line_of('date')}: 'date' must be YYYY-MM-DD", field="date", line=line_of("date")
        )
    private = meta.get("private", True)
    if not isinstance(private, bool):
        raise HandoffNoteError(
            f"line {line_of('private')}: 'private' must be true or false",
            field="is_private",
            line=line_of("private"),
        )
    return ParsedNote(
        title=derive_title(front_matter=meta, body=parsed.body, fallback=fallback_title),
        body=parsed.body,
        area=text_field("area"),
        successor=text_field("successor"),
        date=date,
        is_private=private,
        front_matter=meta,
    )


def user_for_identifier(identifier: str):
    """A user by username, or by GitHub login through the registered resolvers; None if nobody."""
    identifier = identifier.strip().lstrip("@")
    if not identifier:
        return None
    user = get_user_model().objects.filter(username__iexact=identifier, is_active=True).first()
    if user is not None:
        return user
    for resolver in _login_resolvers:
        user = resolver(identifier)
        if user is not None:
            return user
    return None


@dataclass
class NoteInput:
    """Explicit fields override the note's front matter (API and portal forms)."""

    text: str
    title: str | None = None
    area: str | None = None
    successor: str | None = None
    date: dt.date | None = None
    is_private: bool | None = None


@transaction.atomic
def handoff_note_save(
    *,
    project: Project,
    author,
    note: NoteInput,
    key: str | None = None,
    fallback_title: str = "Handoff note",
    require_successor: bool = True,
    check_permission: bool = True,
) -> tuple[Document, list[str]]:
    """Create (no key) or replace the note at `key`. Returns the document and any warnings.

    Only the project's maintainers may write notes; the original author stays the author.
    """
    existing = Document.objects.filter(project=project, source=SOURCE, key=key).first() if key else None
    if check_permission and not (
        user_is_maintainer(author, project)
        or (existing is not None and author and existing.created_by_id == author.pk)
    ):
        raise PermissionDenied("Only the project's maintainers may write handoff notes.")
    parsed = handoff_note_parse(note.text, fallback_title=fallback_title)
    title = (note.title or "").strip() or parsed.title
    area = parsed.area if note.area is None else note.area.strip()
    successor_name = parsed.successor if note.successor is None else note.successor.strip()
    date = note.date if note.date is not None else parsed.date
    is_private = parsed.is_private if note.is_private is None else note.is_private
    warnings: list[str] = []
    successor = user_for_identifier(successor_name) if successor_name else None
    if successor_name and successor is None:
        message = f"no user with username or GitHub login '{successor_name}'"
        if require_successor:
            raise HandoffNoteError(message, field="successor")
        warnings.append(f"{message}; the note is readable by maintainers and its author only")
    author_id = existing.created_by_id if existing is not None else (author.pk if author else None)
    key = key or f"note/{uuid.uuid4().hex[:16]}"
    result = documents_upsert(
        project=project,
        source=SOURCE,
        items=[
            DocumentInput(
                kind=KIND,
                key=key,
                title=title,
                body=parsed.body,
                last_changed_at=existing.last_changed_at if existing else timezone.now(),
                authors=[{"name": _display(author)}] if author else [],
                metadata={
                    "area": area,
                    "successor": successor_name,
                    "successor_user_id": successor.pk if successor else None,
                    "date": date.isoformat() if date else None,
                },
                is_private=is_private,
                created_by_id=author_id,
            )
        ],
    )
    if result.skips:  # over the render time budget
        raise HandoffNoteError(f"the note cannot be shown: {result.skips[0]['reason']}")
    document = Document.objects.get(project=project, source=SOURCE, key=key)
    wanted_readers = {successor.pk} if successor else set()
    if set(document.readers.values_list("pk", flat=True)) != wanted_readers:
        document.readers.set(wanted_readers)
        if document.pk not in result.added + result.updated:
            # Readers are access tokens of the search entry: re-index even when the text is unchanged.
            search_index.index_documents_on_commit([document.pk])
    return document, warnings


@transaction.atomic
def handoff_note_delete(*, document: Document, user) -> None:
    if not (
        user_is_maintainer(user, document.project) or document.created_by_id == getattr(user, "pk", None)
    ):
        raise PermissionDenied("Only the project's maintainers or the author may delete this note.")
    documents_delete(document_ids=[document.pk])


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # {"path", "line", "error"}
    warnings: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {"path", "reason"}: symbolic links


def _note_files(directory: Path, report: ImportReport) -> list[Path]:
    """Note files under `directory`, never through a symbolic link (kb.sources.local's rule)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(directory):  # never descends into a linked directory
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if path.suffix.lower() not in NOTE_SUFFIXES:
                continue
            relative = path.relative_to(directory).as_posix()
            reason = symlink_reason(directory, relative)
            if reason:
                report.skipped.append({"path": relative, "reason": reason})
            elif path.is_file():
                found.append(path)
    return found


def _read_no_follow(path: Path) -> bytes:
    # O_NOFOLLOW: a file swapped for a link after the walk is refused (ELOOP), not followed.
    with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)), "rb") as handle:
        return handle.read()


def handoff_notes_import(*, project: Project, directory: Path, author=None) -> ImportReport:
    """Import every note file under `directory`; a bad file is reported and the others still land.

    Symbolic links are not followed, wherever they point: each is listed in `skipped`.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise HandoffNoteError(f"{directory}: not a directory", field="directory")
    report = ImportReport()
    for path in _note_files(directory, report):
        relative = path.relative_to(directory).as_posix()
        try:
            text = _read_no_follow(path).decode("utf-8")
        except OSError as exc:
            report.errors.append(
                {"path": relative, "line": None, "error": f"unreadable: {exc.strerror or exc}"}
            )
            continue
        except UnicodeDecodeError as exc:
            report.errors.append(
                {"path": relative, "line": None, "error": f"not valid UTF-8 (byte {exc.start})"}
            )
            continue
        try:
            _, warnings = handoff_note_save(
                project=project,
                author=author,
                note=NoteInput(text=text),
                key=f"note/{relative.rsplit('.', 1)[0]}",
                fallback_title=path.stem.replace("-", " ").replace("_", " ").capitalize(),
                require_successor=False,
                check_permission=False,
            )
        except HandoffNoteError as exc:
            report.errors.append({"path": relative, "line": exc.line, "error": str(exc)})
            continue
        report.imported.append(relative)
        report.warnings += [{"path": relative, "warning": warning} for warning in warnings]
    return report


def _display(user) -> str:
    return (user.get_full_name() or user.username) if user else ""
