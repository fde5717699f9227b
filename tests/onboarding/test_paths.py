from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kb.models import Document
from kb.services.documents import DocumentInput
from onboarding.models import Maintainer, OnboardingPath, ProjectRole, StepCompletion
from onboarding.selectors import enrolment_progress, path_stalls
from onboarding.services.paths import (
    enrolment_create,
    enrolment_step_tick,
    maintainer_track_sync,
    onboarding_path_update,
    onboarding_paths_draft,
)
from tests.onboarding.helpers import make_project, make_user, put_files, put_github

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    project = make_project(github_repo="octo/demo")
    put_files(project, {
        "README.md": "# Demo", "CONTRIBUTING.md": "# Contributing", "docs/development.md": "# Development setup",
        "docs/architecture.md": "# Architecture", "sig-x/README.md": "# SIG X",
    }, kind=Document.Kind.DOC)  # fmt: skip
    put_github(project, [
        DocumentInput(kind="issue", key="issue/1", title="Fix typo", body="", url="https://github.com/octo/demo/issues/1",
                      metadata={"state": "open", "labels": [{"name": "good first issue"}]}),
        DocumentInput(kind="issue", key="issue/2", title="Hard bug", body="", metadata={"state": "open", "labels": ["bug"]}),
    ])  # fmt: skip
    return project


def test_newcomer_path_is_drafted_from_ingested_material(project):
    newcomer, track = onboarding_paths_draft(project=project)
    titles = [s.title for s in newcomer.steps.order_by("position")]
    assert titles[:3] == [
        "Read README.md",
        "Read CONTRIBUTING.md",
        "Set up your environment: docs/development.md",
    ]
    assert "Pick a good first issue: Fix typo" in titles
    assert any(t.startswith("Claim a documentation gap") for t in titles)
    assert titles[-1] == "Open your first pull request"
    assert all(s.expected_outcome for s in newcomer.steps.all())
    assert [s.ladder_role for s in track.steps.order_by("position") if s.ladder_role] == [
        "member",
        "reviewer",
        "approver",
        "maintainer",
    ]
    assert max(s.target_days for s in track.steps.all()) == 365


def test_redraft_keeps_ticks_and_stops_after_maintainer_edit(project):
    newcomer, _ = onboarding_paths_draft(project=project)
    user = make_user("newbie")
    enrolment = enrolment_create(path=newcomer, user=user)
    readme = newcomer.steps.get(source_key="doc:README.md")
    enrolment_step_tick(enrolment=enrolment, step=readme)
    onboarding_paths_draft(project=project)
    assert StepCompletion.objects.filter(enrolment=enrolment, step=readme).exists()
    onboarding_path_update(path=newcomer, steps=[{"id": readme.pk, "title": "Read the README", "link": "/x", "expected_outcome": "ok"},
                                                 {"title": "Say hi on Slack"}])  # fmt: skip
    put_files(project, {"GETTING_STARTED.md": "# Start"}, kind=Document.Kind.DOC)
    onboarding_paths_draft(project=project)
    assert [s.title for s in newcomer.steps.order_by("position")] == ["Read the README", "Say hi on Slack"]
    assert StepCompletion.objects.filter(enrolment=enrolment, step=readme).exists()
    with pytest.raises(ValidationError) as caught:
        onboarding_path_update(path=newcomer, steps=[{"title": ""}])
    assert "steps[0].title" in caught.value.message_dict


def test_progress_and_stalls(project):
    newcomer, _ = onboarding_paths_draft(project=project)
    steps = list(newcomer.steps.order_by("position"))
    stale, fresh, done = make_user("stale"), make_user("fresh"), make_user("done")
    stale_enrolment = enrolment_create(path=newcomer, user=stale)
    enrolment_step_tick(enrolment=stale_enrolment, step=steps[0])
    StepCompletion.objects.filter(enrolment=stale_enrolment).update(
        completed_at=timezone.now() - timedelta(days=30)
    )
    type(stale_enrolment).objects.filter(pk=stale_enrolment.pk).update(
        started_at=timezone.now() - timedelta(days=40)
    )
    enrolment_create(path=newcomer, user=fresh)
    finished = enrolment_create(path=newcomer, user=done)
    for step in steps:
        enrolment_step_tick(enrolment=finished, step=step)
    progress = enrolment_progress(stale_enrolment)
    assert (progress.done, progress.total, progress.next_step) == (1, len(steps), steps[1])
    assert enrolment_progress(finished).percent == 100
    stalls = path_stalls(newcomer, days=14)
    assert [(s.step, s.stuck, s.enrolled) for s in stalls] == [(steps[1], 1, 3)]
    other = OnboardingPath.objects.get(project=project, track="maintainer")
    with pytest.raises(ValidationError):
        enrolment_step_tick(enrolment=finished, step=other.steps.first())


def test_maintainer_track_follows_the_ladder(project):
    _, track = onboarding_paths_draft(project=project)
    user = make_user("grower")
    enrolment = enrolment_create(path=track, user=user)
    maintainer = Maintainer.objects.create(github_login="grower", user=user)
    ProjectRole.objects.create(project=project, maintainer=maintainer, role="reviewer")
    assert maintainer_track_sync(project=project) == 2
    done = set(enrolment.completions.values_list("step__ladder_role", flat=True))
    assert done == {"member", "reviewer"}
    assert maintainer_track_sync(project=project) == 0


def test_private_items_never_become_onboarding_steps():
    project = make_project("quiet")
    put_github(project, [
        DocumentInput(kind="issue", key="issue/9", title="Rotate the zanzibar keys", body="", is_private=True,
                      metadata={"state": "open", "labels": [{"name": "good first issue"}]}),
    ])  # fmt: skip
    put_files(project, {"docs/setup-zanzibar.md": "# Setup"}, kind=Document.Kind.DOC)
    Document.objects.filter(project=project, key="docs/setup-zanzibar.md").update(is_private=True)
    newcomer, _ = onboarding_paths_draft(project=project)
    assert "zanzibar" not in " ".join(f"{s.title} {s.link}" for s in newcomer.steps.all()).lower()
