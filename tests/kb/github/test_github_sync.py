"""GitHub ingest against a real HTTP stand-in: full, incremental, faulty and interrupted syncs."""

import math
from datetime import timedelta

import pytest

from kb.models import Document, GitHubSyncState, Project, SyncRun
from kb.services.github_sync import github_sync
from kb.sources.github import RateLimited
from tests.github_stub import Fault

from .conftest import seed

pytestmark = pytest.mark.django_db

ISSUES, COMMENTS_EACH = 150, 2  # two pages of issues, four of comments


def pages(total: int) -> int:
    """Requests a keyset walk makes: the first page, then 99 new items per page (one overlaps)."""
    return 1 + math.ceil(max(total - 100, 0) / 99)


def snapshot(project) -> list[tuple]:
    return sorted(
        Document.objects.filter(project=project, source="github").values_list(
            "key", "kind", "title", "body", "url", "parent__key", "sha256"
        )
    )


@pytest.fixture
def repo(github_stub):
    repo = github_stub.add_repo("acme/widgets")
    seed(repo, issues=ISSUES, comments_per_issue=COMMENTS_EACH)
    return repo


def test_full_sync_stores_issues_pull_requests_and_comments(github_stub, repo, project):
    run = github_sync(project=project, full_name="acme/widgets", include_docs=False)

    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    docs = Document.objects.filter(project=project, source="github")
    assert docs.filter(kind="issue").count() == ISSUES - ISSUES // 5
    assert docs.filter(kind="pull_request").count() == ISSUES // 5
    assert docs.filter(kind="comment").count() == ISSUES * COMMENTS_EACH
    assert run.added == ISSUES * (1 + COMMENTS_EACH)

    issue = docs.get(key="issue/12")
    assert issue.title == "#12 Widget problem 12"
    assert issue.url == "https://github.example/acme/widgets/issues/12"
    assert "<strong>flux</strong>" in issue.html
    assert issue.metadata["labels"] == ["docs", "help wanted"]
    assert issue.metadata["assignees"] == ["alice"]
    assert issue.metadata["state"] == "closed" and issue.metadata["closed_at"]
    assert issue.authors == [{"login": "user5"}]
    assert docs.get(key="issue/10").kind == "pull_request"
    assert docs.get(key="issue/10").url.endswith("/pull/10")

    comment = docs.filter(kind="comment", metadata__issue_number=12).first()
    assert comment.parent == issue
    assert comment.key.startswith("comment/") and comment.title == "Re: #12 Widget problem 12"
    assert "#issuecomment-" in comment.url

    # per_page=100 keyset listings: no request beyond the pages the data needs.
    assert github_stub.count(r"/issues$") == pages(ISSUES)
    assert github_stub.count(r"/issues/comments$") == pages(ISSUES * COMMENTS_EACH)
    assert all(r["query"].get("per_page") == "100" for r in github_stub.requests if "issues" in r["path"])
    assert run.cursor["requests"] == len(github_stub.requests)


def test_resync_with_nothing_new_costs_a_handful_of_requests(github_stub, repo, project):
    github_sync(project=project, full_name="acme/widgets")
    before = snapshot(project)
    github_stub.clear_log()

    again = github_sync(project=project, full_name="acme/widgets")

    assert again.status == SyncRun.Status.SUCCEEDED
    assert again.added == again.updated == 0
    # repository + one issues page + one comments page + the branch head (tree unchanged).
    assert [r["path"] for r in github_stub.requests] == [
        "/repos/acme/widgets",
        "/repos/acme/widgets/issues",
        "/repos/acme/widgets/issues/comments",
        "/repos/acme/widgets/branches/main",
    ]
    assert snapshot(project) == before


