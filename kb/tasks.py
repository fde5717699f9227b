"""Celery tasks: thin wrappers that take ids, re-fetch, and call one service."""

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
