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
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from stat import S_ISREG

from kb.services.document_links import FileEntry
from kb.services.documents import DocumentInput
from kb.sources.base import (
    SKIP_DIRS,
    RepositoryFile,
    classify_path,
    decode_file,
    document_input,
    is_sidecar,
    read_sidecar,
    sidecars_for,
)
from kb.sources.git import GitError, is_git_repository, iter_commits
from kb.sources.git import head_sha as git_head_sha
from kb.sources.git import origin_url as git_origin_url
from kb.utils import symlink_reason

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
    # Every file of the checkout (documents or not), for link resolution: {path: RepositoryFile}.
    files: dict[str, RepositoryFile] = field(default_factory=dict)
    head_sha: str | None = None
    has_git: bool = False
    candidates: int = 0
    # Files of the tree that are not documents (images, YAML, code), for links to resolve against.
    other_files: list[str] = field(default_factory=list)
    origin_url: str = ""  # the git remote "origin", where the upstream files can be opened


# Kept under its old name for callers that only ask whether a path is ingested.
classify = classify_path


def read_local_tree(root: Path, *, max_bytes: int, progress: Progress | None = None) -> LocalTree:
    root = Path(root).resolve()
    tree = LocalTree(root=root, has_git=is_git_repository(root))
    tree.files = _listed_files(root, use_git=tree.has_git)
    paths = []
    for relative in sorted(tree.files):
        if not classify_path(relative):
            tree.other_files.append(relative)  # kep.yaml too: docs may link to it
        if not (classify_path(relative) or is_sidecar(relative)):
            continue
        link = symlink_reason(root, relative)
        if link:
            tree.skips.append({"path": relative, "reason": link})
        elif not is_sidecar(relative):
            paths.append(relative)
    tree.candidates = len(paths)
    histories: dict[str, FileHistory] = {}
    if tree.has_git:
        tree.head_sha = git_head_sha(root)
        tree.origin_url = git_origin_url(root)
        if tree.head_sha:
            histories = _histories(root, wanted=set(paths))
    listed = set(tree.files)
    for done, relative in enumerate(paths, start=1):
        _read_one(tree, relative, histories.get(relative), max_bytes=max_bytes, listed=listed)
        if progress:
            progress(done, len(paths), relative)
    return tree


def _listed_files(root: Path, *, use_git: bool) -> dict[str, RepositoryFile]:
    """Every file of the checkout outside SKIP_DIRS. In a git checkout: tracked files (with their
    blob ids) plus untracked files that are not ignored; elsewhere a walk that never enters a
    linked directory (os.walk's followlinks=False)."""
    listed = _git_listed_files(root) if use_git else None
    if listed is None:
        listed = {}
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for filename in filenames:
                relative = Path(dirpath, filename).relative_to(root).as_posix()
                listed[relative] = RepositoryFile(path=relative, size=0)
        return listed
    return {
        path: file for path, file in listed.items() if not SKIP_DIRS.intersection(PurePosixPath(path).parts[:-1])
    }


def _git_listed_files(root: Path) -> dict[str, RepositoryFile] | None:
    """Tracked files with their blob ids plus untracked-but-not-ignored files: what the checkout
    really contains. A tracked file deleted from the working tree is left out."""
    staged = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--stage"], capture_output=True, check=False, timeout=120
    )
    others = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--others", "--exclude-standard"],
        capture_output=True, check=False, timeout=120,
    )  # fmt: skip
    if staged.returncode != 0 or others.returncode != 0:
        return None
    deleted = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--deleted"], capture_output=True, check=False, timeout=120
    )
    gone = {name.decode("utf-8", errors="surrogateescape") for name in deleted.stdout.split(b"\0") if name}
    files: dict[str, RepositoryFile] = {}
    for entry in staged.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        path = name.decode("utf-8", errors="surrogateescape")
        if path not in gone:
            files[path] = RepositoryFile(path=path, size=0, blob=meta.split()[1].decode("ascii"))
    for name in others.stdout.split(b"\0"):
        if name:
            path = name.decode("utf-8", errors="surrogateescape")
            files[path] = RepositoryFile(path=path, size=0)
    return files


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


def _read_bytes(tree: LocalTree, relative: str, *, max_bytes: int) -> tuple[bytes | None, int]:
    """The file's bytes and size, or None after recording why it was skipped."""
    try:
        # O_NOFOLLOW: a file swapped for a link after it was listed is refused, not followed.
        fd = os.open(tree.root / relative, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                tree.skips.append({"path": relative, "reason": f"larger than {max_bytes} bytes ({size})"})
                return None, size
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            tree.skips.append({"path": relative, "reason": "symbolic link (links are not followed)"})
        else:
            tree.skips.append({"path": relative, "reason": f"unreadable: {exc.strerror or exc}"})
        return None, 0
    if len(raw) > max_bytes:  # grew after the stat
        tree.skips.append({"path": relative, "reason": f"larger than {max_bytes} bytes (still growing)"})
        return None, len(raw)
    return raw, size


def _read_one(
    tree: LocalTree, relative: str, history: FileHistory | None, *, max_bytes: int, listed: set[str]
) -> None:
    raw, size = _read_bytes(tree, relative, max_bytes=max_bytes)
    if raw is None:
        return
    decoded = decode_file(raw, max_bytes=max_bytes)
    if decoded.text is None:
        tree.skips.append({"path": relative, "reason": decoded.skip_reason})
        return
    metadata: dict = {}
    if history:
        last_changed_at = history.last_changed_at
        authors = list(history.authors.values())
        metadata.update(
            commit_count=history.commit_count,
            last_commit=history.last_commit,
            first_committed_at=history.first_committed_at.isoformat(),
        )
    else:
        stat = os.lstat(tree.root / relative)
        last_changed_at = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
        authors = []
    listed_file = tree.files.get(relative)
    if listed_file is not None and listed_file.blob:
        metadata["blob_sha"] = listed_file.blob
    item, warnings = document_input(
        path=relative, text=decoded.text, size=size, last_changed_at=last_changed_at, authors=authors,
        metadata=metadata, sidecars=_sidecars(tree, relative, listed=listed, max_bytes=max_bytes),
    )  # fmt: skip
    tree.warnings += warnings
    tree.items.append(item)


def other_file_entries(tree: LocalTree) -> list[FileEntry]:
    """The tree's files that are not documents, with a version that changes when a file does."""
    entries = []
    for relative in tree.other_files:
        try:
            stat = os.lstat(tree.root / relative)
        except OSError:
            continue
        if S_ISREG(stat.st_mode):  # never a link
            listed = tree.files.get(relative)
            version = listed.blob if listed and listed.blob else f"{stat.st_size}:{stat.st_mtime_ns}"
            entries.append(FileEntry(relative, stat.st_size, version))
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


def _sidecars(tree: LocalTree, relative: str, *, listed: set[str], max_bytes: int) -> dict[str, dict]:
    found = {}
    for name, path in sidecars_for(relative, listed=listed).items():
        raw, _size = _read_bytes(tree, path, max_bytes=max_bytes)
        if raw is None:
            continue
        data, problem = read_sidecar(name, decode_file(raw, max_bytes=max_bytes).text)
        if data is None:
            tree.warnings.append({"path": path, "line": None, "error": f"{name} not read: {problem}"})
        else:
            found[name] = data
    return found
