"""The contract every search backend keeps (tests/kb/search/test_backend_contract.py checks it).

Backends know nothing of HTTP or the ORM: they take IndexEntry values and answer
SearchResults. Access filtering happens inside the query (see kb/access.py), so
counts, facets and pages only ever reflect what the reader may see.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime


class SearchUnavailable(Exception):
    """The index cannot be read (missing, truncated, an old layout): searching would mislead.

    Backends raise it instead of answering zero hits or failing with their own errors;
    the views answer 503 with its message.
    """

    default_message = "The search index is unavailable; an operator must run `manage.py kb reindex`."

    def __init__(self, detail: str = ""):
        super().__init__(f"{self.default_message} ({detail})" if detail else self.default_message)
        self.detail = detail


@dataclass(frozen=True)
class IndexEntry:
    uid: str  # "doc:12", "glacier:4": unique across the index
    project: str  # project slug
    kind: str  # Document.Kind value, or "glacier"
    title: str
    body: str
    path: str = ""
    url: str = ""  # portal URL of the item
    headings: str = ""
    access: tuple[str, ...] = ("public",)
    boost: float = 1.0  # per-entry weight (glacier pages rank above raw items)
    updated_at: datetime | None = None
    # What the database said when the entry was written (a content hash): a sync compares
    # stamps() with the database to find entries that are missing or stale.
    stamp: str = ""


@dataclass(frozen=True)
class SearchHit:
    uid: str
    title: str
    path: str
    url: str
    kind: str
    project: str
    score: float
    highlights: str  # HTML: escaped text with <mark> around matched terms


@dataclass
class SearchResults:
    count: int
    hits: list[SearchHit]
    page: int
    page_size: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # {"project": {...}, "kind": {...}}
    suggestion: str | None = None  # "did you mean", when the query looks misspelt


class BaseSearchBackend:
    # A search whose best hit scores below this was answered weakly (gap detection reads
    # it). Scores are on each backend's own scale, so each backend sets its own; the
    # WEAK_SCORE parameter in GLACIER_SEARCH_BACKENDS overrides it.
    default_weak_score: float = 1.0

    def __init__(self, params: dict):
        self.params = params

    @property
    def weak_score(self) -> float:
        return float(self.params.get("WEAK_SCORE", self.default_weak_score))

    def index(self, entries: Iterable[IndexEntry]) -> int:
        """Add or replace entries (by uid). Returns how many were written."""
        raise NotImplementedError

    def delete(self, uids: Iterable[str]) -> None:
        raise NotImplementedError

    def delete_project(self, project: str) -> None:
        raise NotImplementedError

    def stamps(self, project: str) -> dict[str, str]:
        """{uid: stamp} of every entry of `project`, read from stored fields only (no documents).

        Raises SearchUnavailable when the index cannot be read.
        """
        raise NotImplementedError

    def search(
        self,
        query: str,
        *,
        access: set[str] | None,
        projects: list[str] | None = None,
        kinds: list[str] | None = None,
        page: int = 1,
        page_size: int = 10,
    ) -> SearchResults:
        """Search; `access=None` means unrestricted, otherwise only entries sharing a token.

        Raises SearchUnavailable when the index cannot be read (a missing index reads as empty).
        """
        raise NotImplementedError

    def rebuild(self, entries: Iterable[IndexEntry]) -> int:
        """Replace the whole index with `entries`. Returns the count indexed."""
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    def status(self) -> dict:
        """{"ok": bool, "documents": int, ...} for /healthz; "ok" is False when the index cannot be read."""
        raise NotImplementedError
