"""The sync task on a real Celery worker process, fed through the API, on PostgreSQL and Redis."""

import re
import time

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kb.models import Document, ProjectMembership, SyncRun
from tests.kb.factories import MembershipFactory, ProjectFactory, UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SYNC_TIMEOUT_SECONDS = 90


def wait_for(predicate, what: str):
    """Poll `predicate` until it returns something truthy, for at most SYNC_TIMEOUT_SECONDS."""
    deadline = time.monotonic() + SYNC_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what} within {SYNC_TIMEOUT_SECONDS}s")


def test_api_sync_runs_on_the_worker(celery_worker, tmp_path):
    checkout = tmp_path / "checkout"
    (checkout / "docs").mkdir(parents=True)
    (checkout / "README.md").write_text("# Comet\n\nA tiny project.\n")
    (checkout / "docs" / "release.md").write_text("# Releasing\n\nTag, then publish.\n")
    project = ProjectFactory(slug="comet", name="Comet", repository=str(checkout))
    maintainer = UserFactory(username="maintainer")
    MembershipFactory(project=project, user=maintainer, role=ProjectMembership.Role.MAINTAINER)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=maintainer).key}")

    response = client.post("/api/projects/comet/sync/")

    assert response.status_code == 202
    run = wait_for(
        lambda: SyncRun.objects.filter(project=project).exclude(status=SyncRun.Status.RUNNING).first(),
        "no finished sync run",
    )
    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    assert run.added == 2
    assert set(Document.objects.filter(project=project).values_list("path", flat=True)) == {
        "README.md",
        "docs/release.md",
    }
    # The row is committed before the task returns, so the worker's own report comes a moment later.
    task_line = re.compile(r"Task kb\.tasks\.sync_project\[[\w-]+\] succeeded")
    wait_for(lambda: task_line.search(celery_worker["log"].read_text()), "the worker did not report the task")
