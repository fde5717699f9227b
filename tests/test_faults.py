"""Fault tests against real servers: a broker restarted under a worker, a database
restarted under a web process (README "Running on several machines").

Both start private servers (tests/private_services.py) and never touch the shared ones.
Marked `services`: they need PostgreSQL for the test database, redis-server and the
PostgreSQL server binaries; a missing one skips the test, or fails it under CI=true.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

import pytest
from celery import Celery
from kombu import Connection

from kb.models import Document, SyncRun
from kb.search.backends.whoosh import WhooshSearchBackend
from tests.conftest import (
    REPO_ROOT,
    _database_url_for_worker,
    _stop_process_group,
    require_binary,
    require_service,
)
from tests.kb.factories import ProjectFactory
from tests.private_services import PrivatePostgres, PrivateRedis, free_port, postgres_bindir, wait_until

pytestmark = pytest.mark.services

BATCH_PROJECTS = 24
FILES_PER_PROJECT = 3
# A task taken but unacknowledged when Redis went away is delivered again after this long.
VISIBILITY_TIMEOUT_SECONDS = 8
BATCH_TIMEOUT_SECONDS = 120
HTTP_TIMEOUT_SECONDS = 10


@pytest.fixture
def private_redis():
    server = PrivateRedis(require_binary("redis-server", shutil.which("redis-server")))
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def private_postgres():
    bindir = postgres_bindir()
    require_binary("initdb", f"{bindir}/initdb" if bindir else None)
    server = PrivatePostgres(bindir)
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


def _plain_folder(path, project_number: int):
    for file_number in range(FILES_PER_PROJECT):
        target = path / "docs" / f"topic-{file_number}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            f"# Topic {file_number} of project {project_number}\n\nHow we release part {file_number}.\n"
        )
    return path


@pytest.mark.django_db(transaction=True)
def test_a_redis_restart_during_a_batch_loses_no_task_and_duplicates_nothing(private_redis, tmp_path):
    require_service("postgres")
    projects = [
        ProjectFactory(slug=f"fault-{n}", repository=str(_plain_folder(tmp_path / f"src-{n}", n)))
        for n in range(BATCH_PROJECTS)
    ]
    prefix = f"glacier-fault-{uuid.uuid4().hex[:8]}-"
    sender = Celery(set_as_current=False)  # the suite's own app stays the current one
    # An explicit connection: Celery prefers CELERY_BROKER_URL from the environment to its argument.
    with Connection(private_redis.url) as connection:
        for project in projects:  # the whole batch is queued before the worker starts
            sender.send_task(
                "kb.tasks.sync_project", args=[project.pk], queue=f"{prefix}ingest", connection=connection
            )
    sender.close()

    var_dir = tmp_path / "worker-var"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url_for_worker(),
        "CELERY_BROKER_URL": private_redis.url,
        "CELERY_RESULT_BACKEND": private_redis.url,
        "GLACIER_QUEUE_PREFIX": prefix,
        "GLACIER_VAR_DIR": str(var_dir),
        "GLACIER_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_SECONDS),
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "-n", f"fault-{prefix}@localhost"],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def synced_projects() -> int:
        return SyncRun.objects.filter(project__in=projects, status=SyncRun.Status.SUCCEEDED).count()

    try:

        def mid_batch_with_a_sync_running() -> bool:
            running = SyncRun.objects.filter(project__in=projects, status=SyncRun.Status.RUNNING).exists()
            return running and synced_projects() >= 3

        wait_until(
            mid_batch_with_a_sync_running, timeout=BATCH_TIMEOUT_SECONDS, interval=0.01,
            what="the worker synced nothing",
        )  # fmt: skip
        private_redis.restart()  # some syncs done, one running (its message not yet acknowledged), the rest queued
        assert synced_projects() < BATCH_PROJECTS, "the batch ended before the restart; nothing was tested"

        def every_project_indexed() -> bool:
            if (
                SyncRun.objects.filter(project__in=projects).values("project").distinct().count()
                < BATCH_PROJECTS
            ):
                return False
            if not (var_dir / "index").exists():
                return False
            return WhooshSearchBackend({"INDEX_DIR": str(var_dir / "index")}).document_count() >= (
                BATCH_PROJECTS * FILES_PER_PROJECT
            )

        wait_until(
            every_project_indexed, timeout=BATCH_TIMEOUT_SECONDS, interval=0.5,
            what=f"not every task's effect arrived (worker log: {log_path})",
        )  # fmt: skip
    finally:
        _stop_process_group(worker)

    log_text = log_path.read_text()
    assert "Connection to broker lost" in log_text or "Cannot connect to redis" in log_text, (
        "the worker never saw the restart"
    )
    for project in projects:
        runs = SyncRun.objects.filter(project=project)
        assert not runs.exclude(status=SyncRun.Status.SUCCEEDED).exists(), project.slug
        assert sum(run.added for run in runs) == FILES_PER_PROJECT, project.slug  # a rerun adds nothing
        assert Document.objects.filter(project=project).count() == FILES_PER_PROJECT, project.slug
    index = WhooshSearchBackend({"INDEX_DIR": str(var_dir / "index")})
    assert index.document_count() == BATCH_PROJECTS * FILES_PER_PROJECT  # one entry per document, none twice
    for project in projects:
        assert len(index.stamps(project.slug)) == FILES_PER_PROJECT, project.slug


def _get(url: str) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers={"Accept": "text/html,application/json"})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def _worker_pids(master_pid: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master_pid)], capture_output=True, text=True)
    return {int(pid) for pid in out.stdout.split()}


def test_b_postgres_restart_answers_503_then_recovers_in_the_same_web_process(private_postgres, tmp_path):
    private_postgres.create_database("glacier")
    env = {
        **{
            name: value for name, value in os.environ.items() if not name.startswith(("DATABASE_", "CELERY_"))
        },
        "DATABASE_URL": private_postgres.url("glacier"),
        "GLACIER_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_DEBUG", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=REPO_ROOT, env=env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--timeout", "30"],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_until(
            lambda: _safe_status(f"{base}/api/projects/") == 200, timeout=60,
            what=f"gunicorn did not serve (log: {log_path})",
        )  # fmt: skip
        assert _get(f"{base}/")[0] == 200
        serving_pids = _worker_pids(web.pid)

        private_postgres.stop()
        status, headers, body = _get(f"{base}/")
        assert status == 503 and headers.get("Retry-After") == "5"
        assert "Temporarily unavailable" in body and "Traceback" not in body and "psycopg" not in body
        status, headers, body = _get(f"{base}/api/projects/")
        assert status == 503 and headers.get("Retry-After") == "5"
        assert headers.get("Content-Type", "").startswith("application/json")
        assert "unavailable" in json.loads(body)["detail"]

        private_postgres.start()
        wait_until(
            lambda: _safe_status(f"{base}/") == 200, timeout=30, what="the web process did not recover"
        )
        assert _get(f"{base}/api/projects/")[0] == 200
        assert web.poll() is None and _worker_pids(web.pid) == serving_pids, "the web process was restarted"
    finally:
        _stop_process_group(web)


def _safe_status(url: str) -> int | None:
    try:
        return _get(url)[0]
    except OSError:  # not listening yet
        return None
