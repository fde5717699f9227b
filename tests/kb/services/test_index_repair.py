"""Crash consistency inside one process: a sync verifies the project's index against the
database and repairs it; runs left "running" by a dead process are failed; an unusable
index answers 503 and turns /healthz red. Each index case runs on both backends."""

import shutil
import threading

import pytest
from django.db import connection

from kb.models import Document, Project, SyncRun
from kb.search import get_search_backend, reset_search_backends
from kb.search.backends.base import IndexEntry, SearchUnavailable
from kb.services.search import search_run
from kb.services.search_index import project_index_repair
from kb.services.sync import sync_target
from kb.services.sync_runs import INTERRUPTED_MESSAGE
from tests.conftest import require_service
from tests.kb.factories import UserFactory
from tests.kb.gitrepo import docs_repo
from tests.search_backends import each_search_backend  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def search_backend(each_search_backend):  # noqa: F811 (the imported fixture, requested by name)
    """The backend each_search_backend selected (Whoosh, and PostgreSQL in the services run)."""
    return get_search_backend()


@pytest.fixture
def widgets(tmp_path, search_backend):
    repo = docs_repo(tmp_path / "widgets")
    run = sync_target(str(repo.path))
    assert run.repaired == 0  # a healthy first sync repairs nothing
    return Project.objects.get(slug="widgets")


def document_uids(project) -> set[str]:
    return {f"doc:{pk}" for pk in Document.objects.filter(project=project).values_list("pk", flat=True)}


def test_a_sync_after_the_index_lost_everything_reindexes_and_says_so(tmp_path, widgets, search_backend):
    search_backend.clear()  # what a kill between the commit and the index write leaves
    run = sync_target(str(tmp_path / "widgets"))
    assert (run.status, run.unchanged, run.repaired) == (SyncRun.Status.SUCCEEDED, 4, 4)
    assert set(search_backend.stamps("widgets")) == document_uids(widgets)
    assert [hit.path for hit in search_run(user=None, query="reviewers pull request").hits][
        0
    ] == "docs/reviewing.md"
    assert sync_target(str(tmp_path / "widgets")).repaired == 0


def test_repair_rewrites_stale_entries_and_drops_orphans(widgets, search_backend):
    readme = Document.objects.get(project=widgets, key="README.md")
    search_backend.index([
        IndexEntry(uid=readme.search_uid, project="widgets", kind="doc", title="Old", body="obsolete", stamp="x"),
        IndexEntry(uid="doc:999999", project="widgets", kind="doc", title="Gone", body="vanished row"),
    ])  # fmt: skip
    repair = project_index_repair(project=widgets)
    assert (repair.missing, repair.stale, repair.orphaned) == (0, 1, 1)
    assert search_run(user=None, query="vanished").count == 0
    assert search_run(user=None, query="obsolete").count == 0
    assert search_run(user=None, query="widgets everyone").hits[0].uid == readme.search_uid
    assert project_index_repair(project=widgets).total == 0


def test_a_visibility_change_is_repaired_by_the_next_sync(tmp_path, widgets):
    Project.objects.filter(pk=widgets.pk).update(visibility=Project.Visibility.PRIVATE)
    assert search_run(user=None, query="reviewers").count > 0  # the index still says public
    assert sync_target(str(tmp_path / "widgets")).repaired == 4
    assert search_run(user=None, query="reviewers").count == 0


def test_a_no_change_repair_reads_no_document(widgets, django_assert_max_num_queries, monkeypatch):
    backend = get_search_backend()
    monkeypatch.setattr(backend, "index", lambda entries: pytest.fail("nothing should be re-indexed"))
    # One query for the documents' hashes, one for glacier pages (plus the PG backend's stamps).
    with django_assert_max_num_queries(3):
        assert project_index_repair(project=widgets).total == 0


def test_a_run_left_running_by_a_dead_process_is_failed_by_the_next_sync(tmp_path, widgets):
    dead = SyncRun.objects.create(project=widgets, source=Document.Source.LOCAL, target="x")
    other_source = SyncRun.objects.create(project=widgets, source=Document.Source.GITHUB, target="github:a/b")
    run = sync_target(str(tmp_path / "widgets"))
    dead.refresh_from_db()
    other_source.refresh_from_db()
    assert dead.status == SyncRun.Status.FAILED and dead.finished_at is not None
    assert dead.errors == [{"item": "sync", "error": INTERRUPTED_MESSAGE}]
    assert run.status == SyncRun.Status.SUCCEEDED
    assert other_source.status == SyncRun.Status.RUNNING  # another source's lock, not ours to judge


