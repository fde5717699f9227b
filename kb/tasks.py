"""Celery tasks for kb: thin wrappers that take ids, re-fetch, and call one service."""

from celery import shared_task

from kb.models import Project
from kb.services.github_sync import github_sync
from kb.sources.github import RateLimited


@shared_task(bind=True, max_retries=24, acks_late=True)
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
