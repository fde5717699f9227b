"""A small in-memory search backend that keeps the kb.search contract, for the recurring-question tests.

Scores are term-frequency sums (title x3), enough to tell "a doc answers this" from "nothing does".
"""

from __future__ import annotations

import re

from kb.search.backends.base import BaseSearchBackend, SearchHit, SearchResults

_ENTRIES: dict[str, object] = {}


def _terms(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


class MemoryBackend(BaseSearchBackend):
    def index(self, entries) -> int:
        count = 0
        for entry in entries:
            _ENTRIES[entry.uid] = entry
            count += 1
        return count

    def delete(self, uids) -> None:
        for uid in uids:
            _ENTRIES.pop(uid, None)

    def clear(self) -> None:
        _ENTRIES.clear()

    def rebuild(self, entries) -> int:
        self.clear()
        return self.index(entries)

    def search(self, query, *, access, projects=None, kinds=None, page=1, page_size=10) -> SearchResults:
        wanted = set(_terms(query))
        hits = []
        for entry in _ENTRIES.values():
            if projects and entry.project not in projects or kinds and entry.kind not in kinds:
                continue
            if access is not None and not set(entry.access) & access:
                continue
            title, body = _terms(entry.title), _terms(entry.body)
            score = sum(3 * title.count(t) + body.count(t) for t in wanted)
            if score:
                hits.append(
                    SearchHit(
                        entry.uid,
                        entry.title,
                        entry.path,
                        entry.url,
                        entry.kind,
                        entry.project,
                        float(score),
                        " ".join(f"<mark>{w}</mark>" if w in wanted else w for w in body[:60]),
                    )
                )
        hits.sort(key=lambda h: -h.score)
        start = (page - 1) * page_size
        return SearchResults(
            count=len(hits), hits=hits[start : start + page_size], page=page, page_size=page_size
        )

    def status(self) -> dict:
        return {"ok": True, "documents": len(_ENTRIES)}


class BrokenBackend(MemoryBackend):
    def search(self, *args, **kwargs):
        raise ConnectionError("index offline")


SearchBackend = MemoryBackend
