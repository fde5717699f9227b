"""GitHub ingest benchmark: 5,000 issues with 20,000 comments through the API stand-in server.

    python bench/github_ingest.py [--issues 5000] [--comments 20000] [--no-index] [--latency 0.2]

Prints, for a full sync, a no-change re-sync, a small incremental sync and a
full sync under injected faults: wall time, items/s and HTTP requests; and, in
the same run, the baseline: bare PyGithub paging through the same listings
(per_page=100, nothing stored), plus the minimum possible request count.
Uses a throwaway SQLite database and search index under a temp directory.
"""

from __future__ import annotations

import argparse
import math
import os
import secrets
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=5000)
    parser.add_argument("--comments", type=int, default=20000)
    parser.add_argument("--no-index", action="store_true", help="skip search indexing (measure ingest alone)")
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds the stand-in adds to every answer (GitHub: ~0.2-0.5)",
    )
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="gh-ingest-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    os.environ["GLACIER_INDEX_DIR"] = str(scratch / "index")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # A throw-away key: settings refuse to start without one outside DEBUG (and DEBUG would
    # slow the ORM down with query logging).
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + secrets.token_urlsafe(48))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if args.no_index:
        from kb.services import search_index

        search_index.index_documents_on_commit = lambda ids: None  # measure ingest alone

    from github import Auth, Github

    from kb.models import Document, Project
    from kb.services.github_sync import github_sync
    from tests.github_stub import Fault, GitHubStub

    with GitHubStub(rate_limit=100_000, latency=args.latency) as stub:
        settings.GITHUB_API_URL = stub.base_url
        settings.GITHUB_TOKEN = "bench-token"
        settings.GITHUB_RETRY_BACKOFF = 0.05
        repo = stub.add_repo("bench/big")
        moment = datetime(2023, 1, 1, tzinfo=UTC)
        per_issue = args.comments // args.issues
        extra = args.comments - per_issue * args.issues
        for number in range(1, args.issues + 1):
            moment += timedelta(seconds=7)
            repo.add_issue(
                number,
                f"Issue {number}: widget {number % 97} fails",
                body=f"Steps to reproduce {number}.\n\n```\nwidget --run {number}\n```\n"
                + "More detail. " * 40,
                updated_at=moment,
                labels=("bug", f"area/{number % 13}"),
                user=f"user{number % 211}",
                pull_request=number % 6 == 0,
            )
            for _ in range(per_issue + (1 if number <= extra else 0)):
                moment += timedelta(seconds=3)
                repo.add_comment(
                    number, f"Comment on {number}: " + "I see this too. " * 15, updated_at=moment
                )
        repo.set_files({f"docs/page{n}.md": f"# Page {n}\n\n" + "Words. " * 200 for n in range(40)})
        items = args.issues + args.comments
        minimum = 1 + math.ceil(args.issues / 100) + math.ceil(args.comments / 100)

        # Baseline: PyGithub alone paging through the same listings, storing nothing.
        stub.clear_log()
        started = time.perf_counter()
        gh = Github(auth=Auth.Token("bench-token"), base_url=stub.base_url, per_page=100, retry=None,
                    seconds_between_requests=None, seconds_between_writes=None)  # fmt: skip
        bare_repo = gh.get_repo("bench/big")
        fetched = sum(1 for _ in bare_repo.get_issues(state="all")) + sum(
            1 for _ in bare_repo.get_issues_comments()
        )
        bare_seconds = time.perf_counter() - started
        bare_requests = len(stub.requests)
        assert fetched == items, fetched

        project = Project.objects.create(slug="big", name="Big")
        stub.clear_log()
        started = time.perf_counter()
        run = github_sync(project=project, full_name="bench/big", include_docs=True)
        full_seconds = time.perf_counter() - started
        full_requests = len(stub.requests)
        stored = Document.objects.filter(
            project=project, kind__in=["issue", "pull_request", "comment"]
        ).count()
        assert stored == items and run.status == "succeeded", (stored, run.errors)

        stub.clear_log()
        started = time.perf_counter()
        github_sync(project=project, full_name="bench/big", include_docs=True)
        noop_seconds = time.perf_counter() - started
        noop_requests = len(stub.requests)

        for number in range(1, 11):
            moment += timedelta(seconds=5)
            repo.issues[number]["title"] += " (edited)"
            repo.issues[number]["updated_at"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        for n in range(50):
            moment += timedelta(seconds=5)
            repo.add_comment(1 + n * 7, "A new finding.", updated_at=moment)
        stub.clear_log()
        started = time.perf_counter()
        incremental = github_sync(project=project, full_name="bench/big", include_docs=True)
        incremental_seconds = time.perf_counter() - started
        incremental_requests = len(stub.requests)

        faulty = Project.objects.create(slug="faulty", name="Faulty")
        stub.inject(
            Fault.secondary(path=r"/issues$", skip=10, retry_after=0),
            Fault.bad_gateway(path=r"/issues/comments$", skip=40, times=2),
            Fault.truncated(path=r"/issues/comments$", skip=100),
            Fault.rate_limit(path=r"/issues/comments$", skip=150, reset_in=0),
        )
        stub.clear_log()
        started = time.perf_counter()
        faulty_run = github_sync(project=faulty, full_name="bench/big", include_docs=False)
        faulty_seconds = time.perf_counter() - started
        faulty_requests = len(stub.requests)
        faulty_stored = Document.objects.filter(project=faulty).count()
        faulty_expected = len(repo.issues) + len(repo.comments)
        faulty_distinct = len(set(Document.objects.filter(project=faulty).values_list("key", flat=True)))

    print(f"GitHub ingest benchmark — {args.issues} issues, {args.comments} comments"
          f"{' (search indexing off)' if args.no_index else ' (with search indexing)'}"
          f", {args.latency * 1000:.0f} ms added latency per request")  # fmt: skip
    print(f"{'run':<34}{'seconds':>9}{'items/s':>10}{'requests':>10}")
    print(
        f"{'baseline: bare PyGithub, no storing':<34}{bare_seconds:>9.2f}{items / bare_seconds:>10.0f}{bare_requests:>10}"
    )
    print(
        f"{'full sync (store + docs)':<34}{full_seconds:>9.2f}{items / full_seconds:>10.0f}{full_requests:>10}"
    )
    print(f"{'no-change re-sync':<34}{noop_seconds:>9.3f}{'-':>10}{noop_requests:>10}")
    print(
        f"{'incremental (10 edits, 50 new)':<34}{incremental_seconds:>9.3f}{'-':>10}{incremental_requests:>10}"
    )
    print(
        f"{'full sync, 4 kinds of fault':<34}{faulty_seconds:>9.2f}{items / faulty_seconds:>10.0f}{faulty_requests:>10}"
    )
    print()
    print(
        f"minimum possible requests for the listings: {minimum} (repo + ceil(issues/100) + ceil(comments/100))"
    )
    issue_and_comment_requests = run.cursor["requests_by_kind"].get("issues", 0) + run.cursor[
        "requests_by_kind"
    ].get("comments", 0)
    print(f"full sync listing requests: {issue_and_comment_requests + 1} = {(issue_and_comment_requests + 1) / minimum:.3f}x minimum"
          f" (+{full_requests - issue_and_comment_requests - 1} for docs: branch, tree, {len(repo.files)} blobs)")  # fmt: skip
    print(f"full sync time vs bare PyGithub paging: {full_seconds / bare_seconds:.2f}x")
    print(
        f"no-change re-sync: {noop_requests} requests, {noop_seconds:.3f}s = {noop_seconds / full_seconds:.2%} of the full sync"
    )
    print(
        f"incremental: {incremental_requests} requests, added {incremental.added}, updated {incremental.updated}"
    )
    shutil.rmtree(scratch, ignore_errors=True)
    print(f"faulty sync: status {faulty_run.status}, {faulty_stored} stored ({faulty_distinct} distinct) of {faulty_expected}, "
          f"{faulty_run.cursor['retries']} retries, waited {faulty_run.cursor['waited_seconds']}s")  # fmt: skip


if __name__ == "__main__":
    main()
