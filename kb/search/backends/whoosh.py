"""Whoosh: the embedded search backend (no services needed).

Ranking is BM25F over title, headings, path and body, with field boosts,
Porter stemming, a bonus for the query's words appearing close together
(phrase proximity), per-entry boosts, and typo tolerance: words the index has
never seen are corrected against an unstemmed word list (counted over the documents
the reader may see), the corrected query is searched alongside the original and offered
as "did you mean".

Whoosh allows one writer per index. Every write here takes a process-wide
threading lock and then an fcntl lock on a file in the index directory, so
threads and processes (a sync, a Celery worker, `kb reindex`) queue instead of
failing with LockError, and no write is lost.
"""

from __future__ import annotations

import html
import logging
import os
import pickle
import re
import struct
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from whoosh import index as whoosh_index
from whoosh import qparser, query, scoring, writing
from whoosh.analysis import STOP_WORDS, Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.lang.porter import stem as porter_stem

from kb.search.backends.base import (
    BaseSearchBackend,
    IndexEntry,
    SearchHit,
    SearchResults,
    SearchUnavailable,
)
from kb.utils import exclusive_file_lock

logger = logging.getLogger(__name__)

INDEX_NAME = "glacier"
# "exact" holds the title and headings unstemmed, so the very word typed ("approver")
# outranks its stem-mates ("approve", "approval") in the places that name a topic.
FIELD_BOOSTS = {"title": 6.0, "headings": 2.5, "exact": 3.0, "path": 2.0, "body": 1.0}
PHRASE_BOOSTS = {"title": 4.0, "headings": 2.0, "body": 1.5}
PHRASE_SLOP = 3
HIGHLIGHT_CHARS = 200_000  # snippets come from the first 200k characters of a document
SNIPPET_CHARS = 240
WRITE_LOCK_TIMEOUT = 300.0
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9']+")
# Suggestions are only sought for words of 4+ letters, so shorter ones need no dictionary entry.
_SPELL_WORD = re.compile(r"[A-Za-z][A-Za-z']{3,}")
# What reading a truncated or half-deleted segment raises (measured: a cut .seg file gives
# struct.error or EOFError); anything else is a bug of ours and stays a bug.
_UNREADABLE = (OSError, EOFError, struct.error, pickle.UnpicklingError, whoosh_index.IndexError)


# Whoosh's stop words plus the question words newcomers type ("how do I ..."), which match
# nearly every page and only slow searches down.
STOP_WORDS = STOP_WORDS | {
    "how", "do", "does", "did", "i", "what", "where", "who", "why", "which", "my", "me", "should",
    "there", "about", "into", "its", "our", "so", "some", "than", "then", "these", "they", "those",
}  # fmt: skip


_STEMS: dict[str, str] = {}  # token -> stem ("" for a stop word); shared, bounded below
_STEM_CACHE_LIMIT = 500_000


class LowerStopStemFilter(Filter):
    """Lowercase, drop stop words (renumbering positions) and Porter-stem in one pass.

    The same result as Whoosh's LowercaseFilter | StopFilter | StemFilter, but one
    generator and one dictionary lookup per token instead of three stages: indexing
    spends most of its time in these per-token steps.
    """

    def __init__(self, stoplist=STOP_WORDS, minsize: int = 2):
        self.stops = frozenset(stoplist)
        self.min = minsize

    def __eq__(self, other):
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __call__(self, tokens):
        stems, stops, minsize = _STEMS, self.stops, self.min
        pos = None
        for t in tokens:
            text = t.text
            stem = stems.get(text)
            if stem is None:
                lowered = text.lower()
                stem = "" if len(lowered) < minsize or lowered in stops else porter_stem(lowered)
                if len(stems) < _STEM_CACHE_LIMIT:
                    stems[text] = stem
            if stem:
                if t.positions:
                    pos = t.pos if pos is None else pos + 1
                    t.pos = pos
                t.text = stem
                t.stopped = False
                yield t
            elif not t.removestops:
                t.text = text.lower()
                t.stopped = True
                yield t