def test_incremental_sync_asks_only_for_what_changed(github_stub, repo, project):
    github_sync(project=project, full_name="acme/widgets", include_docs=False)
    state = GitHubSyncState.objects.get(project=project)
    last = seed(repo, issues=2, comments_per_issue=1, start=state.comments_since, first_number=ISSUES + 1)
    repo.add_comment(3, "Still broken in 2.0", updated_at=last + timedelta(minutes=5))
    repo.issues[7]["title"] = "Widget problem 7 (renamed)"
    repo.issues[7]["updated_at"] = (last + timedelta(minutes=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    github_stub.clear_log()

    run = github_sync(project=project, full_name="acme/widgets", include_docs=False)

    assert run.added == 2 + 3 and run.updated == 1, (run.added, run.updated)
    issue_requests = [r for r in github_stub.requests if r["path"].endswith("/issues")]
    assert len(issue_requests) == 1 and issue_requests[0]["query"]["since"] >= "2024-01-01T"
    assert github_stub.count(r"/issues/comments$") == 1
    assert Document.objects.get(project=project, key="issue/7").title == "#7 Widget problem 7 (renamed)"
    assert Document.objects.filter(project=project, kind="comment").count() == ISSUES * COMMENTS_EACH + 3
    new_comment = Document.objects.get(project=project, body="Still broken in 2.0")
    assert new_comment.parent.key == "issue/3"


@pytest.mark.parametrize(
    "fault",
    [
        Fault.rate_limit(path=r"/issues$", skip=1, reset_in=0),
        Fault.secondary(path=r"/issues/comments$", skip=2, retry_after=0),
        Fault.bad_gateway(path=r"/issues$", skip=1, times=2),
        Fault.bad_gateway(path=r"/issues/comments$", skip=3, times=3),
        Fault.slow(path=r"/issues$", skip=1, delay=1.6),
        Fault.truncated(path=r"/issues/comments$", skip=1),
        Fault.truncated(path=r"/repos/acme/widgets$"),
    ],
    ids=[
        "primary-rate-limit",
        "secondary-rate-limit",
        "502-twice",
        "502-thrice",
        "timeout",
        "truncated-page",
        "truncated-repo",
    ],
)
def test_every_fault_ends_in_a_complete_duplicate_free_result(github_stub, repo, project, fault):
    clean = Project.objects.create(slug="clean", name="Clean")
    github_sync(project=clean, full_name="acme/widgets", include_docs=False)
    github_stub.clear_log()
    github_stub.inject(fault)

    run = github_sync(project=project, full_name="acme/widgets", include_docs=False)

    assert not github_stub.faults, "the fault was never hit"
    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    assert run.cursor["retries"] >= 1 or fault.kind in ("rate_limit", "secondary")
    strip = lambda rows: [row[:-1] for row in rows]  # noqa: E731 (parents differ by pk only)
    assert strip(snapshot(project)) == strip(snapshot(clean))
    assert Document.objects.filter(project=project).count() == ISSUES * (1 + COMMENTS_EACH)


def test_rate_limit_in_a_worker_raises_with_the_reset_time_and_keeps_progress(github_stub, repo, project):
    github_stub.inject(Fault.rate_limit(path=r"/issues$", skip=1, reset_in=120))

    with pytest.raises(RateLimited) as caught:
        github_sync(project=project, full_name="acme/widgets", include_docs=False, wait_on_rate_limit=False)

    assert not caught.value.secondary
    assert timedelta(seconds=100) < caught.value.reset_at - caught.value.reset_at.now(
        caught.value.reset_at.tzinfo
    )
    run = SyncRun.objects.get(project=project)
    assert run.status == SyncRun.Status.PARTIAL
    assert run.errors[0]["reset_at"] == caught.value.reset_at.isoformat()
    assert Document.objects.filter(project=project, kind__in=["issue", "pull_request"]).count() == 100

    rerun = github_sync(project=project, full_name="acme/widgets", include_docs=False)
    assert rerun.status == SyncRun.Status.SUCCEEDED
    assert Document.objects.filter(project=project).count() == ISSUES * (1 + COMMENTS_EACH)


def test_a_rate_limit_longer_than_the_command_may_wait_is_reported_not_slept(
    github_stub, repo, project, settings
):
    settings.GITHUB_RATE_LIMIT_MAX_WAIT = 5
    github_stub.inject(Fault.rate_limit(path=r"/issues/comments$", reset_in=600))

    run = github_sync(project=project, full_name="acme/widgets", include_docs=False)

    assert run.status == SyncRun.Status.PARTIAL
    assert "rate limit" in run.errors[0]["error"]
    assert run.cursor["waited_seconds"] < 1


def test_a_stream_that_keeps_failing_is_recorded_and_the_rest_is_kept(github_stub, repo, project):
    github_stub.inject(Fault.bad_gateway(path=r"/issues/comments$", skip=1, times=50))

    run = github_sync(project=project, full_name="acme/widgets", include_docs=False)

    assert run.status == SyncRun.Status.PARTIAL
    assert run.errors[0]["item"] == "comments" and "502" in run.errors[0]["error"]
    assert Document.objects.filter(project=project, kind__in=["issue", "pull_request"]).count() == ISSUES
    assert (
        Document.objects.filter(project=project, kind="comment").count() == 100
    )  # the page before the outage

    github_stub.faults.clear()
    github_stub.clear_log()
    resumed = github_sync(project=project, full_name="acme/widgets", include_docs=False)
    assert resumed.status == SyncRun.Status.SUCCEEDED
    assert Document.objects.filter(project=project, kind="comment").count() == ISSUES * COMMENTS_EACH
    first_comment_request = next(r for r in github_stub.requests if r["path"].endswith("/issues/comments"))
    assert "since" in first_comment_request["query"], "resumed from the high-water mark, not from scratch"


def test_malformed_items_are_recorded_and_the_rest_kept(github_stub, repo, project):
    repo.issues[5]["title"] = None
    repo.comments[next(iter(repo.comments))]["issue_url"] = None

    run = github_sync(project=project, full_name="acme/widgets", include_docs=False)

    assert run.status == SyncRun.Status.PARTIAL
    assert {e["item"].split(":")[0] for e in run.errors} == {"issue", "comment"}
    assert Document.objects.filter(project=project, kind__in=["issue", "pull_request"]).count() == ISSUES - 1
    assert Document.objects.filter(project=project, kind="comment").count() == ISSUES * COMMENTS_EACH - 1


class Killed(BaseException):
    """Stands in for a worker killed between two pages (not an Exception: nothing may catch it)."""


@pytest.mark.parametrize("kill_after", [1, 2, 3, 5])
def test_a_sync_killed_half_way_resumes_to_the_same_end_state(github_stub, repo, project, kill_after):
    clean = Project.objects.create(slug="clean", name="Clean")
    github_sync(project=clean, full_name="acme/widgets", include_docs=False)
    seen = []

    def kill_after_pages(message):
        seen.append(message)
        if len(seen) == kill_after:
            raise Killed

    with pytest.raises(Killed):
        github_sync(project=project, full_name="acme/widgets", include_docs=False, progress=kill_after_pages)
    assert 0 < Document.objects.filter(project=project).count() < ISSUES * (1 + COMMENTS_EACH)

    github_sync(project=project, full_name="acme/widgets", include_docs=False)

    strip = lambda rows: [row[:-1] for row in rows]  # noqa: E731
    assert strip(snapshot(project)) == strip(snapshot(clean))
    assert Document.objects.filter(project=project).count() == ISSUES * (1 + COMMENTS_EACH)
    assert Document.objects.filter(project=project, kind="comment", parent__isnull=True).count() == 0


def test_unknown_repository_fails_the_run_with_a_clear_error(github_stub, project):
    run = github_sync(project=project, full_name="acme/nothing-here", include_docs=False)
    assert run.status == SyncRun.Status.FAILED
    assert "not found" in run.errors[0]["error"]


def test_sync_finished_is_sent_after_commit(github_stub, repo, project, django_capture_on_commit_callbacks):
    from kb.signals import sync_finished

    received = []

    def receiver(sender, project, sync_run, **kwargs):
        received.append((project.slug, sync_run.status))

    sync_finished.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            github_sync(project=project, full_name="acme/widgets", include_docs=False)
        for callback in callbacks:
            if getattr(callback, "__qualname__", "").startswith("_finish"):
                callback()
    finally:
        sync_finished.disconnect(receiver)
    assert received == [("widgets", "succeeded")]
