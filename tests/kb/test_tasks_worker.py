"""kb.tasks.sync_project on a real Celery worker process (PostgreSQL + Redis).

Marked `services`: the shared `celery_worker` fixture fails the test under CI=true
when PostgreSQL or Redis is missing, and skips it with the reason elsewhere.
"""

import re
import time
from pathlib import Path

import pytest

from kb.models import Document, SyncRun
from kb.search.backends.whoosh import WhooshSearchBackend
from kb.tasks import sync_project
from tests.kb.factories import ProjectFactory
from tests.kb.gitrepo import docs_repo

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
TASK_TIMEOUT_SECONDS = 120


def run_on_worker(*args):
    return sync_project.apply_async(args=args).get(timeout=TASK_TIMEOUT_SECONDS)


def wait_for_paths(index, query: str) -> set[str]:
    deadline = time.monotonic() + TASK_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        paths = {hit.path for hit in index.search(query, access=None, projects=["widgets"]).hits}
        if paths:
            return paths
        time.sleep(0.2)
    raise AssertionError(f"nothing indexed for {query!r} within {TASK_TIMEOUT_SECONDS}s")


def wait_for_log_line(log: Path, task: str, outcome: str) -> str:
    """The result the worker logged for the first `task` that ended with `outcome`."""
    pattern = re.compile(rf"Task {re.escape(task)}\[[^\]]+\] {outcome} in [0-9.]+s: (.*)")
    deadline = time.monotonic() + TASK_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        match = pattern.search(log.read_text())
        if match:
            return match.group(1).strip()
        time.sleep(0.2)
    raise AssertionError(f"the worker did not log {task} {outcome} within {TASK_TIMEOUT_SECONDS}s")


def test_sync_project_runs_on_a_real_worker(celery_worker, tmp_path):
    repo = docs_repo(tmp_path / "widgets")
    project = ProjectFactory(slug="widgets", name="Widgets", repository=str(repo.path))

    summary = run_on_worker(project.pk)

    assert summary["added"] == 4 and summary["status"] == SyncRun.Status.SUCCEEDED
    assert Document.objects.filter(project=project).count() == 4
    # The worker's `index` queue consumer indexed into its own var dir, after the sync
    # committed: the search index follows the database.
    index = WhooshSearchBackend({"INDEX_DIR": str(celery_worker["var_dir"] / "index")})
    assert wait_for_paths(index, "pull request") == {"docs/guide.md", "docs/reviewing.md"}
    # ...and the repair queued behind that write found nothing to fix.
    assert wait_for_log_line(celery_worker["log"], "kb.tasks.search_index_repair", "succeeded") == "0"
    again = run_on_worker(project.pk)
    assert again["unchanged"] == 4 and again["added"] == 0
    assert run_on_worker(999999) is None
