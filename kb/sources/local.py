"""Reading documentation from a checkout or a plain directory.

`read_local_tree` walks the tree once, reads git history in one `git log`
pass (kb.sources.git.iter_commits), and turns every file worth indexing into a
DocumentInput. Files it cannot use (binary, too large, undecodable) are
returned as skips with a reason; malformed front matter is a warning and the
document is kept with its body as written. Nothing here touches the database.

Symbolic links are never followed, not even ones that stay inside the tree: a
link (or a file under a linked directory) is a skip with its reason. Following
only in-tree links would need the same realpath check at every read and would
still race a checkout being rewritten; skipping them all is the simple rule
that cannot leak a file from outside the tree (the issue found /etc/passwd).
"""

from __future__ import annotations

import errno
import html
import json
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from stat import S_ISREG

from kb.rendering import FrontMatterError, derive_title, extract_headings, split_front_matter
from kb.services.document_links import FileEntry
from kb.services.documents import DocumentInput
from kb.sources.git import GitError, is_git_repository, iter_commits
from kb.sources.git import head_sha as git_head_sha
from kb.sources.git import origin_url as git_origin_url
from kb.utils import symlink_reason

MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdx"}
TEXT_SUFFIXES = {".txt", ".rst"}
# Extension-less files that are prose by convention.
TEXT_NAMES = {
    "README", "CONTRIBUTING", "CONTRIBUTORS", "AUTHORS", "CHANGELOG", "CHANGES", "HISTORY", "NEWS",
    "NOTICE", "LICENSE", "COPYING", "SECURITY", "CODE_OF_CONDUCT", "GOVERNANCE", "INSTALL", "SUPPORT",
}  # fmt: skip
OWNERS_NAMES = {"OWNERS", "OWNERS_ALIASES", "CODEOWNERS", "MAINTAINERS"}
SKIP_DIRS = {".git", "node_modules", "vendor", ".hg", ".svn", "__pycache__", ".venv", ".tox"}
BINARY_SNIFF_BYTES = 8192

# progress(done, total, path): called after each candidate file is handled.
Progress = Callable[[int, int, str], None]


@dataclass
class FileHistory:
    last_changed_at: datetime | None = None
    last_commit: str = ""
    first_committed_at: datetime | None = None
    commit_count: int = 0
    # {email_or_name: {"name", "email", "commits"}} in most-recent-first order of first appearance
    authors: dict[str, dict] = field(default_factory=dict)


@dataclass
class LocalTree:
    root: Path
    items: list[DocumentInput] = field(default_factory=list)
    skips: list[dict] = field(default_factory=list)  # {"path", "reason"}
    warnings: list[dict] = field(default_factory=list)  # {"path", "line", "error"}
    head_sha: str | None = None
    has_git: bool = False
    candidates: int = 0
    # Files of the tree that are not documents (images, YAML, code), for links to resolve against.
    other_files: list[str] = field(default_factory=list)
    origin_url: str = ""  # the git remote "origin", where the upstream files can be opened


def classify(relative_path: str) -> tuple[str, str] | None:
    """(kind, format) for a file we ingest, or None for a file we ignore.

    format is "markdown", "text" or "owners".
    """
    name = PurePosixPath(relative_path).name
    stem, suffix = os.path.splitext(name)
    if stem.upper() in OWNERS_NAMES and suffix.lower() in {"", ".md", ".txt"}:
        return "owners", "markdown" if suffix.lower() == ".md" else "owners"
    if suffix.lower() in MARKDOWN_SUFFIXES:
        return "doc", "markdown"
    if suffix.lower() in TEXT_SUFFIXES:
        return "doc", "text"
    if not suffix and name.upper() in TEXT_NAMES:
        return "doc", "text"
    return None


