"""A small in-memory search backend for the glacier tests when the Whoosh backend is absent.

It keeps the BaseSearchBackend contract that matters here: entries replace by uid, access
tokens filter inside the query, and a hit's score is term frequency times IndexEntry.boost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kb.search.backends.base import BaseSearchBackend, IndexEntry, SearchHit, SearchResults

_STORES: dict[str, dict[str, IndexEntry]] = {}


class MemoryBackend(BaseSearchBackend):
    @property
    def store(self) -> dict[str, IndexEntry]:
        return _STORES.setdefault(self.params.get("INDEX_DIR", "default"), {})

    def index(self, entries: Iterable[IndexEntry]) -> int:
        count = 0
        for entry in entries:
            self.store[entry.uid] = entry
            count += 1
        return count

    def delete(self, uids: Iterable[str]) -> None:
        for uid in uids:
            self.store.pop(uid, None)

    def delete_project(self, project: str) -> None:
        for uid in [u for u, e in self.store.items() if e.project == project]:
            del self.store[uid]

    def search(self, query, *, access, projects=None, kinds=None, page=1, page_size=10) -> SearchResults:
        terms = re.findall(r"\w+", query.lower())
        hits = []
        for entry in self.store.values():
            if access is not None and not set(entry.access) & access:
                continue
            if projects and entry.project not in projects or kinds and entry.kind not in kinds:
                continue
            words = re.findall(r"\w+", f"{entry.title} {entry.headings} {entry.body}".lower())
            score = sum(words.count(term) for term in terms) / (1 + len(words)) ** 0.5
            if score:
                hits.append(
                    SearchHit(
                        uid=entry.uid,
                        title=entry.title,
                        path=entry.path,
                        url=entry.url,
                        kind=entry.kind,
                        project=entry.project,
                        score=score * entry.boost,
                        highlights="",
                    )  # fmt: skip
                )
        hits.sort(key=lambda h: (-h.score, h.uid))
        start = (page - 1) * page_size
        return SearchResults(
            count=len(hits), hits=hits[start : start + page_size], page=page, page_size=page_size
        )

    def rebuild(self, entries: Iterable[IndexEntry]) -> int:
        self.store.clear()
        return self.index(entries)

    def clear(self) -> None:
        self.store.clear()

    def status(self) -> dict:
        return {"ok": True, "documents": len(self.store)}


SearchBackend = MemoryBackend
