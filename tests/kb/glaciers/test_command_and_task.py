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


def test_glacier_settings_exist(settings):
    for name in [
        "GLACIER_COMPACT_RECENT_DAYS",
        "GLACIER_COMPACT_YEAR_DAYS",
        "GLACIER_COMPACT_SUMMARY_SENTENCES",
        "GLACIER_COMPACT_DUPLICATE_THRESHOLD",
        "GLACIER_PAGE_REVIEW_DAYS",
        "GLACIER_PAGE_SEARCH_BOOST",
    ]:
        assert hasattr(settings, name), name
    assert settings.GLACIER_PAGE_SEARCH_BOOST > 1


def test_layer_boundaries_follow_the_settings(settings):
    from kb.models import Document, GlacierPage
    from kb.services.glaciers import glacier_compact
    from tests.kb.glaciers.corpus import NOW

    settings.GLACIER_COMPACT_RECENT_DAYS = 50
    project = build_project()
    glacier_compact(project=project, now=NOW)
    content = GlacierPage.objects.get(topic__signature="sig-network").content
    keys = {Document.objects.get(pk=e["source"]).key for e in content["surface"]}
    # The 40-day-old issue is on the surface with a 50-day window (it is in the year layer by default).
    assert keys == {"issue/3", "issue/5"}
