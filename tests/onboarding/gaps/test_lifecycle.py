"""open -> claimed -> resolved / dismissed; claim expiry; re-detection; the sync hook and the command."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from kb.models import Document, SyncRun
from kb.signals import sync_finished
from onboarding.models import Gap, GapRun
from onboarding.services.gaps import (
    gap_claim,
    gap_dismiss,
    gap_release,
    gap_reopen,
    gap_touch,
    gaps_detect,
    gaps_expire_claims,
)
from tests.onboarding.gaps.factories import (
    DocumentFactory,
    GapFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def placeholder_project():
    project = ProjectFactory()
    DocumentFactory(project=project, path="docs/setup.md", body="# Setup\n\nTODO: write the steps\n")
    return project


def placeholder_gap(project):
    return Gap.objects.get(project=project, rule_id="placeholder-text")


def test_redetection_updates_instead_of_duplicating():
    project = placeholder_project()
    first = gaps_detect(project=project, rule_ids=["placeholder-text"])
    second = gaps_detect(project=project, rule_ids=["placeholder-text"])
    assert len(first.created) == 1 and second.created == []
    assert Gap.objects.filter(project=project).count() == 1
    gap = placeholder_gap(project)
    assert gap.last_seen_at >= gap.first_seen_at
    assert GapRun.objects.filter(project=project).count() == 2


def test_claim_then_auto_resolve_when_fixed_then_reopen_on_regression():
    project = placeholder_project()
    gaps_detect(project=project, rule_ids=["placeholder-text"])
    newcomer = UserFactory()
    gap = gap_claim(gap=placeholder_gap(project), user=newcomer)
    assert gap.state == Gap.State.CLAIMED and gap.claimed_by == newcomer

    Document.objects.filter(project=project, path="docs/setup.md").update(body="# Setup\n\nRun make.\n")
    result = gaps_detect(project=project, rule_ids=["placeholder-text"])
    gap.refresh_from_db()
    assert gap.state == Gap.State.RESOLVED and gap.resolved_at is not None and result.resolved == [gap.pk]

    Document.objects.filter(project=project, path="docs/setup.md").update(body="# Setup\n\nTBD\n")
    gaps_detect(project=project, rule_ids=["placeholder-text"])
    gap.refresh_from_db()
    assert gap.state == Gap.State.OPEN and gap.resolved_at is None and gap.claimed_by is None


def test_only_open_gaps_can_be_claimed_and_claims_belong_to_the_claimant():
    gap = GapFactory()
    alice, bob = UserFactory(), UserFactory()
    gap_claim(gap=gap, user=alice)
    with pytest.raises(ValidationError) as error:
        gap_claim(gap=gap, user=bob)
    assert "state" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        gap_touch(gap=Gap.objects.get(pk=gap.pk), user=bob)
    with pytest.raises(PermissionDenied):
        gap_release(gap=gap, user=bob)
    gap = gap_release(gap=gap, user=alice)
    assert gap.state == Gap.State.OPEN and gap.claimed_by is None


def test_claim_expires_without_activity(settings):
    settings.GLACIER_GAP_CLAIM_DAYS = 14
    now = timezone.now()
    newcomer = UserFactory()
    stale = gap_claim(gap=GapFactory(), user=newcomer, now=now - timedelta(days=20))
    active = gap_claim(gap=GapFactory(), user=newcomer, now=now - timedelta(days=20))
    gap_touch(gap=active, user=newcomer, now=now - timedelta(days=2))
    assert gaps_expire_claims(now=now) == 1
    stale.refresh_from_db()
    active.refresh_from_db()
    assert stale.state == Gap.State.OPEN and stale.claimed_by is None
    assert active.state == Gap.State.CLAIMED
    # An expired claim can be taken by someone else even before the sweep runs.
    other = gap_claim(gap=GapFactory(), user=newcomer, now=now - timedelta(days=30))
    assert gap_claim(gap=other, user=UserFactory(), now=now).state == Gap.State.CLAIMED


def test_dismiss_needs_a_maintainer_and_a_reason_and_survives_redetection():
    project = placeholder_project()
    gaps_detect(project=project, rule_ids=["placeholder-text"])
    gap = placeholder_gap(project)
    with pytest.raises(PermissionDenied):
        gap_dismiss(gap=gap, user=UserFactory(), reason="no")
    maintainer = MembershipFactory(project=project).user
    with pytest.raises(ValidationError) as error:
        gap_dismiss(gap=gap, user=maintainer, reason="  ")
    assert "reason" in error.value.message_dict
    gap_dismiss(gap=gap, user=maintainer, reason="This page is a template on purpose.")
    gaps_detect(project=project, rule_ids=["placeholder-text"])
    gap.refresh_from_db()
    assert gap.state == Gap.State.DISMISSED and gap.dismissed_reason.startswith("This page")
    gap_reopen(gap=gap, user=maintainer)
    gap.refresh_from_db()
    assert gap.state == Gap.State.OPEN


def test_a_failing_rule_is_skipped_and_its_gaps_are_not_resolved(monkeypatch):
    from onboarding.gaps import RULES
    from onboarding.gaps.base import Rule

    project = placeholder_project()
    gaps_detect(project=project, rule_ids=["placeholder-text"])
    original = RULES["placeholder-text"]

    def explode(ctx):
        raise RuntimeError("boom")

    monkeypatch.setitem(RULES, "placeholder-text", Rule(**{**original.__dict__, "detect": explode}))
    result = gaps_detect(project=project, rule_ids=["placeholder-text"])
    assert "boom" in result.skipped_rules["placeholder-text"]
    assert placeholder_gap(project).state == Gap.State.OPEN


def test_sync_finished_runs_detection_and_never_raises(monkeypatch):
    project = placeholder_project()
    run = SyncRun.objects.create(project=project, source="local", added=1)
    sync_finished.send(sender=SyncRun, project=project, sync_run=run)
    assert Gap.objects.filter(project=project, rule_id="placeholder-text").exists()

    calls = []

    def broken(**kwargs):
        calls.append(kwargs)
        raise RuntimeError("database on fire")

    monkeypatch.setattr("onboarding.services.gaps.gaps_detect", broken)
    sync_finished.send(sender=SyncRun, project=project, sync_run=run)  # logged, not raised
    assert len(calls) == 1
    # A sync that changed no document leaves detection to the nightly run.
    unchanged = SyncRun.objects.create(project=project, source="local", unchanged=5)
    sync_finished.send(sender=SyncRun, project=project, sync_run=unchanged)
    assert len(calls) == 1


def test_nightly_detection_covers_every_project(settings):
    from onboarding.tasks import detect_gaps_all

    project = placeholder_project()
    assert settings.CELERY_BEAT_SCHEDULE["onboarding-detect-gaps-nightly"]["task"] == detect_gaps_all.name
    assert detect_gaps_all() == 1
    assert Gap.objects.filter(project=project, rule_id="placeholder-text").exists()


def test_gaps_command(capsys):
    project = placeholder_project()
    out = StringIO()
    call_command("onboarding", "gaps", "--project", project.slug, stdout=out)
    assert f"{project.slug}:" in out.getvalue() and "new" in out.getvalue()
    assert Gap.objects.filter(project=project, rule_id="placeholder-text").exists()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("onboarding", "gaps", "--project", "nope", stdout=out)


def test_a_change_to_the_claimed_file_keeps_the_claim_alive(settings):
    settings.GLACIER_GAP_CLAIM_DAYS = 14
    now = timezone.now()
    project = ProjectFactory()
    long_ago = now - timedelta(days=40)
    DocumentFactory(
        project=project,
        path="docs/setup.md",
        body="# Setup\n\nTODO: a\n\nTODO: b\n",
        last_changed_at=long_ago,
    )
    DocumentFactory(project=project, path="docs/other.md", body="# Other\n\nTBD\n", last_changed_at=long_ago)
    gaps_detect(project=project, rule_ids=["placeholder-text"], now=now - timedelta(days=30))
    worked_on, idle = (Gap.objects.get(project=project, path=p) for p in ("docs/setup.md", "docs/other.md"))
    newcomer = UserFactory()
    gap_claim(gap=worked_on, user=newcomer, now=now - timedelta(days=20))
    gap_claim(gap=idle, user=newcomer, now=now - timedelta(days=20))
    # The newcomer's first fix lands (one TODO left): the file changed 3 days ago.
    Document.objects.filter(project=project, path="docs/setup.md").update(
        body="# Setup\n\nRun make.\n\nTODO: b\n", last_changed_at=now - timedelta(days=3)
    )
    gaps_detect(project=project, rule_ids=["placeholder-text"], now=now)
    worked_on.refresh_from_db()
    idle.refresh_from_db()
    assert worked_on.state == Gap.State.CLAIMED and worked_on.claimed_by == newcomer
    assert idle.state == Gap.State.OPEN and idle.claimed_by is None
