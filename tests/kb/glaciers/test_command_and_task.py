from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kb.models import CompactionRun, GlacierPage, GlacierRevision
from kb.tasks import glacier_compact_all, glacier_compact_project
from tests.kb.glaciers.corpus import build_project

pytestmark = pytest.mark.django_db


def test_compact_command_reports_and_is_rerunnable():
    build_project()
    out = StringIO()
    call_command("kb", "compact", "--project", "example", stdout=out)
    assert "example: 4 topics; pages 4 new" in out.getvalue()
    again = StringIO()
    call_command("kb", "compact", stdout=again)
    assert "nothing changed" in again.getvalue()
    forced = StringIO()
    call_command("kb", "compact", "--force", stdout=forced)
    assert "0 revisions" in forced.getvalue()
    assert GlacierRevision.objects.count() == 4


def test_compact_command_rejects_an_unknown_project():
    with pytest.raises(CommandError, match="No project with slug 'nope'"):
        call_command("kb", "compact", "--project", "nope")


def test_tasks_take_ids_and_are_safe_twice_or_when_the_project_is_gone():
    project = build_project()
    assert glacier_compact_project(project.pk)["revisions"] == 4
    assert glacier_compact_project(project.pk)["skipped"] is True
    assert glacier_compact_project(999999) is None
    assert glacier_compact_all() == 1
    assert GlacierPage.objects.count() == 4
    assert CompactionRun.objects.filter(project=project).count() == 3


def test_nightly_beat_entry_exists(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["glacier-compact-nightly"]
    assert entry["task"] == glacier_compact_all.name