def read_local_tree(root: Path, *, max_bytes: int, progress: Progress | None = None) -> LocalTree:
    root = Path(root).resolve()
    tree = LocalTree(root=root, has_git=is_git_repository(root))
    paths = sorted(_candidate_paths(root, use_git=tree.has_git, skips=tree.skips, others=tree.other_files))
    tree.candidates = len(paths)
    histories: dict[str, FileHistory] = {}
    if tree.has_git:
        tree.head_sha = git_head_sha(root)
        tree.origin_url = git_origin_url(root)
        if tree.head_sha:
            histories = _histories(root, wanted=set(paths))
    for done, relative in enumerate(paths, start=1):
        _read_one(tree, relative, histories.get(relative), max_bytes=max_bytes)
        if progress:
            progress(done, len(paths), relative)
    return tree


def _candidate_paths(root: Path, *, use_git: bool, skips: list[dict], others: list[str]) -> Iterator[str]:
    """Files worth reading, as paths relative to `root`; symbolic links go to `skips` instead,
    and the tree's other files to `others`."""
    if use_git:
        listed = _git_listed_paths(root)
        if listed is not None:
            for relative in sorted(listed):
                parts = PurePosixPath(relative).parts
                if SKIP_DIRS.intersection(parts[:-1]):
                    continue
                if not classify(relative):
                    others.append(relative)
                    continue
                link = symlink_reason(root, relative)
                if link:
                    skips.append({"path": relative, "reason": link})
                elif (root / relative).is_file():  # listed but deleted from the working tree
                    yield relative
            return
    # os.walk never descends into a linked directory (followlinks=False).
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for filename in sorted(filenames):
            relative = Path(dirpath, filename).relative_to(root).as_posix()
            if not classify(relative):
                others.append(relative)
                continue
            link = symlink_reason(root, relative)
            if link:
                skips.append({"path": relative, "reason": link})
            else:
                yield relative


def _git_listed_paths(root: Path) -> list[str] | None:
    """Tracked plus untracked-but-not-ignored files: what the checkout really contains."""
    proc = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=False,
        timeout=120,
    )
    if proc.returncode != 0:
        return None
    return list({name.decode("utf-8", errors="surrogateescape") for name in proc.stdout.split(b"\0") if name})


def _histories(root: Path, *, wanted: set[str]) -> dict[str, FileHistory]:
    histories: dict[str, FileHistory] = {}
    try:
        for commit in iter_commits(root):
            for path in commit.paths:
                if path not in wanted:
                    continue
                history = histories.setdefault(path, FileHistory())
                if history.last_changed_at is None:
                    history.last_changed_at = commit.authored_at
                    history.last_commit = commit.sha
                history.first_committed_at = commit.authored_at  # walk is newest first
                history.commit_count += 1
                who = commit.author_email.lower() or commit.author_name
                author = history.authors.setdefault(
                    who, {"name": commit.author_name, "email": commit.author_email, "commits": 0}
                )
                author["commits"] += 1
    except GitError:
        return {}
    return histories


