"""Celery tasks for kb: thin wrappers that take ids, re-fetch, and call one service."""

from celery import shared_task

from kb.models import Project
from kb.services.sync import project_sync


@shared_task(name="kb.tasks.sync_project")
def sync_project(project_id: int, target: str | None = None) -> dict | None:
    """Sync a project's repository docs. Safe to run twice at once (per-project lock, upserts)."""
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return None
    sync_run = project_sync(project=project, target=target)
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
