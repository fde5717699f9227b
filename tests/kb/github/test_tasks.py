"""The Celery task re-schedules itself for the rate-limit reset instead of sleeping in the worker."""

from datetime import UTC, datetime, timedelta

import pytest
from celery.app.task import Task

from kb.models import Document, SyncRun
from kb.tasks import sync_github_project
from tests.github_stub import Fault

from .conftest import seed

pytestmark = pytest.mark.django_db


def test_rate_limited_task_retries_at_the_reset_time(github_stub, project, monkeypatch):
    seed(github_stub.add_repo("acme/widgets"), issues=150, comments_per_issue=1)
    github_stub.inject(Fault.rate_limit(path=r"/issues$", skip=1, reset_in=300))
    retries = []
    original_retry = Task.retry

    def spy(self, *args, **kwargs):
        retries.append(kwargs)
        return original_retry(self, *args, **kwargs)

    monkeypatch.setattr(Task, "retry", spy)
    started = datetime.now(UTC)

    # apply() runs here and re-runs the retry at once, where a worker would wait for the eta.
    conf = sync_github_project.app.conf
    was_eager, conf.task_always_eager = conf.task_always_eager, False  # as in a worker
    try:
        result = sync_github_project.apply(args=[project.pk], throw=False)
    finally:
        conf.task_always_eager = was_eager

    assert result.successful(), result.traceback
    assert len(retries) == 1
    eta = retries[0]["eta"]
    assert started + timedelta(seconds=290) <= eta <= started + timedelta(seconds=310)
    runs = list(SyncRun.objects.filter(project=project).order_by("started_at"))
    assert [run.status for run in runs] == ["partial", "succeeded"]
    assert Document.objects.filter(project=project).count() == 300
    assert github_stub.count(r"/issues$") == 1 + 2  # the limited page is asked again, not the first


def test_task_returns_quietly_for_a_missing_project(db):
    assert sync_github_project.apply(args=[987654]).result is None


def test_without_a_broker_a_rate_limit_leaves_a_partial_run_and_no_error(github_stub, project):
    seed(github_stub.add_repo("acme/widgets"), issues=150)
    github_stub.inject(Fault.rate_limit(path=r"/issues$", skip=1, reset_in=300))

    result = sync_github_project.apply(args=[project.pk])

    assert result.successful() and result.result is None
    assert SyncRun.objects.get(project=project).status == "partial"
    assert Document.objects.filter(project=project).count() == 100