# Batches at least this large are indexed by one sub-writer per core (whoosh's MpWriter).
PARALLEL_INDEX_MIN = 400
PARALLEL_INDEX_PROCS = max(1, min(4, os.cpu_count() or 1))


def _schema() -> Schema:
    stem = RegexTokenizer() | LowerStopStemFilter(STOP_WORDS)
    return Schema(
        # uid and stamp are columns too, so stamps() reads them without loading stored bodies.
        uid=ID(unique=True, stored=True, sortable=True),
        stamp=ID(sortable=True),
        title=TEXT(analyzer=stem, stored=True),
        headings=TEXT(analyzer=stem),
        body=TEXT(analyzer=stem, stored=True),
        # "sig-node/README.md" -> sig, node, readme, md
        path=TEXT(analyzer=RegexTokenizer(r"[A-Za-z0-9]+") | LowerStopStemFilter(STOP_WORDS), stored=True, phrase=False),
        exact=TEXT(analyzer=RegexTokenizer() | LowercaseFilter() | StopFilter(STOP_WORDS), phrase=False),
        # Unstemmed words of title, headings and body: the dictionary for "did you mean".
        spell=TEXT(analyzer=RegexTokenizer(r"[A-Za-z][A-Za-z']+") | LowercaseFilter() | StopFilter(),
                   phrase=False),
        project=KEYWORD(stored=True, sortable=True, lowercase=False),
        kind=KEYWORD(stored=True, sortable=True, lowercase=False),
        access=KEYWORD(lowercase=False, scorable=False),
        url=STORED(),
        boost=STORED(),
        updated_at=STORED(),
    )  # fmt: skip


