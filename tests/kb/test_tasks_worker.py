"""kb.tasks.sync_project on a real Celery worker process (PostgreSQL + Redis).

Marked `services`: the shared `celery_worker` fixture fails the test under CI=true
when PostgreSQL or Redis is missing, and skips it with the reason elsewhere.
"""

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


def test_sync_project_runs_on_a_real_worker(celery_worker, tmp_path):
    repo = docs_repo(tmp_path / "widgets")
    project = ProjectFactory(slug="widgets", name="Widgets", repository=str(repo.path))

    summary = run_on_worker(project.pk)

    assert summary["added"] == 4 and summary["status"] == SyncRun.Status.SUCCEEDED
    assert Document.objects.filter(project=project).count() == 4
    # The worker indexed into its own var dir: the search index follows the database.
    index = WhooshSearchBackend({"INDEX_DIR": str(celery_worker["var_dir"] / "index")})
    hits = index.search("pull request", access=None, projects=["widgets"])
    assert {hit.path for hit in hits.hits} == {"docs/guide.md", "docs/reviewing.md"}
    again = run_on_worker(project.pk)
    assert again["unchanged"] == 4 and again["added"] == 0
    assert run_on_worker(999999) is None
