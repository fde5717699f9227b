"""An in-memory search backend for page and API tests that must not depend on a real engine.

It keeps the BaseSearchBackend contract (access tokens filter before counts,
facets and paging; highlights are escaped HTML with <mark>) with naive
substring matching. Select it in a test with the `memory_search` fixture.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter

from django.utils.html import escape

from kb.search.backends.base import BaseSearchBackend, IndexEntry, SearchHit, SearchResults

_WORD = re.compile(r"\w+")


class MemorySearchBackend(BaseSearchBackend):
    def __init__(self, params: dict):
        super().__init__(params)
        self.entries: dict[str, IndexEntry] = {}

    def index(self, entries) -> int:
        written = 0
        for entry in entries:
            self.entries[entry.uid] = entry
            written += 1
        return written

    def delete(self, uids) -> None:
        for uid in uids:
            self.entries.pop(uid, None)

    def delete_project(self, project: str) -> None:
        self.entries = {uid: e for uid, e in self.entries.items() if e.project != project}

    def rebuild(self, entries) -> int:
        self.clear()
        return self.index(entries)

    def clear(self) -> None:
        self.entries = {}

    def stamps(self, project: str) -> dict[str, str]:
        return {uid: e.stamp for uid, e in self.entries.items() if e.project == project}

    def status(self) -> dict:
        return {"ok": True, "backend": "memory", "documents": len(self.entries)}

    def search(self, query, *, access, projects=None, kinds=None, page=1, page_size=10) -> SearchResults:
        terms = [t.lower() for t in _WORD.findall(query)]
        visible = [e for e in self.entries.values() if access is None or access & set(e.access)]
        matched = []
        for entry in visible:
            text = f"{entry.title} {entry.headings} {entry.body} {entry.path}".lower()
            if terms and all(term in text for term in terms):
                score = sum(10 * entry.title.lower().count(t) + text.count(t) for t in terms) * entry.boost
                matched.append((score, entry))
        facets = {
            "project": dict(Counter(e.project for _, e in matched)),
            "kind": dict(Counter(e.kind for _, e in matched)),
        }
        filtered = [
            (s, e)
            for s, e in matched
            if (not projects or e.project in projects) and (not kinds or e.kind in kinds)
        ]
        filtered.sort(key=lambda pair: (-pair[0], pair[1].title))
        start = (page - 1) * page_size
        hits = [self._hit(entry, score, terms) for score, entry in filtered[start : start + page_size]]
        suggestion = None if matched else self._suggest(terms, visible)
        return SearchResults(len(filtered), hits, page, page_size, facets, suggestion)

    def _hit(self, entry: IndexEntry, score: float, terms: list[str]) -> SearchHit:
        snippet = escape(entry.body[:200])
        for term in terms:
            snippet = re.sub(f"({re.escape(term)})", r"<mark>\1</mark>", snippet, flags=re.I)
        return SearchHit(
            entry.uid, entry.title, entry.path, entry.url, entry.kind, entry.project, score, snippet
        )

    def _suggest(self, terms: list[str], visible: list[IndexEntry]) -> str | None:
        vocabulary = {w.lower() for e in visible for w in _WORD.findall(f"{e.title} {e.body}")}
        corrected = [(difflib.get_close_matches(t, vocabulary, n=1) or [t])[0] for t in terms]
        return " ".join(corrected) if corrected != terms else None


SearchBackend = MemorySearchBackend
