"""Celery tasks (eager here; thin wrappers) and the gap/report settings they read by name."""

import pytest
from celery import current_app
from django.conf import settings
from django.core import mail

from onboarding import tasks
from onboarding.models import Gap, ReportSend
from tests.onboarding.gaps.factories import DocumentFactory, GapFactory, MembershipFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_gap_and_report_settings_exist_and_beat_tasks_are_registered():
    for name in ["GLACIER_GAP_CLAIM_DAYS", "GLACIER_GAP_STALE_DAYS", "GLACIER_GAP_STALE_MIN_CHANGES",
                 "GLACIER_GAP_OWNERS_STALE_DAYS", "GLACIER_GAP_SEARCH_WINDOW_DAYS", "GLACIER_GAP_SEARCH_MIN_COUNT",
                 "GLACIER_GAP_SEARCH_WEAK_SCORE", "GLACIER_GAP_ANSWER_MIN_SCORE", "GLACIER_GAP_QUESTION_MIN_CLUSTER",
                 "GLACIER_GAP_QUESTION_SIMILARITY", "GLACIER_REPORT_TREND_WEEKS", "GLACIER_REPORT_RETRY_SECONDS"]:  # fmt: skip
        assert hasattr(settings, name), name
    import config.celery  # noqa: F401  (the app that autodiscovers onboarding.tasks)

    current_app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        if entry["task"].startswith("onboarding."):
            assert entry["task"] in current_app.tasks, entry["task"]


def test_detect_task_takes_an_id_and_tolerates_a_missing_project():
    project = ProjectFactory()
    DocumentFactory(project=project, path="docs/a.md", body="# A\n\nTBD\n")
    assert tasks.detect_gaps.delay(project.pk).get() >= 1
    assert Gap.objects.filter(project=project, rule_id="placeholder-text").exists()
    assert tasks.detect_gaps.delay(999999).get() == 0


def test_weekly_task_sends_once(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    project = ProjectFactory()
    MembershipFactory(project=project)
    GapFactory(project=project)
    first = tasks.send_weekly_reports.delay().get()
    second = tasks.send_weekly_reports.delay().get()
    assert first["sent"] == 1 and second["sent"] == 0 and len(mail.outbox) == 1
    assert ReportSend.objects.get().status == ReportSend.Status.SENT


def test_expire_task():
    assert tasks.expire_gap_claims.delay().get() == 0
