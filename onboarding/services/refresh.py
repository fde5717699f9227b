"""What onboarding does after a sync: one entry point for the sync_finished receiver,
the `onboarding people` command and the Celery task.

After a sync that changed nothing it reads (no document added, updated or removed, no new
history: kb.selectors.sync_run_changed) the refresh is skipped, since it would recompute the
same people, risk figures, succession plans and paths; the ownership-file parse errors the
last refresh found are carried onto the new sync run so that they stay in view.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kb.models import Project, SyncRun
from kb.selectors import sync_run_changed
from onboarding.models import ProjectRisk
from onboarding.services.paths import maintainer_track_sync, onboarding_paths_draft
from onboarding.services.people import ImportReport, people_import
from onboarding.services.risk import RiskReport, project_risk_compute
from onboarding.services.succession import succession_plans_refresh

logger = logging.getLogger(__name__)

PEOPLE_STAGE = "people"  # marks the sync-run errors a refresh wrote, so that a skipped one can carry them


@dataclass
class RefreshReport:
    people: ImportReport
    risk: RiskReport


def project_people_refresh(*, project: Project, sync_run: SyncRun | None = None) -> RefreshReport:
    """Import owners, recompute risk figures, refresh succession plans and redraft paths.

    Ownership files that fail to parse are recorded on the sync run's errors (file and line).
    """
    imported = people_import(project=project)
    risk = project_risk_compute(project=project)
    succession_plans_refresh(project=project)
    onboarding_paths_draft(project=project)
    maintainer_track_sync(project=project)
    if sync_run is not None and imported.errors:
        _errors_add(
            sync_run,
            [
                {
                    "item": e["path"],
                    "error": f"line {e['line']}: {e['error']}" if e["line"] else e["error"],
                    "stage": PEOPLE_STAGE,
                }
                for e in imported.errors
            ],
        )
    return RefreshReport(people=imported, risk=risk)


def project_people_refresh_after_sync(*, project: Project, sync_run: SyncRun | None) -> RefreshReport | None:
    """Refresh after a sync, unless the sync changed nothing the refresh reads (then None).

    Without a sync run to judge by, or for a project never refreshed (no risk figures yet,
    e.g. its first refresh failed), it refreshes.
    """
    if (
        sync_run is not None
        and not sync_run_changed(sync_run=sync_run)
        and ProjectRisk.objects.filter(project=project).exists()
    ):
        _carry_people_errors(sync_run)
        return None
    return project_people_refresh(project=project, sync_run=sync_run)


def on_sync_finished(sender, *, project, sync_run=None, **kwargs) -> None:
    """sync_finished receiver: never raises (a failing refresh must not fail the sync)."""
    try:
        project_people_refresh_after_sync(project=project, sync_run=sync_run)
    except Exception:
        logger.exception("people refresh failed for project %s", getattr(project, "slug", project))


def _errors_add(sync_run: SyncRun, errors: list[dict]) -> None:
    SyncRun.objects.filter(pk=sync_run.pk).update(errors=list(sync_run.errors or []) + errors)


def _carry_people_errors(sync_run: SyncRun) -> None:
    """Copy the ownership-file errors of the project's previous sync run (the files did not change)."""
    previous = (
        SyncRun.objects.filter(project_id=sync_run.project_id, pk__lt=sync_run.pk)
        .order_by("-pk")
        .values_list("errors", flat=True)
        .first()
    )
    carried = [e for e in previous or [] if isinstance(e, dict) and e.get("stage") == PEOPLE_STAGE]
    if carried:
        _errors_add(sync_run, carried)
