"""kb.tasks.sync_project on a real Celery worker process (PostgreSQL + Redis).

Marked `services`: under CI=true missing PostgreSQL or Redis fails the test;
elsewhere it is skipped with the reason.
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection

from kb.models import Document, Project, SyncRun
from kb.search.backends.whoosh import WhooshSearchBackend
from tests.kb.gitrepo import docs_repo

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
REDIS_URL = os.environ.get("GLACIER_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


def _missing_service() -> str | None:
    if connection.vendor != "postgresql":
        return (
            "needs PostgreSQL (DATABASE_URL=postgres://...) so the worker process can share the test database"
        )
    parsed = urlparse(REDIS_URL)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=2):
            return None
    except OSError as exc:
        return f"needs Redis at {REDIS_URL} ({exc})"


@pytest.fixture
def worker(tmp_path):
    reason = _missing_service()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    from celery import Celery

    db = connection.settings_dict
    queue = f"glacier-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "GLACIER_INDEX_DIR": str(tmp_path / "worker-index"),
        "GLACIER_REPOS_DIR": str(tmp_path / "worker-repos"),
        "GLACIER_VAR_DIR": str(tmp_path / "worker-var"),
    }
    (tmp_path / "worker-var").mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    # A client of its own: the project's app runs tasks eagerly when no broker is configured.
    client = Celery("glacier-test-client", broker=REDIS_URL, backend=REDIS_URL)
    try:
        yield {"queue": queue, "index_dir": tmp_path / "worker-index", "client": client}
    finally:
        client.close()
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_sync_project_runs_on_a_real_worker(worker, tmp_path):
    def sync_project(*args):
        return (
            worker["client"]
            .send_task("kb.tasks.sync_project", args=args, queue=worker["queue"])
            .get(timeout=120)
        )

    repo = docs_repo(tmp_path / "widgets")
    project = Project.objects.create(slug="widgets", name="Widgets", repository=str(repo.path))
    started = time.monotonic()
    summary = sync_project(project.pk)
    assert time.monotonic() - started < 120
    assert summary["added"] == 4 and summary["status"] == SyncRun.Status.SUCCEEDED
    assert Document.objects.filter(project=project).count() == 4
    index = WhooshSearchBackend({"INDEX_DIR": str(Path(worker["index_dir"]))})
    assert index.status()["documents"] == 4
    again = sync_project(project.pk)
    assert again["unchanged"] == 4 and again["added"] == 0
    assert sync_project(999999) is None
