"""The sync task on a real Celery worker process, fed through the API, on PostgreSQL and Redis."""

import time

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kb.models import Document, ProjectMembership, SyncRun
from tests.kb.factories import MembershipFactory, ProjectFactory, UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SYNC_TIMEOUT_SECONDS = 90


def wait_for_finished_run(project) -> SyncRun:
    deadline = time.monotonic() + SYNC_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        run = SyncRun.objects.filter(project=project).exclude(status=SyncRun.Status.RUNNING).first()
        if run is not None:
            return run
        time.sleep(0.2)
    raise AssertionError(f"no finished sync run within {SYNC_TIMEOUT_SECONDS}s")


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
    run = wait_for_finished_run(project)
    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    assert run.added == 2
    assert set(Document.objects.filter(project=project).values_list("path", flat=True)) == {
        "README.md",
        "docs/release.md",
    }
    worker_log = celery_worker["log"].read_text()
    assert "kb.tasks.sync_project" in worker_log and "succeeded" in worker_log