class WhooshSearchBackend(BaseSearchBackend):
    default_weak_score = 1.0  # BM25F with field boosts: a real answer scores in the tens
    _thread_locks: dict[str, threading.Lock] = {}
    _thread_locks_guard = threading.Lock()

    def __init__(self, params: dict):
        super().__init__(params)
        index_dir = params.get("INDEX_DIR")
        if not index_dir:
            raise ImproperlyConfigured(
                "The Whoosh search backend needs INDEX_DIR in GLACIER_SEARCH_BACKENDS."
            )
        self.index_dir = Path(index_dir)
        self.lock_timeout = float(params.get("WRITE_LOCK_TIMEOUT", WRITE_LOCK_TIMEOUT))
        with self._thread_locks_guard:
            self._thread_lock = self._thread_locks.setdefault(str(self.index_dir.resolve()), threading.Lock())
        self._local = threading.local()
        self.schema = _schema()

    # Writing

    def index(self, entries: Iterable[IndexEntry]) -> int:
        fields = [self._fields(entry) for entry in entries]
        # A large batch (a first sync) is analysed in parallel sub-writers, one per core.
        with self._writer(parallel=len(fields) >= PARALLEL_INDEX_MIN) as writer:
            for document in fields:
                writer.update_document(**document)
        return len(fields)

    def delete(self, uids: Iterable[str]) -> None:
        uids = list(uids)
        if not uids:
            return
        with self._writer() as writer:
            for uid in uids:
                writer.delete_by_term("uid", uid)

    def delete_project(self, project: str) -> None:
        with self._writer() as writer:
            writer.delete_by_term("project", project)

    def rebuild(self, entries: Iterable[IndexEntry]) -> int:
        count = 0
        with self._writer(mergetype=writing.CLEAR, parallel=True) as writer:
            for entry in entries:
                writer.add_document(**self._fields(entry))
                count += 1
        return count

    def clear(self) -> None:
        with self._writer(mergetype=writing.CLEAR):
            pass

    def _fields(self, entry: IndexEntry) -> dict:
        # The spelling dictionary needs each word once per document, not every occurrence.
        words = " ".join(
            {w.lower() for w in _SPELL_WORD.findall(" ".join([entry.title, entry.headings, entry.body]))}
        )
        return {
            "uid": entry.uid,
            "title": entry.title,
            "headings": entry.headings,
            "exact": f"{entry.title}\n{entry.headings}",
            "body": entry.body,
            "path": entry.path,
            "spell": words,
            "project": entry.project,
            "kind": entry.kind,
            "access": " ".join(entry.access),
            "url": entry.url,
            "boost": entry.boost,
            "updated_at": entry.updated_at,
            "stamp": entry.stamp,
            "_boost": entry.boost,
        }

    @contextmanager
    def _writer(self, mergetype=None, parallel: bool = False) -> Iterator[writing.IndexWriter]:
        with self._write_lock():
            ix = self._open_or_create(for_write=True)
            options = {"procs": PARALLEL_INDEX_PROCS, "multisegment": True} if parallel else {}
            writer = ix.writer(timeout=self.lock_timeout, delay=0.05, limitmb=256, **options)
            try:
                yield writer
            except BaseException:
                writer.cancel()
                raise
            if mergetype is not None:
                writer.commit(mergetype=mergetype)
            else:
                writer.commit()

    @contextmanager
    def _write_lock(self):
        """Threads of this process queue on a lock; processes queue on an fcntl lock file."""
        deadline = time.monotonic() + self.lock_timeout
        if not self._thread_lock.acquire(timeout=self.lock_timeout):
            raise TimeoutError(f"search index {self.index_dir} is busy (waited {self.lock_timeout:.0f}s)")
        try:
            with exclusive_file_lock(
                self.index_dir / ".glacier-write.lock",
                timeout=max(0.0, deadline - time.monotonic()),
                on_timeout=lambda: TimeoutError(
                    f"search index {self.index_dir} is locked by another process"
                ),
            ):
                yield
        finally:
            self._thread_lock.release()

    def _open_or_create(self, *, for_write: bool = False):
        if whoosh_index.exists_in(self.index_dir, indexname=INDEX_NAME):
            ix = whoosh_index.open_dir(self.index_dir, indexname=INDEX_NAME)
            if set(ix.schema.names()) == set(self.schema.names()):
                return ix
            if not for_write:
                raise SearchUnavailable(f"the index in {self.index_dir} has an old layout")
        elif not for_write:
            return None
        self.index_dir.mkdir(parents=True, exist_ok=True)
        return whoosh_index.create_in(self.index_dir, self.schema, indexname=INDEX_NAME)

    # Reading

    def _searcher(self):
        """One searcher per thread, reopened when the index has changed.

        Not Searcher.refresh(): it reuses segment readers and so misses deletions
        committed to a segment it already holds.
        """
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            if searcher.up_to_date():
                return searcher
            searcher.close()
            self._local.searcher = None
        try:
            ix = self._open_or_create()
            if ix is None:
                return None
            self._local.searcher = ix.searcher(weighting=scoring.BM25F(B=0.6, K1=1.2))
        except SearchUnavailable:
            raise
        except Exception as exc:  # opening reads only the TOC and segment files: any failure is damage
            raise SearchUnavailable(f"cannot open {self.index_dir}: {exc!r}") from exc
        return self._local.searcher

    def _drop_searcher(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        self._local.searcher = None
        if searcher is not None:
            try:
                searcher.close()
            except _UNREADABLE:
                pass

    def _parser(self, schema) -> qparser.MultifieldParser:
        parser = qparser.MultifieldParser(
            list(FIELD_BOOSTS), schema, fieldboosts=FIELD_BOOSTS, group=qparser.OrGroup.factory(0.9)
        )
        # Readers type questions ("what is a sig?"), not query syntax: "?" and "*" are not
        # wildcards, "field:value" must not reach fields such as access, and "[a TO z]" is not a
        # range (a range over the body field expands to every term: ~40 s a query). "Quoted
        # phrases", AND/OR/NOT and parentheses stay; the query length is bounded by the caller.
        for plugin_type in (
            qparser.WildcardPlugin,
            qparser.FieldsPlugin,
            qparser.BoostPlugin,
            qparser.RangePlugin,
            qparser.EveryPlugin,
        ):
            parser.remove_plugin_class(plugin_type)
        return parser

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
        try:
            return self._search(
                query_text, access=access, projects=projects, kinds=kinds, page=page, page_size=page_size
            )
        except _UNREADABLE as exc:
            self._drop_searcher()
            raise SearchUnavailable(f"cannot read {self.index_dir}: {exc!r}") from exc

    def _search(
        self, query_text: str, *, access, projects, kinds, page: int, page_size: int
    ) -> SearchResults:
        page, page_size = max(1, int(page)), max(1, int(page_size))
        empty = SearchResults(
            count=0, hits=[], page=page, page_size=page_size, facets={"project": {}, "kind": {}}
        )
        if not query_text or not query_text.strip():
            return empty
        searcher = self._searcher()
        if searcher is None:
            return empty
        parser = self._parser(searcher.schema)
        original = parser.parse(query_text)
        suggestion, corrections = self._suggest(
            searcher, query_text, access_filter=self._filter(access=access, projects=None, kinds=None)
        )
        scored = [original]
        if corrections:
            scored.append(parser.parse(" ".join(corrections)))
        scored += self._proximity_queries(searcher.schema, suggestion or query_text)
        if original is query.NullQuery and not suggestion:
            return empty
        final = query.Or(scored) if len(scored) > 1 else original
        final = _without_ubiquitous_body_terms(final, searcher)

        filter_query = self._filter(access=access, projects=projects, kinds=kinds)
        # One scored pass over every match: Whoosh cannot skip blocks under the proximity
        # clauses anyway, and the full list gives the exact count and the facets.
        results = searcher.search(final, limit=None, filter=filter_query)
        start = (page - 1) * page_size
        stems = self._query_stems(searcher.schema, suggestion or query_text, extra=query_text)
        hits = [self._hit(hit, stems) for hit in results[start : start + page_size]]
        return SearchResults(
            count=len(results),
            hits=hits,
            page=page,
            page_size=page_size,
            facets=self._facet_counts(searcher, [docnum for _, docnum in results.top_n]),
            suggestion=suggestion,
        )

    def _facet_counts(self, searcher, docnums: list[int]) -> dict[str, dict[str, int]]:
        facets: dict[str, dict[str, int]] = {}
        if not docnums:  # an emptied index has no columns to read
            return {"project": {}, "kind": {}}
        reader = searcher.reader()
        for name in ("project", "kind"):
            column = reader.column_reader(name)
            counts: dict[str, int] = {}
            for docnum in docnums:
                value = column[docnum]
                if value:
                    counts[value] = counts.get(value, 0) + 1
            facets[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return facets

    def _filter(self, *, access, projects, kinds):
        parts = []
        if access is not None:
            parts.append(
                query.Or([query.Term("access", token) for token in sorted(access)] or [query.NullQuery])
            )
        if projects:
            parts.append(query.Or([query.Term("project", p) for p in projects]))
        if kinds:
            parts.append(query.Or([query.Term("kind", k) for k in kinds]))
        if not parts:
            return None
        return query.And(parts) if len(parts) > 1 else parts[0]

    def _proximity_queries(self, schema, text: str) -> list[query.Query]:
        """Reward documents where the query's words stand close together, as typed."""
        extra = []
        for fieldname, boost in PHRASE_BOOSTS.items():
            words = [token.text for token in schema[fieldname].analyzer(text, mode="query")]
            if len(words) >= 2:
                extra.append(query.Phrase(fieldname, words, slop=PHRASE_SLOP, boost=boost))
        return extra

    def _suggest(self, searcher, query_text: str, *, access_filter=None) -> tuple[str | None, list[str]]:
        """The query with unknown (or rare look-alike) words replaced by frequent near spellings,
        and the replacement words themselves (searched alongside the original words).

        Every frequency is counted over the documents the reader may see (`access_filter`),
        so a word only a hidden document contains is never offered, and the answer for a
        hidden word is the same as for a word the index has never seen.
        """
        reader = searcher.reader()
        corrections: list[str] = []
        allowed: frozenset[int] | None = None

        def frequency(word: str, cap: int | None = None) -> int:
            nonlocal allowed
            total = reader.doc_frequency("spell", word)
            if access_filter is None or not total:
                return total
            if allowed is None:  # once per search, and only when a word needs checking
                allowed = frozenset(searcher.docs_for_query(access_filter))
            seen = 0
            for docnum in reader.postings("spell", word).all_ids():
                if docnum in allowed:
                    seen += 1
                    if cap is not None and seen >= cap:
                        break
            return seen

        def replace(match: re.Match) -> str:
            word = match.group(0)
            lowered = word.lower()
            if len(lowered) < 4 or "'" in lowered:
                return word
            known = frequency(lowered, cap=4)
            if known > 3:
                return word
            best, best_freq = None, 0
            for maxdist in (1, 2) if len(lowered) >= 6 else (1,):
                for candidate in sorted(_terms_within(reader, "spell", lowered, maxdist)):
                    if candidate == lowered:
                        continue
                    freq = frequency(candidate)
                    if freq > best_freq:
                        best, best_freq = candidate, freq
                if best:
                    break
            # A known but rare word is only doubted when a look-alike is far more common.
            if best is None or (known and best_freq < 20 * known):
                return word
            corrections.append(best)
            return best.capitalize() if word[:1].isupper() and word[1:].islower() else best

        suggestion = _WORD.sub(replace, query_text)
        return (suggestion, corrections) if corrections else (None, [])

    def _query_stems(self, schema, text: str, *, extra: str = "") -> list[str]:
        stems = {token.text for token in schema["body"].analyzer(f"{text} {extra}", mode="query")}
        return sorted(stems, key=len, reverse=True)

    def _hit(self, hit, stems: list[str]) -> SearchHit:
        return SearchHit(
            uid=hit["uid"],
            title=hit.get("title") or "",
            path=hit.get("path") or "",
            url=hit.get("url") or "",
            kind=hit.get("kind") or "",
            project=hit.get("project") or "",
            score=round(float(hit.score or 0.0), 4),
            highlights=snippet(hit.get("body") or "", stems),
        )

    def stamps(self, project: str) -> dict[str, str]:
        try:
            ix = self._open_or_create()
            if ix is None:
                return {}
            with ix.searcher() as searcher:
                reader = searcher.reader()
                if not reader.doc_count():  # an empty reader has no columns to ask
                    return {}
                uids, stamps = reader.column_reader("uid"), reader.column_reader("stamp")
                return {
                    uids[docnum]: stamps[docnum]
                    for docnum in searcher.docs_for_query(query.Term("project", project))
                }
        except SearchUnavailable:
            raise
        except Exception as exc:  # only stored columns are read: any failure is damage
            raise SearchUnavailable(f"cannot read {self.index_dir}: {exc!r}") from exc

    def status(self) -> dict:
        """Opens every segment (a truncated one fails here) and reads the document count."""
        try:
            ix = self._open_or_create()
            exists = ix is not None
            documents = 0
            if exists:
                with ix.reader() as reader:
                    documents = reader.doc_count()
                    # One term lookup touches each segment's term index.
                    reader.doc_frequency("project", "")
            return {
                "ok": True, "backend": "whoosh", "exists": exists, "documents": documents,
                "path": str(self.index_dir),
            }  # fmt: skip
        except Exception as exc:  # health checks report, never raise
            return {"ok": False, "backend": "whoosh", "error": str(exc), "path": str(self.index_dir)}

    def document_count(self) -> int:
        ix = self._open_or_create()
        return ix.doc_count() if ix is not None else 0


UBIQUITOUS_SHARE = 0.6  # a body word found in more than this share of documents...
BODY_FIELDS = {"body", "path"}


def _without_ubiquitous_body_terms(q: query.Query, searcher) -> query.Query:
    """Drop body/path clauses for words nearly every document contains ("kubernetes" in the
    Kubernetes docs), when the query has other words.

    Such a clause barely changes the ranking (its IDF is near zero) yet makes the search
    score every document; the word still counts where it is rare and telling: in titles
    and headings.
    """
    limit = max(50, int(searcher.doc_count() * UBIQUITOUS_SHARE))
    terms = {(f, t) for f, t in q.iter_all_terms() if f in BODY_FIELDS}
    common = {(f, t) for f, t in terms if searcher.doc_frequency(f, t) > limit}
    if not common or len({t for _, t in common}) == len({t for _, t in terms}):
        return q

    def prune(node):
        if isinstance(node, query.Term) and (node.fieldname, node.text) in common:
            return query.NullQuery
        if isinstance(node, query.CompoundQuery):
            node = node.copy()
            node.subqueries = [prune(child) for child in node.subqueries]
        return node

    return prune(q).normalize()


def _terms_within(reader, fieldname: str, word: str, maxdist: int) -> set[str]:
    """Words within `maxdist` edits sharing the first letter, from every segment.

    Each segment answers with a Levenshtein automaton; MultiReader would fall back to
    measuring the distance to every word in the index.
    """
    found: set[str] = set()
    for leaf, _offset in reader.leaf_readers():
        found.update(leaf.terms_within(fieldname, word, maxdist, prefix=1))
    return found


def snippet(text: str, stems: list[str], *, width: int = SNIPPET_CHARS) -> str:
    """Escaped text around the densest cluster of query words, with <mark> around each.

    Words are matched by stem prefix ("review" marks reviewer, reviewing), a regex pass
    that stays fast on long documents where re-analysing the text would not.
    """
    text = text[:HIGHLIGHT_CHARS]
    if not text:
        return ""
    pattern = (
        re.compile(r"\b(?:" + "|".join(re.escape(s) for s in stems) + r")\w*", re.IGNORECASE)
        if stems
        else None
    )
    matches = list(pattern.finditer(text)) if pattern else []
    if not matches:
        return html.escape(text[:width]) + ("…" if len(text) > width else "")
    best_start, best_score = matches[0].start(), 0
    window_words: dict[str, int] = {}
    right = 0
    for left, first in enumerate(matches):  # a sliding window over the matches: linear time
        while right < len(matches) and matches[right].end() <= first.start() + width:
            word = matches[right].group(0).lower()
            window_words[word] = window_words.get(word, 0) + 1
            right += 1
        if right <= left:  # a single match longer than the window: never the centre
            right = left + 1
            continue
        score = len(window_words) * 10 + (right - left)
        if score > best_score:
            best_start, best_score = first.start(), score
        word = first.group(0).lower()
        window_words[word] -= 1
        if not window_words[word]:
            del window_words[word]
    start = max(0, best_start - width // 4)
    # Do not cut a word in half at the front.
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < best_start else start
    end = min(len(text), start + width)
    parts, cursor = [], start
    for m in matches:
        if m.start() < start or m.end() > end:
            continue
        parts.append(html.escape(text[cursor : m.start()]))
        parts.append(f"<mark>{html.escape(m.group(0))}</mark>")
        cursor = m.end()
    parts.append(html.escape(text[cursor:end]))
    return ("…" if start else "") + "".join(parts).strip() + ("…" if end < len(text) else "")


SearchBackend = WhooshSearchBackend
