"""The people/risk refresh and gap detection after a sync run only when the sync changed
something they read (kb.selectors.sync_run_changed): real syncs of real git repositories,
with the downstream services wrapped to count their calls."""

import pytest

from kb.models import SyncRun
from kb.selectors import sync_run_changed
from kb.services.sync import sync_target
from onboarding.models import ProjectRisk, ProjectRole
from onboarding.services import gaps as gaps_service
from onboarding.services import refresh
from tests.kb.gitrepo import CAROL, docs_repo

# sync_finished is sent on commit, so these tests need real commits.
pytestmark = pytest.mark.django_db(transaction=True)

DOWNSTREAM = ["people_import", "project_risk_compute", "succession_plans_refresh", "onboarding_paths_draft",
              "maintainer_track_sync"]  # fmt: skip


@pytest.fixture
def calls(monkeypatch):
    """Counts of calls to every downstream refresh step and to gap detection (each still runs)."""
    counted: dict[str, int] = {}

    def counting(module, name):
        real = getattr(module, name)
        counted[name] = 0

        def wrapper(*args, **kwargs):
            counted[name] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    for name in DOWNSTREAM:
        counting(refresh, name)
    counting(gaps_service, "gaps_detect")
    return counted


def nothing(calls):
    return {name: 0 for name in calls}


def everything(calls):
    return {name: 1 for name in calls}


def test_no_change_resync_runs_no_downstream_refresh(tmp_path, calls):
    docs_repo(tmp_path / "widgets")
    first = sync_target(str(tmp_path / "widgets"))
    assert calls == everything(calls)
    risk_computed_at = ProjectRisk.objects.get(project=first.project).computed_at

    for name in calls:
        calls[name] = 0
    again = sync_target(str(tmp_path / "widgets"))
    assert (again.added, again.updated, again.deleted, again.unchanged) == (0, 0, 0, 4)
    assert calls == nothing(calls)
    assert ProjectRisk.objects.get(project=first.project).computed_at == risk_computed_at


def test_changed_ownership_file_reruns_the_refresh_and_gap_detection(tmp_path, calls):
    repo = docs_repo(tmp_path / "widgets")
    run = sync_target(str(repo.path))
    assert not ProjectRole.objects.filter(project=run.project, maintainer__github_login="carol").exists()
    repo.commit("Carol approves", author=CAROL, files={"OWNERS": "approvers:\n  - alice\n  - carol\n"})
    for name in calls:
        calls[name] = 0
    again = sync_target(str(repo.path))
    assert again.updated == 1
    assert calls == everything(calls)
    assert ProjectRole.objects.filter(project=run.project, maintainer__github_login="carol").exists()


def test_new_history_without_document_changes_reruns_the_refresh(tmp_path, calls):
    repo = docs_repo(tmp_path / "widgets")
    run = sync_target(str(repo.path))
    commits_before = ProjectRisk.objects.get(project=run.project).commits
    repo.commit("Code only", author=CAROL, files={"src/widget.go": "package widget\n"})
    for name in calls:
        calls[name] = 0
    again = sync_target(str(repo.path))
    assert (again.added, again.updated, again.deleted) == (0, 0, 0)
    assert calls == everything(calls)
    assert ProjectRisk.objects.get(project=run.project).commits == commits_before + 1


def test_a_skipped_refresh_keeps_the_ownership_file_errors_in_view(tmp_path, calls):
    repo = docs_repo(tmp_path / "widgets")
    repo.commit("Break OWNERS", files={"docs/OWNERS": "- just\n- a list\n"})
    first = sync_target(str(repo.path))
    expected = {"item": "docs/OWNERS", "error": "line 1: an OWNERS file must be a mapping, not a list",
                "stage": "people"}  # fmt: skip
    first.refresh_from_db()
    assert expected in first.errors

    for name in calls:
        calls[name] = 0
    again = sync_target(str(repo.path))
    again.refresh_from_db()
    assert calls["people_import"] == 0
    assert [e for e in again.errors if e.get("stage") == "people"] == [expected]


def test_a_project_never_refreshed_is_refreshed_even_after_a_no_change_sync(tmp_path, calls):
    docs_repo(tmp_path / "widgets")
    first = sync_target(str(tmp_path / "widgets"))
    ProjectRisk.objects.filter(project=first.project).delete()  # as if the first refresh had failed
    for name in calls:
        calls[name] = 0
    sync_target(str(tmp_path / "widgets"))
    assert calls["people_import"] == 1 and ProjectRisk.objects.filter(project=first.project).exists()
    assert calls["gaps_detect"] == 0  # gap detection has no such catch-up: the nightly run covers it


def test_sync_run_changed_compares_heads_with_the_last_successful_sync_only(tmp_path):
    docs_repo(tmp_path / "widgets")
    first = sync_target(str(tmp_path / "widgets"))
    project, head = first.project, first.cursor["head"]
    failed = SyncRun.objects.create(project=project, source="local", status=SyncRun.Status.FAILED,
                                    cursor={"head": "0" * 40})  # fmt: skip
    same = SyncRun.objects.create(project=project, source="local", cursor={"head": head})
    moved = SyncRun.objects.create(project=project, source="local", cursor={"head": "f" * 40})
    assert sync_run_changed(sync_run=first)  # the first sync brings all the history
    assert not sync_run_changed(sync_run=failed)
    assert not sync_run_changed(sync_run=same)
    assert sync_run_changed(sync_run=moved)
    assert sync_run_changed(sync_run=SyncRun.objects.create(project=project, source="local", deleted=1))