def test_an_emptied_index_answers_503_and_healthz_is_red(widgets, search_backend, client):
    search_backend.clear()
    with pytest.raises(SearchUnavailable):
        search_run(user=None, query="reviewers")
    response = client.get("/api/search/", {"q": "reviewers"})
    assert response.status_code == 503
    assert "manage.py kb reindex" in response.json()["detail"]
    page = client.get("/search/", {"q": "reviewers"})
    assert page.status_code == 503 and b"manage.py kb reindex" in page.content
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json() == {"status": "unhealthy"}  # the details are for staff only
    client.force_login(UserFactory(is_staff=True))
    staff = client.get("/healthz")
    assert "while the database holds 4 documents" in staff.json()["checks"]["index"]["error"]


def test_a_query_with_no_match_on_a_healthy_index_is_still_200(widgets, client):
    response = client.get("/api/search/", {"q": "zebra"})
    assert response.status_code == 200 and response.json()["count"] == 0
    assert client.get("/healthz").status_code == 200


def test_a_deleted_or_truncated_whoosh_index_answers_503(tmp_path, settings, client):
    index_dir = tmp_path / "whoosh"
    settings.GLACIER_SEARCH_BACKENDS = {
        "default": {"BACKEND": "kb.search.backends.whoosh", "INDEX_DIR": str(index_dir)}
    }
    reset_search_backends()
    sync_target(str(docs_repo(tmp_path / "widgets").path))
    segment = next(p for p in index_dir.iterdir() if p.suffix == ".seg")
    with open(segment, "r+b") as handle:
        handle.truncate(segment.stat().st_size // 2)
    reset_search_backends()  # a fresh process: no searcher opened before the damage
    assert client.get("/api/search/", {"q": "reviewers"}).status_code == 503
    assert client.get("/search/", {"q": "reviewers"}).status_code == 503
    assert client.get("/healthz").status_code == 503
    shutil.rmtree(index_dir)
    reset_search_backends()
    response = client.get("/api/search/", {"q": "reviewers"})
    assert response.status_code == 503 and "kb reindex" in response.json()["detail"]
    client.force_login(UserFactory(is_staff=True))
    staff = client.get("/healthz")
    assert "missing" in staff.json()["checks"]["index"]["error"]


@pytest.mark.services
def test_postgresql_sessions_run_with_the_configured_time_limits():
    require_service("postgres")
    with connection.cursor() as cursor:
        cursor.execute("SHOW idle_in_transaction_session_timeout")
        assert cursor.fetchone()[0] == "5min"
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "1min"


def test_the_sweep_fails_runs_whose_lock_nobody_holds_and_spares_live_ones(widgets):
    from kb.services.sync_runs import project_lock, runs_interrupted_sweep

    dead = SyncRun.objects.create(project=widgets, source=Document.Source.LOCAL, target="x")
    alive = SyncRun.objects.create(project=widgets, source=Document.Source.GITHUB, target="github:a/b")
    held, release = threading.Event(), threading.Event()

    def live_github_sync():  # another thread: another connection, as another process would have
        try:
            with project_lock(widgets, source=Document.Source.GITHUB):
                held.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    holder = threading.Thread(target=live_github_sync)
    holder.start()
    try:
        assert held.wait(timeout=30)
        assert runs_interrupted_sweep() == 1
    finally:
        release.set()
        holder.join(timeout=30)
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.status, alive.status) == (SyncRun.Status.FAILED, SyncRun.Status.RUNNING)


def test_an_unexpected_error_while_storing_fails_the_run_instead_of_leaving_it_running(
    tmp_path, widgets, monkeypatch
):
    from kb.services import sync

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(sync, "documents_upsert", explode)
    with pytest.raises(RuntimeError):
        sync_target(str(tmp_path / "widgets"))
    run = SyncRun.objects.filter(project=widgets).latest()
    assert run.status == SyncRun.Status.FAILED and "boom" in run.errors[0]["error"]
