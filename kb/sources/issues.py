"""The written schema of issue, pull-request and comment metadata (Document.metadata).

The GitHub adapter produces these dictionaries (kb.services.github_sync) and every consumer
(risk, succession, onboarding paths, gap rules) reads them through the functions below, so a
field's name, type and meaning live in one place. Values a payload does not carry are absent,
never guessed: GitHub's issue listing has no `closed_by` (only a single-issue read has it).
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict


class IssueMetadata(TypedDict, total=False):
    number: int
    state: str  # "open" or "closed"
    labels: list[str]  # label names
    author: str  # login of who opened it
    assignees: list[str]  # logins
    created_at: str | None  # ISO 8601
    closed_at: str | None
    closed_by: str  # login; only when the payload carries it
    merged_at: str | None  # pull requests: when merged, if the payload says


class CommentMetadata(TypedDict, total=False):
    issue_number: int
    author: str  # login
    created_at: str | None
    author_association: str  # GitHub's word: OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, NONE...


def _login(value) -> str:
    if isinstance(value, dict):
        value = value.get("login", "")
    return str(value or "").strip()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def issue_metadata(issue) -> IssueMetadata:
    """The metadata of a PyGithub Issue, read from its payload only (no lazy completion requests)."""
    raw = issue.raw_data
    metadata: IssueMetadata = {
        "number": issue.number,
        "state": issue.state,
        "labels": sorted(label.name for label in issue.labels),
        "author": issue.user.login if issue.user else "",
        "assignees": [user.login for user in issue.assignees],
        "created_at": _iso(issue.created_at),
        "closed_at": _iso(issue.closed_at),
    }
    closer = _login(raw.get("closed_by"))
    if closer:
        metadata["closed_by"] = closer
    pull = raw.get("pull_request")
    if isinstance(pull, dict) and "merged_at" in pull:
        metadata["merged_at"] = pull.get("merged_at")
    return metadata


def comment_metadata(comment, *, issue_number: int) -> CommentMetadata:
    raw = comment.raw_data
    metadata: CommentMetadata = {
        "issue_number": issue_number,
        "author": comment.user.login if comment.user else "",
        "created_at": _iso(comment.created_at),
    }
    if isinstance(raw.get("author_association"), str):
        metadata["author_association"] = raw["author_association"]
    return metadata


def is_open(metadata: dict) -> bool:
    return str((metadata or {}).get("state", "open")).lower() == "open"


def labels(metadata: dict) -> list[str]:
    """Label names; older rows stored label objects ({"name": ...})."""
    found = []
    for label in (metadata or {}).get("labels") or []:
        name = label.get("name", "") if isinstance(label, dict) else str(label)
        if name:
            found.append(name)
    return found


def assignees(metadata: dict) -> list[str]:
    return [login for login in (_login(a) for a in (metadata or {}).get("assignees") or []) if login]


def closed_by(metadata: dict) -> str:
    return _login((metadata or {}).get("closed_by"))


def author(metadata: dict) -> str:
    return _login((metadata or {}).get("author"))
