"""PostgreSQL full-text search: the scale-out backend (no index files to share between hosts).

Entries live in kb.SearchEntry with a stored, weighted tsvector (title A, headings B,
path C, body D) under a GIN index. A page matches when it has any of the query's words
(a long question still finds the pages that answer part of it); pages matching the
whole `websearch_to_tsquery` (all words, "quoted phrases"), closely (cover density),
rank above them. Snippets come from
ts_headline, escaped here. "Did you mean" looks up unknown words in kb.SearchWord by
trigram similarity (pg_trgm), keeps only words a document the reader may see contains,
and the corrected words are searched too.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramSimilarity,
)
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Count, F, Q

from kb.search.backends.base import BaseSearchBackend, IndexEntry, SearchHit, SearchResults
from kb.utils import batched

CONFIG = "english"
WEIGHTS = [0.05, 0.2, 0.4, 1.0]  # D body, C path, B headings, A title
# ts_rank normalisation 1 (divide by 1 + log(length)): dividing by the length itself (2)
# measured worse on bench/queries (MRR@10 0.60 against 0.68).
NORMALIZATION = 1
MAX_BODY_CHARS = 400_000  # a tsvector holds at most 1 MB; the start of a huge page is what matters
_START, _STOP = "\x02", "\x03"  # ts_headline markers, swapped for <mark> after escaping
_WORD = re.compile(r"[A-Za-z][A-Za-z']{2,}")
SUGGESTION_CANDIDATES = 8  # nearest look-alikes checked for visibility, best first
_QUERY_WORD = re.compile(r"[A-Za-z][A-Za-z0-9']+")
ENGLISH_STOP = {
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how", "i", "if",
    "in", "is", "it", "my", "of", "on", "or", "the", "this", "to", "what", "when", "where", "who", "why",
    "with", "you", "your", "we", "our", "should",
}  # fmt: skip


class PostgresSearchBackend(BaseSearchBackend):
    # ts_rank stays under ~1.5 here: title matches score about 1.0, pages that hold every
    # word of a question in the body 0.03-0.06, pages holding one word of several 0.005
    # (measured on the contract-suite corpus; Whoosh scores the same pages 10-45, ~1-12, ~1).
    default_weak_score = 0.01

    def __init__(self, params: dict):
        super().__init__(params)
        if connection.vendor != "postgresql":
            raise ImproperlyConfigured(
                "The PostgreSQL search backend needs a PostgreSQL database "
                f"(DATABASE_URL=postgres://...); the database is {connection.vendor}."
            )
        from kb.models import SearchEntry, SearchWord

        self.Entry, self.Word = SearchEntry, SearchWord

    # Writing

    def index(self, entries: Iterable[IndexEntry]) -> int:
        count = 0
        for batch in batched(entries, 200):
            self._write(batch)
            count += len(batch)
        return count

    @transaction.atomic
    def _write(self, batch: tuple[IndexEntry, ...]) -> None:
        rows = [
            self.Entry(
                uid=e.uid,
                project=e.project,
                kind=e.kind,
                title=e.title[:500],
                headings=e.headings,
                body=e.body[:MAX_BODY_CHARS],
                path=e.path[:500],
                url=e.url[:1000],
                access=list(e.access),
                boost=e.boost,
                updated_at=e.updated_at,
                stamp=e.stamp[:100],
            )  # fmt: skip
            for e in {entry.uid: entry for entry in batch}.values()
        ]
        self.Entry.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["uid"],
            update_fields=[
                "project",
                "kind",
                "title",
                "headings",
                "body",
                "path",
                "url",
                "access",
                "boost",
                "updated_at",
                "stamp",
            ],  # fmt: skip
        )
        self.Entry.objects.filter(uid__in=[row.uid for row in rows]).update(
            search_vector=SearchVector("title", weight="A", config=CONFIG)
            + SearchVector("headings", weight="B", config=CONFIG)
            + SearchVector("path", weight="C", config="simple")
            + SearchVector("body", weight="D", config=CONFIG)
        )
        words: dict[str, int] = {}
        for row in rows:
            for word in {w.lower() for w in _WORD.findall(f"{row.title} {row.headings} {row.body}")}:
                if len(word) <= 40:
                    words[word] = words.get(word, 0) + 1
        if words:
            with connection.cursor() as cursor:
                for chunk in batched(sorted(words.items()), 1000):
                    cursor.execute(
                        "INSERT INTO kb_searchword (word, documents) SELECT * FROM unnest(%s::text[], %s::int[]) "
                        "ON CONFLICT (word) DO UPDATE SET documents = kb_searchword.documents + EXCLUDED.documents",
                        [[w for w, _ in chunk], [n for _, n in chunk]],
                    )

    def delete(self, uids: Iterable[str]) -> None:
        uids = list(uids)
        if uids:
            self.Entry.objects.filter(uid__in=uids).delete()

    def delete_project(self, project: str) -> None:
        self.Entry.objects.filter(project=project).delete()

    @transaction.atomic
    def rebuild(self, entries: Iterable[IndexEntry]) -> int:
        self.clear()
        return self.index(entries)

    @transaction.atomic
    def clear(self) -> None:
        self.Entry.objects.all().delete()
        self.Word.objects.all().delete()

    # Reading

    def search(
        self,
        query_text: str,
        *,
        access: set[str] | None,
        projects: list[str] | None = None,
        kinds: list[str] | None = None,
        page: int = 1,
        page_size: int = 10,
    ) -> SearchResults:
        page, page_size = max(1, int(page)), max(1, int(page_size))
        empty = SearchResults(
            count=0, hits=[], page=page, page_size=page_size, facets={"project": {}, "kind": {}}
        )
        words = [w.lower() for w in _QUERY_WORD.findall(query_text or "")]
        if not words:
            return empty
        scope = self.Entry.objects.all()
        if access is not None:
            allowed = Q(pk__in=[])
            for token in sorted(access):
                allowed |= Q(access__contains=[token])
            scope = scope.filter(allowed)
        if projects:
            scope = scope.filter(project__in=projects)
        if kinds:
            scope = scope.filter(kind__in=kinds)

        suggestion, corrections = self._suggest(
            query_text, words, visible=scope if access is not None else None
        )
        strict = SearchQuery(query_text, search_type="websearch", config=CONFIG)
        if corrections:
            strict |= SearchQuery(" ".join(corrections), search_type="websearch", config=CONFIG)
        # Match any of the words (a question rarely has every word in one page), then rank
        # pages holding all of them, or holding them close together, above the rest.
        content = [w for w in [*words, *corrections] if w not in ENGLISH_STOP] or words
        tsquery = SearchQuery(content[0], search_type="plain", config=CONFIG)
        for word in content[1:]:
            tsquery |= SearchQuery(word, search_type="plain", config=CONFIG)
        matched = scope.filter(search_vector=tsquery)

        count = matched.count()
        facets = {
            name: {
                row[name]: row["n"]
                for row in matched.values(name).annotate(n=Count("pk")).order_by("-n", name)
            }
            for name in ("project", "kind")
        }
        start = (page - 1) * page_size
        rows = (
            matched.annotate(
                rank=(
                    SearchRank(F("search_vector"), tsquery, weights=WEIGHTS, normalization=NORMALIZATION)
                    + 2
                    * SearchRank(
                        F("search_vector"), strict, weights=WEIGHTS, cover_density=True, normalization=1
                    )
                )
                * F("boost"),
                snippet=SearchHeadline(
                    "body",
                    tsquery,
                    config=CONFIG,
                    start_sel=_START,
                    stop_sel=_STOP,
                    max_words=40,
                    min_words=15,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                ),
            )  # fmt: skip
            .order_by("-rank", "uid")
            .values("uid", "title", "path", "url", "kind", "project", "rank", "snippet")[
                start : start + page_size
            ]
        )
        hits = [
            SearchHit(
                uid=row["uid"],
                title=row["title"],
                path=row["path"],
                url=row["url"],
                kind=row["kind"],
                project=row["project"],
                score=round(float(row["rank"] or 0.0), 6),
                highlights=_escape(row["snippet"]),
            )  # fmt: skip
            for row in rows
        ]
        return SearchResults(count=count, hits=hits, page=page, page_size=page_size, facets=facets,
                             suggestion=suggestion)  # fmt: skip

    def _suggest(self, query_text: str, words: list[str], *, visible=None) -> tuple[str | None, list[str]]:
        """Replacements for unknown or rare words. kb_searchword holds the words of every entry,
        hidden ones included, so with `visible` (the reader's entries) a word only counts
        where a visible entry contains it: a hidden word is never offered, and typing one
        answers as if the index had never seen it."""
        candidates = [
            w for w in dict.fromkeys(words) if len(w) >= 4 and w not in ENGLISH_STOP and "'" not in w
        ]
        if not candidates:
            return None, []
        stored = {
            row["word"]: row["documents"] for row in self.Word.objects.filter(word__in=candidates).values()
        }

        def count(word: str, cap: int) -> int:
            if visible is None:
                return min(stored.get(word, 0), cap) if word in stored else 0
            return _entries_with_word(visible, word)[:cap].count()

        replacements: dict[str, str] = {}
        for word in candidates:
            known = count(word, 4) if word in stored else 0
            if known > 3:
                continue
            look_alikes = (
                self.Word.objects.filter(word__trigram_similar=word)
                .exclude(word=word)
                .exclude(word__contains="'")
                .annotate(similarity=TrigramSimilarity("word", word))
                .filter(similarity__gte=0.35)
                .order_by("-similarity", "-documents", "word")
                .values_list("word", "documents")[:SUGGESTION_CANDIDATES]
            )
            for candidate, documents in look_alikes:
                seen = documents if visible is None else count(candidate, 20 * known if known else 1)
                if not seen:  # only hidden entries hold it: as if it did not exist
                    continue
                # A known but rare word is only doubted when a look-alike is far more common.
                if not known or seen >= 20 * known:
                    replacements[word] = candidate
                break
        if not replacements:
            return None, []

        def swap(match: re.Match) -> str:
            original = match.group(0)
            fixed = replacements.get(original.lower())
            if fixed is None:
                return original
            return fixed.capitalize() if original[:1].isupper() and original[1:].islower() else fixed

        return _QUERY_WORD.sub(swap, query_text), list(replacements.values())

    def stamps(self, project: str) -> dict[str, str]:
        return dict(self.Entry.objects.filter(project=project).values_list("uid", "stamp"))

    def status(self) -> dict:
        try:
            return {
                "ok": True,
                "backend": "postgres",
                "exists": True,
                "documents": self.Entry.objects.count(),
            }
        except Exception as exc:  # health checks report, never raise
            return {"ok": False, "backend": "postgres", "error": str(exc)}


def _entries_with_word(entries, word: str):
    """Entries holding `word` as typed: the GIN index narrows by stem, then a word-boundary
    match on the text keeps only the exact spelling (kb_searchword stores words unstemmed)."""
    pattern = rf"\m{re.escape(word)}\M"
    return entries.filter(search_vector=SearchQuery(word, search_type="plain", config=CONFIG)).filter(
        Q(title__iregex=pattern) | Q(headings__iregex=pattern) | Q(body__iregex=pattern)
    )


def _escape(snippet: str | None) -> str:
    text = html.escape(snippet or "")
    return text.replace(_START, "<mark>").replace(_STOP, "</mark>")


SearchBackend = PostgresSearchBackend
