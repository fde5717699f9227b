"""Foundation-sized run: Glacier on PostgreSQL, Redis and real Celery workers, at scale.

    python bench/scale.py --size small|full --database-url postgres://USER@HOST:PORT/NAME \\
        [--broker-url redis://HOST:6379/N] [--workers 2] [--indexers 1] [--seed 16]

The database named by --database-url is DROPPED and re-created (it must be a throw-away one);
--broker-url defaults to CELERY_BROKER_URL, and every queue gets a prefix of this run's own.

What it does, as an operator would run it:
1. generates the dataset: per project a folder of Markdown documents whose paragraphs are
   sampled from the real corpora (--corpus, default ../shared/corpus/; a vocabulary
   generator when that folder is absent), and a GitHub repository of issues and comments (one issue in five,
   four comments per issue, texts from the same sampler) served by the local GitHub
   stand-in (tests/github_stub);
2. migrates the database and starts the process roles of the Procfile: a `worker`
   (queues ingest, compact, email, default; --workers prefork processes) and an
   `indexer` (queue index; --indexers processes: the PostgreSQL search backend,
   GLACIER_SEARCH_BACKEND=kb.search.backends.postgres, lets it run more than one);
3. queues a sync of every project's documents, then (once those are stored and indexed) a
   GitHub sync of every project, then a nightly compaction of every project, timing each
   phase until its last index write is done (index entries = documents);
4. meanwhile searches without pause from this process (kb.services.search.search_run, as
   the API does, anonymous) with two-word queries sampled from the same text, and samples
   the resident memory of every worker process every 0.5 s.

It prints: ingest throughput (documents/s for the document syncs, items/s for the GitHub
syncs, both end to end: queued to searchable), compaction time, search p50/p95 while
ingesting, and the peak RSS of the worker processes (the largest single process and the
largest sum over all of them at one moment).

Sizes:
- small: 10 projects, 5,000 documents, 50,000 issues and comments (10,000 + 40,000);
  a few minutes. One run (2 CPUs shared with four other engineers' test runs, load
  average ~10; --workers 2 --indexers 1): documents 61.5 s = 81 docs/s, GitHub 246.1 s =
  203 items/s, compaction 82.0 s, search while ingesting p50 304 ms / p95 1540 ms over
  669 searches, worker RSS peak 251 MiB per process / 860 MiB for all of them.
- full:  200 projects, 100,000 documents, 1,000,000 issues and comments
  (200,000 + 800,000). Not run yet: it was written on a 2-core machine shared by several
  engineers, where it would take hours; run it on a machine of its own with e.g.
  --workers 8 --indexers 2 and put the figures here. Expect the GitHub stand-in (in this
  process) and PostgreSQL to need ~4 GB of memory between them.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_CORPUS_DIR = ROOT.parent / "shared" / "corpus"
COMMENTS_PER_ISSUE = 4
SAMPLE_SECONDS = 0.5
PHASE_TIMEOUT_SECONDS = 6 * 3600
WORKER_START_SECONDS = 60


@dataclass(frozen=True)
class Size:
    projects: int
    documents: int
    items: int  # issues + comments

    @property
    def issues(self) -> int:
        return self.items // (COMMENTS_PER_ISSUE + 1)


SIZES = {
    "small": Size(projects=10, documents=5_000, items=50_000),
    "full": Size(projects=200, documents=100_000, items=1_000_000),
}


class TextSampler:
    """Paragraphs and headings from the real corpora; a vocabulary generator without them."""

    def __init__(self, rng: random.Random, corpus_dir: Path):
        self.rng = rng
        self.paragraphs: list[str] = []
        self.headings: list[str] = []
        if corpus_dir.is_dir():
            for path in sorted(corpus_dir.rglob("*.md")):
                try:
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue
                for block in re.split(r"\n\s*\n", text):
                    block = block.strip()
                    if block.startswith("#"):
                        self.headings.append(block.lstrip("#").strip()[:120])
                    elif 80 <= len(block) <= 2000 and not block.startswith(("```", "|", "<")):
                        self.paragraphs.append(block)
        self.source = (
            f"{len(self.paragraphs)} paragraphs from {corpus_dir}" if self.paragraphs else "generated"
        )
        if not self.paragraphs:
            vocabulary = (
                "release review maintainer owner approve merge branch test flaky build cluster node "
                "controller api deprecation policy security patch backport milestone triage label "
                "issue proposal design meeting community governance election contributor docs"
            ).split()
            for _ in range(2000):
                words = [rng.choice(vocabulary) for _ in range(rng.randint(15, 80))]
                self.paragraphs.append(" ".join(words).capitalize() + ".")
            self.headings = [" ".join(rng.sample(vocabulary, 3)).title() for _ in range(300)]
        self.words = sorted(
            {w.lower() for p in self.paragraphs[:3000] for w in re.findall(r"[A-Za-z]{5,}", p)}
        )

    def document(self, title: str) -> str:
        parts = [f"# {title}\n"]
        for _ in range(self.rng.randint(2, 6)):
            parts.append(f"## {self.rng.choice(self.headings or ['Notes'])}\n")
            parts.extend(self.rng.choice(self.paragraphs) + "\n" for _ in range(self.rng.randint(1, 3)))
        return "\n".join(parts)

    def paragraph(self) -> str:
        return self.rng.choice(self.paragraphs)

    def query(self) -> str:
        return " ".join(self.rng.sample(self.words, 2))


def _recreate_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    maintenance = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def _generate(size: Size, sampler: TextSampler, scratch: Path, stub) -> list[tuple[str, Path, str]]:
    """Write every project's documents and fill the stand-in's repositories; (slug, folder, repo) each."""
    rng = sampler.rng
    projects = []
    moment = datetime(2022, 1, 1, tzinfo=UTC)
    for number in range(size.projects):
        slug = f"scale-{number:03d}"
        folder = scratch / "repos" / slug
        documents = size.documents // size.projects + (1 if number < size.documents % size.projects else 0)
        for index in range(documents):
            path = folder / "docs" / f"area-{index % 20:02d}" / f"page-{index:05d}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(sampler.document(f"{slug} page {index}"), encoding="utf-8")
        full_name = f"scale/{slug}"
        repo = stub.add_repo(full_name)
        issues = size.issues // size.projects + (1 if number < size.issues % size.projects else 0)
        for issue in range(1, issues + 1):
            moment += timedelta(seconds=11)
            repo.add_issue(
                issue, sampler.paragraph()[:90], body=sampler.paragraph(), updated_at=moment,
                labels=(rng.choice(["bug", "feature", "docs"]),), user=f"user{rng.randint(1, 500)}",
                pull_request=issue % 5 == 0,
            )  # fmt: skip
            for _ in range(COMMENTS_PER_ISSUE):
                moment += timedelta(seconds=3)
                repo.add_comment(
                    issue, sampler.paragraph(), updated_at=moment, user=f"user{rng.randint(1, 500)}"
                )
        projects.append((slug, folder, full_name))
    return projects


class MemorySampler(threading.Thread):
    """Peak resident memory of the worker process trees (from /proc, every SAMPLE_SECONDS)."""

    def __init__(self, roots: list[int]):
        super().__init__(daemon=True)
        self.roots = roots
        self.peak_total = 0
        self.peak_process = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(SAMPLE_SECONDS):
            sizes = [_rss_bytes(pid) for pid in _descendants(self.roots)]
            self.peak_total = max(self.peak_total, sum(sizes))
            self.peak_process = max([self.peak_process, *sizes])


def _descendants(roots: list[int]) -> list[int]:
    children: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(status.parent.name))
    found, stack = [], list(roots)
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Searcher(threading.Thread):
    """Searches without pause, as an anonymous API client; keeps each search's latency."""

    def __init__(self, sampler: TextSampler):
        super().__init__(daemon=True)
        self.queries = [sampler.query() for _ in range(500)]
        self.latencies: list[float] = []
        self.unavailable = 0
        self.measuring = threading.Event()
        self.stopping = threading.Event()

    def run(self) -> None:
        from django.contrib.auth.models import AnonymousUser
        from django.db import connection

        from kb.search.backends.base import SearchUnavailable
        from kb.services.search import search_run

        anonymous = AnonymousUser()
        position = 0
        try:
            while not self.stopping.is_set():
                query = self.queries[position % len(self.queries)]
                position += 1
                started = time.perf_counter()
                try:
                    search_run(user=anonymous, query=query, via="api")
                except SearchUnavailable:  # nothing indexed yet: the API answers 503 then
                    self.unavailable += 1
                    continue
                if self.measuring.is_set():
                    self.latencies.append(time.perf_counter() - started)
        finally:
            connection.close()


