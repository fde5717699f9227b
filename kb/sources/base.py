"""The contract every source of repository files follows, and the one place that turns a file's
text into a DocumentInput.

A source (local git checkout, plain folder, GitHub's API; a GitLab source would be one more
module) lists the repository's files and reads their bytes; everything after that is shared
here, so the same file yields the same document, with the same classification, whichever
source read it:
- `classify_path` says whether a path is ingested, as which kind, in which format;
- `sidecars_for` names the metadata files read as part of a document (a KEP's kep.yaml beside
  its README), which are never documents of their own;
- `decode_file` applies the same skip rules (binary, too large, not UTF-8) everywhere;
- `document_input` splits front matter (an unreadable header is a warning with its line, never
  fatal), derives the title and headings, and records the metadata the analysis reads.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Protocol

import yaml

from kb.rendering import FrontMatterError, derive_title, heading_texts, split_front_matter
from kb.services.documents import DocumentInput
from kb.yaml_safe import YAMLLimitError, load_yaml

MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mdx"}
TEXT_SUFFIXES = {".txt", ".rst"}
# Extension-less files that are prose by convention.
TEXT_NAMES = {
    "README", "CONTRIBUTING", "CONTRIBUTORS", "AUTHORS", "CHANGELOG", "CHANGES", "HISTORY", "NEWS",
    "NOTICE", "LICENSE", "COPYING", "SECURITY", "CODE_OF_CONDUCT", "GOVERNANCE", "INSTALL", "SUPPORT",
}  # fmt: skip
# Ownership files, also as a suffix of a longer name (a parser fixture "azure.OWNERS_ALIASES").
OWNERS_NAMES = {"OWNERS", "OWNERS_ALIASES", "CODEOWNERS", "MAINTAINERS", "SECURITY_CONTACTS"}
SKIP_DIRS = {".git", "node_modules", "vendor", ".hg", ".svn", "__pycache__", ".venv", ".tox"}
# Metadata files read with the document beside them: {file name: the documents it describes}.
SIDECARS = {"kep.yaml": ("README.md", "README.MD", "readme.md", "README.markdown")}
BINARY_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class RepositoryFile:
    path: str  # repository-relative, POSIX separators
    size: int
    blob: str = ""  # git blob id where the source knows it


@dataclass(frozen=True)
class FileText:
    text: str | None
    skip_reason: str = ""


class RepositorySource(Protocol):
    """What a source adapter provides; kb.services decides what is stored."""

    def files(self) -> Iterator[RepositoryFile]: ...

    def read(self, file: RepositoryFile) -> FileText: ...


def classify_path(path: str) -> tuple[str, str] | None:
    """(kind, format) for a file we ingest, or None for a file we ignore. format is "markdown",
    "text" or "owners"."""
    pure = PurePosixPath(path)
    name = pure.name
    stem, suffix = os.path.splitext(name)
    last_part = name.rsplit(".", 1)[-1] if suffix.lower() not in MARKDOWN_SUFFIXES | TEXT_SUFFIXES else None
    if stem.upper().rsplit(".", 1)[-1] in OWNERS_NAMES and suffix.lower() in {"", ".md", ".txt", ".rst"}:
        return "owners", "markdown" if suffix.lower() == ".md" else "owners"
    if last_part is not None and last_part.upper() in OWNERS_NAMES and last_part.isupper():
        return "owners", "owners"
    if suffix.lower() in MARKDOWN_SUFFIXES:
        return "doc", "markdown"
    if suffix.lower() in TEXT_SUFFIXES:
        return "doc", "text"
    if not suffix and name.upper() in TEXT_NAMES:
        return "doc", "text"
    return None


def is_sidecar(path: str) -> bool:
    return PurePosixPath(path).name in SIDECARS


def sidecars_for(path: str, *, listed: set[str]) -> dict[str, str]:
    """{sidecar name: its path} for the metadata files that describe `path` and exist in `listed`."""
    pure = PurePosixPath(path)
    found = {}
    for sidecar, described in SIDECARS.items():
        candidate = str(pure.parent / sidecar) if str(pure.parent) != "." else sidecar
        if pure.name in described and candidate in listed:
            found[sidecar] = candidate
    return found


def decode_file(raw: bytes, *, max_bytes: int) -> FileText:
    """The same skip rules for every source: too large, binary, not UTF-8 (with its line)."""
    if len(raw) > max_bytes:
        return FileText(None, f"larger than {max_bytes} bytes ({len(raw)})")
    if b"\0" in raw[:BINARY_SNIFF_BYTES]:
        return FileText(None, "binary file (NUL byte)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return FileText(None, f"invalid UTF-8 at line {line} (byte {exc.start})")
    return FileText(text.replace("\r\n", "\n"))


def read_sidecar(name: str, text: str | None) -> tuple[dict | None, str]:
    """A sidecar's data, or None and why it could not be read."""
    if text is None:
        return None, "unreadable"
    try:
        data = load_yaml(text)
    except (yaml.YAMLError, YAMLLimitError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        return None, f"invalid YAML{where}: {getattr(exc, 'problem', None) or exc}"
    if not isinstance(data, dict):
        return None, "not a mapping"
    return json_safe(data), ""


def document_input(
    *,
    path: str,
    text: str,
    size: int,
    last_changed_at: datetime | None = None,
    authors: list | None = None,
    url: str = "",
    metadata: dict | None = None,
    sidecars: dict[str, dict] | None = None,
) -> tuple[DocumentInput, list[dict]]:
    """The DocumentInput for one repository file, and its warnings ({"path", "line", "error"})."""
    kind, fmt = classify_path(path)
    warnings: list[dict] = []
    front_matter: dict = {}
    body, offset = text, 0
    if fmt == "markdown":
        try:
            parsed = split_front_matter(text)
            front_matter, body, offset = parsed.front_matter, parsed.body, parsed.body_line_offset
        except FrontMatterError as exc:
            warnings.append({"path": path, "line": exc.line, "error": str(exc)})
    stored = {"format": fmt, "size": size, **(metadata or {})}
    if front_matter:
        stored["front_matter"] = json_safe(front_matter)
    if offset:
        stored["body_line_offset"] = offset
    if warnings:
        stored["front_matter_error"] = {"line": warnings[0]["line"], "error": warnings[0]["error"]}
    if sidecars:
        stored["sidecars"] = sidecars
    if fmt == "markdown":
        headings = [text for _level, text in heading_texts(body)]
        title = _title(front_matter=front_matter, body=body, path=path)
        rendered = None  # documents_upsert renders Markdown
    else:
        headings, title = [], path
        rendered = f'<pre class="plain">{html.escape(body)}</pre>'
    item = DocumentInput(
        kind=kind, key=path, path=path, title=title, body=body, url=url, last_changed_at=last_changed_at,
        authors=authors or [], metadata=stored, html=rendered, headings=headings,
    )  # fmt: skip
    return item, warnings


def _title(*, front_matter: dict, body: str, path: str) -> str:
    """derive_title, falling back to the first heading of any level, then the path."""
    headings = heading_texts(body)
    return derive_title(front_matter=front_matter, body=body, fallback=headings[0][1] if headings else path)


def json_safe(value):
    """Front matter and YAML may hold dates and other types; store what JSON can carry."""
    return json.loads(json.dumps(value, default=str))
