"""Reading git history: one `git log` pass for a whole repository, never a process per file."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

_RECORD = "\x1e"  # starts each commit
_FIELD = "\x1f"
_TRAILER_SEP = "\x1d"
# Authors as .mailmap rewrites them (%aN/%aE), and the Co-authored-by trailers, which git
# leaves unmapped (see check_mailmap).
_FORMAT = (
    f"--format={_RECORD}%H{_FIELD}%aN{_FIELD}%aE{_FIELD}%aI{_FIELD}"
    "%(trailers:key=Co-authored-by,valueonly,separator=%x1d)"
)
_CONTACT_RE = re.compile(r"^\s*(?P<name>.*?)\s*<(?P<email>[^<>]*)>\s*$")


class GitError(RuntimeError):
    pass


@dataclass(frozen=True)
class Commit:
    sha: str
    author_name: str
    author_email: str
    authored_at: datetime
    paths: tuple[str, ...]
    # (name, email) of each Co-authored-by trailer, as written in the message.
    co_authors: tuple[tuple[str, str], ...] = ()


def is_git_repository(path: Path) -> bool:
    return (Path(path) / ".git").exists()


def iter_commits(repo_dir: Path, *, since_sha: str | None = None) -> Iterator[Commit]:
    """Non-merge commits, newest first, with the paths each one touched.

    `since_sha` limits the walk to commits after that one (incremental syncs).
    """
    revision = f"{since_sha}..HEAD" if since_sha else "HEAD"
    cmd = [
        "git", "-C", str(repo_dir), "-c", "core.quotepath=off", "log", "--no-merges", "--no-renames",
        _FORMAT, "--name-only", revision, "--",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    header: list[str] | None = None
    paths: list[str] = []
    for raw in proc.stdout:
        line = raw.decode("utf-8", errors="replace").rstrip("\n")
        if line.startswith(_RECORD):
            if header:
                yield _commit(header, paths)
            header, paths = line[1:].split(_FIELD), []
        elif line:
            paths.append(line)
    if header:
        yield _commit(header, paths)
    stderr = proc.stderr.read().decode("utf-8", errors="replace") if proc.stderr else ""
    if proc.wait() != 0 and "does not have any commits" not in stderr:
        raise GitError(f"git log failed in {repo_dir}: {stderr.strip()}")


def head_sha(repo_dir: Path) -> str | None:
    proc = subprocess.run(
        ["git", "-C", str(repo_dir), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    return proc.stdout.strip() if proc.returncode == 0 else None


def origin_url(repo_dir: Path) -> str:
    """The fetch URL of the remote "origin", "" when there is none."""
    proc = subprocess.run(
        ["git", "-C", str(repo_dir), "config", "--get", "remote.origin.url"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    return proc.stdout.strip() if proc.returncode == 0 else ""


_SCP_REMOTE = re.compile(r"^[\w.-]+@(?P<host>[\w.-]+):(?P<path>[^\\]+)$")  # git@github.com:owner/name.git


def remote_web_url(remote: str) -> str:
    """The https page of a git remote ("https://github.com/owner/name"), without credentials;
    "" for a remote that is not on a web host (a path, file://)."""
    remote = remote.strip()
    scp = _SCP_REMOTE.match(remote)
    if scp:
        host, path = scp["host"], scp["path"]
    else:
        parsed = urlsplit(remote)
        if parsed.scheme not in {"https", "http", "ssh", "git"} or not parsed.hostname:
            return ""
        host, path = parsed.hostname, parsed.path
    path = re.sub(r"\.git$", "", path.strip("/"))
    return f"https://{host}/{path}" if path else ""


def check_mailmap(repo_dir: Path, contacts: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str]]:
    """(name, email) -> the contact the repository's .mailmap makes of it (itself when unmapped)."""
    result: dict[tuple[str, str], tuple[str, str]] = {}
    pending = sorted({(n, e) for n, e in contacts if e})
    for start in range(0, len(pending), 200):
        chunk = pending[start : start + 200]
        proc = subprocess.run(
            ["git", "-C", str(repo_dir), "check-mailmap", *(f"{n} <{e}>" for n, e in chunk)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        lines = proc.stdout.splitlines() if proc.returncode == 0 else []
        for contact, line in zip(chunk, lines, strict=False):
            match = _CONTACT_RE.match(line)
            result[contact] = (match["name"], match["email"]) if match else contact
    return result


def _contact(text: str) -> tuple[str, str] | None:
    match = _CONTACT_RE.match(text)
    return (match["name"], match["email"].strip()) if match else None


def _commit(header: list[str], paths: list[str]) -> Commit:
    sha, name, email, when, trailers = (header + [""])[:5]
    co_authors = tuple(c for c in map(_contact, trailers.split(_TRAILER_SEP)) if c is not None)
    return Commit(sha, name, email, datetime.fromisoformat(when), tuple(paths), co_authors)
