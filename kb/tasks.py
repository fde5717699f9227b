"""Celery tasks for kb: thin wrappers that take ids, re-fetch, and call one service.

Every task is acknowledged after it has run (CELERY_TASK_ACKS_LATE) and may be delivered
again after a worker or broker failure, so each is safe to run twice. Queues: config/queues.py.
"""

from celery import shared_task

from kb.models import Project, SyncRun
from kb.services.github_sync import github_sync
from kb.services.sync import SyncError, project_sync
from kb.services.sync_runs import runs_interrupted_sweep
from kb.sources.github import RateLimited


@shared_task(bind=True, name="kb.tasks.sync_project", max_retries=24)
def sync_project(self, project_id: int, target: str | None = None) -> dict | None:
    """Sync a project's source (a checkout, a git URL or github:OWNER/NAME).

    Safe to run twice at once (per-project lock, upserts). A GitHub rate limit
    re-schedules the task for the reset time instead of sleeping in the worker.
    A sync that cannot run (no repository, a refused or missing one, a failed clone)
    is an answer, not a crash: its failed SyncRun, if one was started, says why.
    """
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return None
    try:
        sync_run = project_sync(project=project, target=target)
    except RateLimited as exc:
        if self.app.conf.task_always_eager:
            return None
        raise self.retry(exc=exc, eta=exc.reset_at) from exc
    except SyncError as exc:
        return {"status": "failed", "error": str(exc)}
    return {
        "sync_run": sync_run.pk,
        "status": sync_run.status,
        "added": sync_run.added,
        "updated": sync_run.updated,
        "unchanged": sync_run.unchanged,
        "deleted": sync_run.deleted,
        "skipped": sync_run.skipped,
    }


@shared_task(name="kb.tasks.glacier_compact_project")
def glacier_compact_project(project_id: int, force: bool = False) -> dict | None:
    """Compact one project's glacier pages; quietly does nothing if the project is gone."""
    from kb.services.glaciers import glacier_compact

    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return None
    result = glacier_compact(project=project, force=force)
    return {"project": result.project, "skipped": result.skipped, "revisions": result.revisions_created}


@shared_task(name="kb.tasks.glacier_compact_all")
def glacier_compact_all() -> int:
    """Nightly: queue a compaction of every project (each is safe to run twice)."""
    ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))
    for project_id in ids:
        glacier_compact_project.delay(project_id)
    return len(ids)


@shared_task(bind=True, name="kb.tasks.sync_github_project", max_retries=24)
def sync_github_project(self, project_id: int) -> int | None:
    """Incremental GitHub sync of one project; safe to run twice (upserts and monotonic marks).

    A rate limit re-schedules the task for GitHub's reset time instead of
    sleeping in the worker; everything stored before the limit is kept. With no
    broker (tasks run in-process, e.g. inside a webhook request) there is nobody
    to re-schedule: the partial run is recorded and the next sync resumes.
    """
    project = Project.objects.filter(pk=project_id).first()
    if project is None or not project.github_repo:
        return None
    try:
        run = github_sync(project=project, full_name=project.github_repo, wait_on_rate_limit=False)
    except RateLimited as exc:
        if self.app.conf.task_always_eager:
            return None
        raise self.retry(exc=exc, eta=exc.reset_at) from exc
    return run.pk


# Search index writes: routed to the `index` queue (config/queues.py), whose single consumer is
# the only process that writes a Whoosh index. Each takes ids, re-reads the rows, and is safe to
# run twice (an entry is replaced by uid; a row gone since is skipped or its entry removed).


@shared_task(name="kb.tasks.search_documents_index")
def search_documents_index(document_ids: list[int]) -> int:
    """Write the search entries of these documents (those still stored)."""
    from kb.services.search_index import index_documents

    return index_documents(document_ids)


@shared_task(name="kb.tasks.search_pages_index")
def search_pages_index(page_ids: list[int]) -> int:
    """Write the search entries of these glacier pages (those still stored)."""
    from kb.glaciers.search import index_pages

    return index_pages(page_ids)


@shared_task(name="kb.tasks.search_entries_remove")
def search_entries_remove(uids: list[str]) -> int:
    """Remove these search entries (uids such as "doc:12" or "glacier:3")."""
    from kb.services.search_index import remove

    remove(uids)
    return len(uids)


@shared_task(name="kb.tasks.search_index_repair")
def search_index_repair(sync_run_id: int) -> int | None:
    """After a finished sync: check its project's entries against the database and fix them."""
    from kb.services.sync_runs import sync_run_index_repair

    sync_run = SyncRun.objects.select_related("project").filter(pk=sync_run_id).first()
    if sync_run is None:
        return None
    return sync_run_index_repair(sync_run=sync_run)


@shared_task(name="kb.tasks.reindex_project")
def reindex_project(project_id: int, drop_slugs: list[str] | None = None) -> int | None:
    """Drop the entries under `drop_slugs`, then re-write the project's entries (after a
    visibility change or a rename); safe to run twice."""
    from kb.services.projects import project_search_drop, project_search_reindex

    if drop_slugs:
        project_search_drop(slugs=drop_slugs)
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return None
    return project_search_reindex(project=project)


@shared_task(name="kb.tasks.sync_runs_interrupted_sweep")
def sync_runs_interrupted_sweep() -> int:
    """Mark failed the sync runs left "running" by a process that died (see kb/services/sync_runs.py)."""
    return runs_interrupted_sweep()
