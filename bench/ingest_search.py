"""Ingest and search benchmark, with a bare-Whoosh baseline measured in the same run.

    python bench/ingest_search.py [CORPUS_DIR] [--queries FILE] [--latency-queries N]

Default corpus: ../shared/corpus/kubernetes__community (relative to the repo root).
Runs against a temporary database and index (never the developer's var/).

Reports: first-sync time and docs/s, no-change re-sync time, search latency
p50/p95 over varied queries through the search API (django.test.Client on
/api/search/ when kb.api serves it, else the search service), bare Whoosh
indexing of the same files with a plain schema, and MRR@10 / recall@10 for
Glacier and for the bare baseline on bench/queries/<corpus>.tsv.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# ../shared next to the repository; a git worktree (one level deeper) looks one level further up.
DEFAULT_CORPUS = next(
    (
        base / "shared" / "corpus" / "kubernetes__community"
        for base in (REPO_ROOT.parent, REPO_ROOT.parent.parent)
        if (base / "shared" / "corpus" / "kubernetes__community").is_dir()
    ),
    REPO_ROOT.parent / "shared" / "corpus" / "kubernetes__community",
)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument(
        "--queries", help="TSV of query<TAB>relevant;paths (default bench/queries/<corpus>.tsv)"
    )
    parser.add_argument("--latency-queries", type=int, default=240)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--postgres",
        metavar="SERVER_URL",
        help="also measure the PostgreSQL search backend: postgres://user@host:port (a throw-away database "
        "is created on that server and dropped afterwards)",
    )
    args = parser.parse_args()
    corpus = Path(args.corpus).resolve()
    if not corpus.is_dir():
        print(f"corpus not found: {corpus}", file=sys.stderr)
        return 2
    queries_file = (
        Path(args.queries) if args.queries else REPO_ROOT / "bench" / "queries" / f"{corpus.name}.tsv"
    )

    workdir = Path(tempfile.mkdtemp(prefix="glacier-bench-"))
    # A private database and index: set before Django reads its settings.
    os.environ["GLACIER_VAR_DIR"] = str(workdir / "var")
    os.environ["GLACIER_INDEX_DIR"] = str(workdir / "var" / "index")
    os.environ.pop("DATABASE_URL", None)
    os.environ["GLACIER_SEARCH_BACKEND"] = "kb.search.backends.whoosh"
    scratch_db = None
    if args.postgres:
        scratch_db = _create_scratch_database(args.postgres)
        os.environ["DATABASE_URL"] = f"{args.postgres.rstrip('/')}/{scratch_db}"
        os.environ["GLACIER_SEARCH_BACKEND"] = "kb.search.backends.postgres"
        print(f"Backend: PostgreSQL full-text search in the scratch database {scratch_db}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # A throw-away key: settings refuse to start without one outside DEBUG (and DEBUG would
    # slow the ORM down with query logging).
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + secrets.token_urlsafe(48))
    (workdir / "var").mkdir(parents=True)
    sys.path.insert(0, str(REPO_ROOT))
    try:
        return run(corpus=corpus, queries_file=queries_file, workdir=workdir, latency_n=args.latency_queries)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        if scratch_db:
            from django.db import connections

            connections.close_all()
            _drop_scratch_database(args.postgres, scratch_db)


def run(*, corpus: Path, queries_file: Path, workdir: Path, latency_n: int) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from kb.models import Document
    from kb.services.search import search_run
    from kb.services.sync import sync_target

    print(f"Corpus: {corpus}")
    # The machine may be shared: the baseline runs before and after the first sync, and its
    # mean is the yardstick, so a passing load spike does not favour either side.
    baseline = BareWhoosh(workdir / "bare-index-before")
    started = time.perf_counter()
    bare_docs = baseline.index_tree(corpus)
    bare_before = time.perf_counter() - started

    phases = _time_phases()
    started = time.perf_counter()
    first = sync_target(str(corpus), slug="bench")
    first_s = time.perf_counter() - started
    first_phases = dict(phases)
    docs = Document.objects.filter(project__slug="bench").count()
    started = time.perf_counter()
    again = sync_target(str(corpus), slug="bench")
    resync_s = time.perf_counter() - started

    baseline = BareWhoosh(workdir / "bare-index")
    started = time.perf_counter()
    baseline.index_tree(corpus)
    bare_after = time.perf_counter() - started
    bare_s = (bare_before + bare_after) / 2
    print(f"bare Whoosh indexing: {bare_before:.2f}s before and {bare_after:.2f}s after the first sync")
    print()
    print(f"{'':34}{'Glacier':>12}{'bare Whoosh':>14}{'ratio':>9}")
    print(
        f"{'first sync / index (s)':34}{first_s:>12.2f}{bare_s:>14.2f}{first_s / bare_s:>8.2f}x  (target <= 2x)"
    )
    print(f"{'documents':34}{docs:>12}{bare_docs:>14}")
    print(f"{'docs/s':34}{docs / first_s:>12.1f}{bare_docs / bare_s:>14.1f}")
    print(
        f"{'no-change re-sync (s)':34}{resync_s:>12.2f}{'':>14}{resync_s / first_s:>8.1%}   (target <= 5% of first)"
    )
    print(
        f"  first sync phases: Markdown->sanitised HTML {first_phases.get('render', 0):.2f}s "
        f"(the baseline renders nothing), search indexing {first_phases.get('index', 0):.2f}s, "
        f"everything else (read, git, database) {first_s - sum(first_phases.values()):.2f}s; "
        f"without rendering {(first_s - first_phases.get('render', 0)) / bare_s:.2f}x the baseline"
    )
    print(
        f"  first sync: added {first.added}, skipped {first.skipped}, warnings {len(first.errors)}; "
        f"re-sync: unchanged {again.unchanged}, added {again.added}, updated {again.updated}"
    )

    judged = load_queries(queries_file)
    latency_queries = varied_queries(judged=[q for q, _ in judged], n=latency_n)
    search, via = search_client(search_run)
    search("warm up")
    timings = []
    for text in latency_queries:
        started = time.perf_counter()
        search(text)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]
    bare_timings = []
    for text in latency_queries:
        started = time.perf_counter()
        baseline.search(text)
        bare_timings.append((time.perf_counter() - started) * 1000)
    bare_timings.sort()
    print()
    print(f"Search latency over {len(timings)} queries via {via}:")
    print(f"  p50 {p50:.1f} ms, p95 {p95:.1f} ms (target p95 <= 50 ms); "
          f"bare Whoosh p50 {statistics.median(bare_timings):.1f} ms, "
          f"p95 {bare_timings[int(len(bare_timings) * 0.95) - 1]:.1f} ms")  # fmt: skip

    if judged:
        glacier_paths = lambda text: [hit["path"] for hit in search(text)[:10]]  # noqa: E731
        g_mrr, g_recall, g_rows = quality(judged, glacier_paths)
        b_mrr, b_recall, b_rows = quality(judged, lambda text: baseline.search(text)[:10])
        print()
        print(f"Search quality on {len(judged)} judged queries ({queries_file.name}):")
        print(f"{'':34}{'Glacier':>12}{'bare Whoosh':>14}{'delta':>9}")
        print(f"{'MRR@10':34}{g_mrr:>12.3f}{b_mrr:>14.3f}{g_mrr - b_mrr:>+9.3f}  (target >= +0.10)")
        print(f"{'recall@10':34}{g_recall:>12.3f}{b_recall:>14.3f}{g_recall - b_recall:>+9.3f}")
        if os.environ.get("BENCH_VERBOSE"):
            for (text, g_rank), (_, b_rank) in zip(g_rows, b_rows, strict=True):
                print(f"  {g_rank or '-':>3} {b_rank or '-':>3}  {text}")
    return 0


def _create_scratch_database(server_url: str) -> str:
    import psycopg

    name = f"glacier_bench_{os.getpid()}"
    with psycopg.connect(f"{server_url.rstrip('/')}/postgres", autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def _drop_scratch_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server_url.rstrip('/')}/postgres", autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _time_phases() -> dict[str, float]:
    """Accumulate time spent rendering Markdown and writing the search index during syncs."""
    from kb.search import get_search_backend
    from kb.services import documents

    phases: dict[str, float] = {}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    documents._render_many = timed("render", documents._render_many)
    backend = get_search_backend()
    backend.index = timed("index", backend.index)
    return phases


def search_client(search_run):
    """Search through the HTTP API when the portal serves it, else through the search service."""
    from django.contrib.auth.models import AnonymousUser
    from django.test import Client
    from django.urls import NoReverseMatch, resolve, reverse
    from django.urls.exceptions import Resolver404

    try:
        url = reverse("api-search") if _has_name("api-search") else "/api/search/"
        resolve(url)
        client = Client()
        probe = client.get(url, {"q": "contributor"})
        if probe.status_code == 200 and "results" in probe.json():

            def via_api(text):
                return client.get(url, {"q": text}).json()["results"]

            return via_api, f"the HTTP API ({url}, django.test.Client)"
    except (Resolver404, NoReverseMatch, ValueError, KeyError):
        pass

    def via_service(text):
        results = search_run(user=AnonymousUser(), query=text, via="api")
        return [{"path": hit.path, "title": hit.title} for hit in results.hits]

    return via_service, "the search service kb.services.search.search_run (no /api/search/ yet)"


def _has_name(name: str) -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse(name)
        return True
    except NoReverseMatch:
        return False


def load_queries(path: Path) -> list[tuple[str, set[str]]]:
    if not path.exists():
        print(f"(no judged queries at {path}; quality not measured)")
        return []
    judged = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, answers = line.split("\t", 1)
        judged.append((text.strip(), {a.strip() for a in answers.split(";") if a.strip()}))
    return judged


def varied_queries(*, judged: list[str], n: int) -> list[str]:
    """Judged questions plus titles, heading phrases, single words, pairs and typos from the corpus."""
    from kb.models import Document

    rng = random.Random(20261124)
    titles = list(Document.objects.values_list("title", flat=True))
    headings = [h for hs in Document.objects.values_list("headings", flat=True) for h in hs.splitlines() if h]
    words = sorted({w.lower() for t in titles + headings for w in re.findall(r"[A-Za-z]{4,}", t)})
    out = list(judged)
    while len(out) < n:
        choice = rng.randrange(5)
        if choice == 0 and titles:
            out.append(rng.choice(titles))
        elif choice == 1 and headings:
            out.append(rng.choice(headings))
        elif choice == 2:
            out.append(rng.choice(words))
        elif choice == 3:
            out.append(f"{rng.choice(words)} {rng.choice(words)}")
        else:
            word = rng.choice([w for w in words if len(w) > 5] or words)
            i = rng.randrange(1, len(word) - 1)
            out.append(word[:i] + word[i + 1 :])  # a dropped letter
    return out[:n]


def quality(judged, search_paths):
    reciprocal, recalls, rows = [], [], []
    for text, relevant in judged:
        paths = search_paths(text)
        rank = next((i for i, path in enumerate(paths, start=1) if path in relevant), None)
        reciprocal.append(1.0 / rank if rank else 0.0)
        recalls.append(len(relevant.intersection(paths)) / len(relevant))
        rows.append((text, rank))
    return statistics.mean(reciprocal), statistics.mean(recalls), rows


class BareWhoosh:
    """The baseline: the same files in a plain schema, default analyzer, no boosts, no stemming."""

    def __init__(self, index_dir: Path):
        from whoosh.fields import ID, TEXT, Schema

        self.index_dir = index_dir
        self.schema = Schema(path=ID(stored=True, unique=True), title=TEXT(stored=True), body=TEXT)
        self.ix = None

    def index_tree(self, root: Path) -> int:
        from whoosh import index

        from kb.sources.local import SKIP_DIRS, classify

        self.index_dir.mkdir(parents=True, exist_ok=True)
        self.ix = index.create_in(self.index_dir, self.schema)
        writer = self.ix.writer()
        count = 0
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
            for filename in filenames:
                full = Path(dirpath, filename)
                relative = full.relative_to(root).as_posix()
                if not classify(relative):
                    continue
                try:
                    text = full.read_text(encoding="utf-8")
                except (UnicodeDecodeError, OSError):
                    continue
                match = re.search(r"^# (.+)$", text, re.M)
                writer.add_document(path=relative, title=match.group(1) if match else filename, body=text)
                count += 1
        writer.commit()
        return count

    def search(self, text: str) -> list[str]:
        from whoosh import qparser

        parser = qparser.MultifieldParser(["title", "body"], self.ix.schema, group=qparser.OrGroup)
        with self.ix.searcher() as searcher:
            return [hit["path"] for hit in searcher.search(parser.parse(text), limit=10)]


if __name__ == "__main__":
    raise SystemExit(main())
