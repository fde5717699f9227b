"""Celery tasks: thin wrappers that take ids, re-fetch, and are safe to run twice."""

from celery import shared_task
from django.conf import settings

from kb.models import Project
from onboarding.services.gaps import gaps_detect, gaps_expire_claims
from onboarding.services.reports import reports_send


@shared_task
def detect_gaps(project_id: int) -> int:
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return 0
    return gaps_detect(project=project).found


@shared_task
def detect_gaps_all() -> int:
    """Nightly: re-detect every project's gaps (time moves stale docs, search demand, overdue handoffs)."""
    ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))
    for project_id in ids:
        detect_gaps.delay(project_id)
    return len(ids)


@shared_task
def expire_gap_claims() -> int:
    return gaps_expire_claims()


@shared_task(bind=True, max_retries=5)
def send_weekly_reports(self) -> dict:
    """One digest per recipient for the current ISO week. ReportSend rows make re-runs send nothing twice;
    recipients whose SMTP delivery failed are retried later by this same task."""
    outcome = reports_send()
    if outcome.failed:
        raise self.retry(countdown=settings.GLACIER_REPORT_RETRY_SECONDS)
    return outcome.as_dict()