def _start_worker(name: str, queues: list[str], concurrency: int, env: dict, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=WARNING",
             "--without-gossip", "--without-mingle", f"--concurrency={concurrency}", "-n", f"{name}@%h",
             "--queues", ",".join(queues)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def _wait(predicate, what: str, processes: list[subprocess.Popen], timeout: float = PHASE_TIMEOUT_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise SystemExit(f"a worker exited with {process.returncode} while waiting for {what}")
        if predicate():
            return
        time.sleep(0.25)
    raise SystemExit(f"timed out waiting for {what}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--database-url", required=True, help="postgres://... (dropped and re-created)")
    parser.add_argument("--broker-url", default=os.environ.get("CELERY_BROKER_URL", ""))
    parser.add_argument("--workers", type=int, default=2, help="prefork processes of the ingest worker")
    parser.add_argument("--indexers", type=int, default=1, help="processes consuming the index queue")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS_DIR, help="Markdown to sample text from"
    )
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("--database-url must point at PostgreSQL")
    if not args.broker_url.startswith("redis://"):
        raise SystemExit("--broker-url (or CELERY_BROKER_URL) must point at Redis")
    size = SIZES[args.size]
    scratch = Path(tempfile.mkdtemp(prefix="glacier-scale-"))
    prefix = f"scale-{secrets.token_hex(4)}-"

    from tests.github_stub import GitHubStub

    stub = GitHubStub(rate_limit=10_000_000).start()
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "CELERY_BROKER_URL": args.broker_url,
        "CELERY_RESULT_BACKEND": args.broker_url,
        "GLACIER_SEARCH_BACKEND": "kb.search.backends.postgres",
        "GLACIER_VAR_DIR": str(scratch / "var"),
        "GLACIER_QUEUE_PREFIX": prefix,
        "GITHUB_API_URL": stub.base_url,
        "GITHUB_TOKEN": "scale-bench",
        "GLACIER_LOCAL_REPOSITORY_ROOTS": str(scratch / "repos"),  # the operator allows the generated folders
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "bench-" + secrets.token_urlsafe(48),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_DEBUG", None)  # DEBUG keeps every query in memory
    os.environ.update(env)

    started = time.perf_counter()
    sampler = TextSampler(random.Random(args.seed), args.corpus)
    projects = _generate(size, sampler, scratch, stub)
    generate_seconds = time.perf_counter() - started

    _recreate_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    from config.celery import app
    from config.queues import INDEX, queue_names
    from kb.models import CompactionRun, Document, Project, SearchEntry, SyncRun
    from kb.tasks import glacier_compact_all, sync_github_project, sync_project

    call_command("migrate", verbosity=0)
    for slug, folder, full_name in projects:
        Project.objects.create(slug=slug, name=slug, repository=str(folder), github_repo=full_name)

    logs = scratch / "logs"
    logs.mkdir()
    worker = _start_worker(
        "worker",
        [q for q in queue_names(prefix) if q != prefix + INDEX],
        args.workers,
        env,
        logs / "worker.log",
    )
    indexer = _start_worker("indexer", [prefix + INDEX], args.indexers, env, logs / "indexer.log")
    processes = [worker, indexer]
    try:
        _wait(
            lambda: len(app.control.ping(timeout=1.0)) >= 2,
            "the workers to answer",
            processes,
            WORKER_START_SECONDS,
        )
        memory = MemorySampler([worker.pid, indexer.pid])
        memory.start()
        searcher = Searcher(sampler)
        searcher.start()

        def indexed() -> bool:
            return SearchEntry.objects.count() >= Document.objects.count()

        def runs_done(source: str) -> bool:
            runs = SyncRun.objects.filter(source=source)
            return runs.exclude(status=SyncRun.Status.RUNNING).count() >= size.projects

        searcher.measuring.set()
        started = time.perf_counter()
        for project in Project.objects.order_by("pk"):
            sync_project.delay(project.pk)
        _wait(lambda: runs_done(Document.Source.LOCAL) and indexed(), "the document syncs", processes)
        docs_seconds = time.perf_counter() - started
        documents = Document.objects.filter(source=Document.Source.LOCAL).count()

        started = time.perf_counter()
        for project in Project.objects.order_by("pk"):
            sync_github_project.delay(project.pk)
        _wait(lambda: runs_done(Document.Source.GITHUB) and indexed(), "the GitHub syncs", processes)
        items_seconds = time.perf_counter() - started
        searcher.measuring.clear()
        items = Document.objects.filter(source=Document.Source.GITHUB).count()

        started = time.perf_counter()
        glacier_compact_all.delay()
        _wait(
            lambda: (
                CompactionRun.objects.filter(finished_at__isnull=False).count() >= size.projects and indexed()
            ),
            "the compactions",
            processes,
        )
        compact_seconds = time.perf_counter() - started
        searcher.stopping.set()
        memory.stopping.set()
        searcher.join(timeout=60)
        memory.join(timeout=5)
        failed = SyncRun.objects.exclude(status=SyncRun.Status.SUCCEEDED).count()
        entries = SearchEntry.objects.count()
    finally:
        for process in processes:
            _stop(process)
        stub.stop()
        if sys.exc_info()[0] is not None:
            print(f"worker logs kept in {logs}", file=sys.stderr)

    latencies = sorted(searcher.latencies)
    p50 = statistics.median(latencies) * 1000 if latencies else float("nan")
    p95 = latencies[int(0.95 * (len(latencies) - 1))] * 1000 if latencies else float("nan")
    mib = 1024 * 1024
    print(f"Glacier at scale — size {args.size}: {size.projects} projects, {documents} documents, "
          f"{items} issues and comments; PostgreSQL search backend, Redis, "
          f"worker x{args.workers}, indexer x{args.indexers}; {os.cpu_count()} CPUs")  # fmt: skip
    print(f"dataset generated in {generate_seconds:.1f}s (text: {sampler.source})")
    print(f"{'phase':<44}{'seconds':>9}{'per second':>14}")
    print(
        f"{'document syncs, queued to searchable':<44}{docs_seconds:>9.1f}{documents / docs_seconds:>10.0f} docs"
    )
    print(
        f"{'GitHub syncs, queued to searchable':<44}{items_seconds:>9.1f}{items / items_seconds:>10.0f} items"
    )
    print(f"{'compaction of every project':<44}{compact_seconds:>9.1f}")
    print(
        f"search while ingesting: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(latencies)} searches"
        f" ({searcher.unavailable} answered 'index unavailable' before the first entries)"
    )
    print(f"worker RSS peak: {memory.peak_process / mib:.0f} MiB largest process, "
          f"{memory.peak_total / mib:.0f} MiB all worker processes together")  # fmt: skip
    print(f"sync runs not succeeded: {failed}; search entries: {entries} (documents + pages)")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
