"""What onboarding does after every sync: one entry point for the sync_finished receiver,
the `onboarding people` command and the Celery task."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kb.models import Project, SyncRun
from onboarding.services.paths import maintainer_track_sync, onboarding_paths_draft
from onboarding.services.people import ImportReport, people_import
from onboarding.services.risk import RiskReport, project_risk_compute
from onboarding.services.succession import succession_plans_refresh

logger = logging.getLogger(__name__)


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
        SyncRun.objects.filter(pk=sync_run.pk).update(
            errors=list(sync_run.errors or [])
            + [
                {"item": e["path"], "error": f"line {e['line']}: {e['error']}" if e["line"] else e["error"]}
                for e in imported.errors
            ]
        )
    return RefreshReport(people=imported, risk=risk)


def on_sync_finished(sender, *, project, sync_run=None, **kwargs) -> None:
    """sync_finished receiver: never raises (a failing refresh must not fail the sync)."""
    try:
        project_people_refresh(project=project, sync_run=sync_run)
    except Exception:
        logger.exception("people refresh failed for project %s", getattr(project, "slug", project))