def _read_one(tree: LocalTree, relative: str, history: FileHistory | None, *, max_bytes: int) -> None:
    kind, fmt = classify(relative)
    full = tree.root / relative
    try:
        # O_NOFOLLOW: a file swapped for a link after it was listed is refused, not followed.
        fd = os.open(full, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            stat = os.fstat(handle.fileno())
            if stat.st_size > max_bytes:
                tree.skips.append(
                    {"path": relative, "reason": f"larger than {max_bytes} bytes ({stat.st_size})"}
                )
                return
            raw = handle.read(max_bytes + 1)
        if len(raw) > max_bytes:  # grew after the stat
            tree.skips.append({"path": relative, "reason": f"larger than {max_bytes} bytes (still growing)"})
            return
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            tree.skips.append({"path": relative, "reason": "symbolic link (links are not followed)"})
        else:
            tree.skips.append({"path": relative, "reason": f"unreadable: {exc.strerror or exc}"})
        return
    if b"\0" in raw[:BINARY_SNIFF_BYTES]:
        tree.skips.append({"path": relative, "reason": "binary file (NUL byte)"})
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        tree.skips.append({"path": relative, "reason": f"invalid UTF-8 at line {line} (byte {exc.start})"})
        return
    text = text.replace("\r\n", "\n")

    front_matter: dict = {}
    body = text
    if fmt == "markdown":
        try:
            parsed = split_front_matter(text)
            front_matter, body = parsed.front_matter, parsed.body
        except FrontMatterError as exc:
            tree.warnings.append({"path": relative, "line": exc.line, "error": str(exc)})

    metadata: dict = {"format": fmt, "size": stat.st_size}
    if len(body) < len(text):  # lines of front matter before the body, for line numbers in the original file
        metadata["body_line_offset"] = text[: len(text) - len(body)].count("\n")
    if front_matter:
        metadata["front_matter"] = _json_safe(front_matter)
    if history:
        last_changed_at = history.last_changed_at
        authors = list(history.authors.values())
        metadata.update(
            commit_count=history.commit_count,
            last_commit=history.last_commit,
            first_committed_at=history.first_committed_at.isoformat(),
        )
    else:
        last_changed_at = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
        authors = []

    if fmt == "markdown":
        prose, setext = _scan_markdown(body)
        headings = extract_headings(body) + [text for text, _level in setext]
        title = derive_title(
            front_matter=front_matter,
            headings_text=prose,
            fallback=_fallback_title(relative, headings=headings, setext=setext),
        )
        rendered = None  # documents_upsert renders Markdown
    else:
        headings = []
        title = _fallback_title(relative)
        rendered = f'<pre class="plain">{html.escape(body)}</pre>'
    tree.items.append(
        DocumentInput(
            kind=kind,
            key=relative,
            path=relative,
            title=title,
            body=body,
            last_changed_at=last_changed_at,
            authors=authors,
            metadata=metadata,
            html=rendered,
            headings=headings,
        )
    )


def other_file_entries(tree: LocalTree) -> list[FileEntry]:
    """The tree's files that are not documents, with a version that changes when a file does."""
    entries = []
    for relative in tree.other_files:
        try:
            stat = os.lstat(tree.root / relative)
        except OSError:
            continue
        if S_ISREG(stat.st_mode):  # never a link
            entries.append(FileEntry(relative, stat.st_size, f"{stat.st_size}:{stat.st_mtime_ns}"))
    return entries


def read_file_bytes(root: Path, relative: str, *, max_bytes: int) -> bytes | None:
    """The bytes of a regular file of the tree, None when it is a link, unreadable or over `max_bytes`."""
    try:
        fd = os.open(Path(root) / relative, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            if not S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            data = handle.read(max_bytes + 1)
    except OSError:
        return None
    return data if len(data) <= max_bytes else None


_FENCE = re.compile(r"^\s*(```|~~~)")
_SETEXT_UNDERLINE = re.compile(r"^(=+|-+)[ \t]*$")
_NOT_SETEXT_TEXT = re.compile(r"^(\s|#|>|`|\||-|\*|\d+\.\s)")


def _scan_markdown(text: str) -> tuple[str, list[tuple[str, int]]]:
    """One pass over the lines: the text outside fenced code (so a shell comment such as
    "# install" is never taken for a title) and the setext headings as (text, level)."""
    prose: list[str] = []
    setext: list[tuple[str, int]] = []
    fence = None
    previous = ""
    for line in text.split("\n"):
        opened = _FENCE.match(line)
        if fence:
            if opened and opened.group(1) == fence:
                fence = None
            previous = ""
            continue
        if opened:
            fence, previous = opened.group(1), ""
            continue
        prose.append(line)
        underline = _SETEXT_UNDERLINE.match(line)
        if underline and previous.strip() and not _NOT_SETEXT_TEXT.match(previous):
            setext.append((previous.strip(), 1 if underline.group(1)[0] == "=" else 2))
        previous = line
    return "\n".join(prose), setext


def _fallback_title(relative: str, *, headings: list[str] | None = None, setext=()) -> str:
    """Without a front-matter title or an ATX level-1 heading: a setext level-1 heading
    ("Title\n====="), else the first heading of any level, else the path."""
    for text, level in setext:
        if level == 1:
            return text
    if headings:
        return headings[0]
    return relative


def _json_safe(value):
    """Front matter may hold dates and other YAML types; store what JSON can carry."""
    return json.loads(json.dumps(value, default=str))
