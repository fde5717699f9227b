"""What compaction reads from a Document.

Metadata keys (Document.metadata), as the GitHub source writes them
(kb/services/github_sync.py); every key is optional:

issue / pull_request:
    "number"      int, the GitHub number
    "state"       "open" | "closed"
    "labels"      list of label names
    "author"      login of whoever opened it
    "assignees"   list of logins
    "created_at"  ISO 8601 time it was opened
    "closed_at"   ISO 8601 time it was closed, or null
comment (Document.parent is its issue):
    "issue_number", "author", "created_at"
handoff_note (is_private=True):
    "area"        a directory path or label the note is about (front matter), optional
    "front_matter" dict, whose "area" is read when "area" is absent
doc / owners: nothing from metadata; times and authors come from git (Document.authors,
    Document.last_changed_at).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.dateparse import parse_datetime

from kb.rendering import plain_text

META_NUMBER = "number"
META_STATE = "state"
META_LABELS = "labels"
META_AUTHOR = "author"
META_ASSIGNEES = "assignees"
META_CREATED_AT = "created_at"
META_CLOSED_AT = "closed_at"
META_AREA = "area"
META_FRONT_MATTER = "front_matter"

STATE_CLOSED = "closed"
THREAD_KINDS = ("issue", "pull_request")


@dataclass
class SourceItem:
    """One document as compaction sees it."""

    id: int
    kind: str
    key: str
    title: str
    text: str  # plain text of the body
    path: str = ""
    url: str = ""
    labels: tuple[str, ...] = ()
    state: str = ""
    author: str = ""
    people: tuple[str, ...] = ()  # authors from git or the item's author
    created_at: datetime | None = None
    closed_at: datetime | None = None
    changed_at: datetime | None = None
    number: int | None = None
    parent_id: int | None = None
    is_private: bool = False
    area: str = ""
    comments: list[SourceItem] = field(default_factory=list)  # filled for issues

    @property
    def when(self) -> datetime | None:
        """The item's age for layering: when it was opened, else last changed."""
        return self.created_at or self.changed_at

    @property
    def is_thread(self) -> bool:
        return self.kind in THREAD_KINDS

    @property
    def is_closed(self) -> bool:
        return self.state == STATE_CLOSED

    @property
    def clean_title(self) -> str:
        """The title without the '#123 ' prefix GitHub items carry."""
        title = self.title
        if self.number is not None and title.startswith(f"#{self.number} "):
            title = title[len(f"#{self.number} ") :]
        return title.strip()

    @property
    def full_text(self) -> str:
        return f"{self.clean_title}. {self.text}" if self.text else self.clean_title

    @property
    def size(self) -> int:
        return len(self.title) + len(self.text)


def item_from_values(values: dict) -> SourceItem:
    """Build a SourceItem from Document.objects.values(...) (see ITEM_FIELDS)."""
    meta = values.get("metadata") or {}
    authors = values.get("authors") or []
    people = []
    for author in authors if isinstance(authors, list) else []:
        if isinstance(author, dict):
            name = author.get("login") or author.get("name") or author.get("email") or ""
            if name:
                people.append(str(name))
    author = str(meta.get(META_AUTHOR) or "")
    if author and author not in people:
        people.insert(0, author)
    labels = meta.get(META_LABELS) or []
    front_matter = meta.get(META_FRONT_MATTER) if isinstance(meta.get(META_FRONT_MATTER), dict) else {}
    area = meta.get(META_AREA) or front_matter.get("area") or ""
    number = meta.get(META_NUMBER)
    return SourceItem(
        id=values["id"],
        kind=values["kind"],
        key=values["key"],
        title=values["title"] or values["key"],
        text=plain_text(values.get("body") or ""),
        path=values.get("path") or "",
        url=values.get("url") or "",
        labels=tuple(sorted(str(label) for label in labels if isinstance(label, str))),
        state=str(meta.get(META_STATE) or ""),
        author=author or (people[0] if people else ""),
        people=tuple(people),
        created_at=_parse_time(meta.get(META_CREATED_AT)),
        closed_at=_parse_time(meta.get(META_CLOSED_AT)),
        changed_at=values.get("last_changed_at"),
        number=number if isinstance(number, int) else None,
        parent_id=values.get("parent_id"),
        is_private=bool(values.get("is_private")),
        area=str(area).strip("/") if isinstance(area, str) else "",
    )


ITEM_FIELDS = (
    "id", "kind", "key", "title", "body", "path", "url", "metadata", "authors",
    "last_changed_at", "parent_id", "is_private",
)  # fmt: skip


def attach_comments(items: list[SourceItem]) -> list[SourceItem]:
    """Hang comments under their issue (in time order); return the top-level items sorted by key."""
    by_id = {item.id: item for item in items}
    top = []
    for item in items:
        parent = by_id.get(item.parent_id) if item.parent_id else None
        if item.kind == "comment" and parent is not None:
            parent.comments.append(item)
        elif item.kind != "comment":
            top.append(item)
    for item in top:
        item.comments.sort(key=lambda c: (timestamp(c.created_at or c.changed_at), c.id))
    return sorted(top, key=lambda i: (i.kind, i.key))


def timestamp(when: datetime | None) -> float:
    return when.timestamp() if when else 0.0


def _parse_time(raw) -> datetime | None:
    if isinstance(raw, datetime):
        return raw
    if isinstance(raw, str) and raw:
        try:
            return parse_datetime(raw)
        except ValueError:
            return None
    return None
