"""Running the gap detectors and moving gaps through their lifecycle.

open --claim--> claimed --(no activity for GLACIER_GAP_CLAIM_DAYS)--> open
open|claimed --(a later run no longer finds it)--> resolved --(found again)--> open
open|claimed --(maintainer, with a reason)--> dismissed (stays dismissed on re-detection)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from kb.access import user_is_maintainer
from kb.models import Project
from kb.utils import batched
from onboarding.gaps import RULES, DetectionContext, RuleUnavailable
from onboarding.models import Gap, GapRun

logger = logging.getLogger(__name__)


@dataclass
class DetectionResult:
    run: GapRun
    found: int = 0
    created: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    skipped_rules: dict[str, str] = field(default_factory=dict)


def gaps_detect(
    *, project: Project, now: datetime | None = None, rule_ids: list[str] | None = None
) -> DetectionResult:
    """Run the detectors over one project and reconcile their findings with the stored gaps.

    A rule that raises (or is unavailable) is recorded in `skipped_rules` and its
    gaps are left untouched: not finding a gap because a rule broke is not a fix.
    The rules run outside any transaction (they only read); the reconciliation is
    one transaction that locks the project row, so two runs for the same project
    (a sync hook and the command) apply one after the other and never duplicate a gap.
    """
    now = now or timezone.now()
    context = DetectionContext.load(project=project, now=now)
    rules = [RULES[rule_id] for rule_id in rule_ids] if rule_ids else list(RULES.values())
    findings: dict[str, list] = {}
    skipped: dict[str, str] = {}
    for rule_obj in rules:
        try:
            findings[rule_obj.id] = list(rule_obj.detect(context))
        except RuleUnavailable as exc:
            skipped[rule_obj.id] = str(exc)
        except Exception as exc:  # one broken rule must not stop the others
            logger.exception("gap rule %s failed on %s", rule_obj.id, project.slug)
            skipped[rule_obj.id] = f"error: {exc.__class__.__name__}: {exc}"
    changes = {d.path: d.last_changed_at for d in context.repo_files if d.last_changed_at}
    result = _gaps_reconcile(
        project=project, now=now, rules=rules, findings=findings, skipped=skipped, file_changes=changes
    )
    gaps_expire_claims(now=now, project=project)  # after the reconcile has counted new work on claimed files
    return result


@transaction.atomic
def _gaps_reconcile(
    *, project: Project, now: datetime, rules: list, findings: dict, skipped: dict, file_changes: dict
) -> DetectionResult:
    Project.objects.select_for_update().filter(pk=project.pk).first()
    run = GapRun.objects.create(project=project, started_at=now)
    result = DetectionResult(run=run, skipped_rules=dict(skipped))
    existing = {
        (g.rule_id, g.fingerprint): g
        for g in Gap.objects.filter(project=project, rule_id__in=[r.id for r in rules])
    }
    seen: set[tuple[str, str]] = set()
    evaluated = set(findings)
    to_create: list[Gap] = []
    to_update: list[Gap] = []
    still_seen: list[int] = []  # unchanged gaps: only last_seen_at moves, in one UPDATE
    for rule_obj in rules:
        for finding in findings.get(rule_obj.id, ()):
            identity = (rule_obj.id, finding.fingerprint)
            if identity in seen:
                continue
            seen.add(identity)
            values = {
                "severity": finding.severity or rule_obj.severity,
                "title": finding.title[:300],
                "evidence": finding.evidence,
                "suggestion": finding.suggestion.as_dict(),
                "path": finding.path[:500],
                "area_id": finding.area_id,
                "audience": finding.audience,
                "last_seen_at": now,
            }
            gap = existing.get(identity)
            if gap is None:
                to_create.append(
                    Gap(project=project, rule_id=rule_obj.id, fingerprint=finding.fingerprint, first_seen_at=now,
                        state=Gap.State.OPEN, **values)
                )  # fmt: skip
                continue
            changed = any(
                getattr(gap, name) != value for name, value in values.items() if name != "last_seen_at"
            )
            for name, value in values.items():
                setattr(gap, name, value)
            if gap.state == Gap.State.RESOLVED:  # it came back: a regression
                gap.state, gap.resolved_at = Gap.State.OPEN, None
                gap.claimed_by, gap.claimed_at = None, None
                result.reopened.append(gap.pk)
                changed = True
            if changed:
                to_update.append(gap)
            else:
                still_seen.append(gap.pk)

    queued = {gap.pk for gap in to_update}
    for gap in existing.values():
        # A claimed gap whose file changed since the last sign of life is being worked on: the claim lives on.
        changed = file_changes.get(gap.path)
        last = gap.last_activity_at or gap.claimed_at
        if gap.state == Gap.State.CLAIMED and changed and last and changed > last:
            gap.last_activity_at = min(changed, now)
            if gap.pk not in queued:
                to_update.append(gap)
                queued.add(gap.pk)
    for identity, gap in existing.items():
        if identity in seen or gap.rule_id not in evaluated or not gap.is_active:
            continue
        gap.state, gap.resolved_at = Gap.State.RESOLVED, now
        to_update.append(gap)
        result.resolved.append(gap.pk)

    created = Gap.objects.bulk_create(to_create, batch_size=500)
    result.created = [g.pk for g in created if g.pk]
    Gap.objects.bulk_update(
        to_update,
        ["severity", "title", "evidence", "suggestion", "path", "area", "audience", "last_seen_at", "state",
         "resolved_at", "claimed_by", "claimed_at", "last_activity_at"],
        batch_size=500,
    )  # fmt: skip
    for chunk in batched(still_seen, 500):
        Gap.objects.filter(pk__in=chunk).update(last_seen_at=now)
    result.found = len(seen)
    run.finished_at = timezone.now()
    run.found, run.created, run.resolved, run.reopened = (
        result.found, len(to_create), len(result.resolved), len(result.reopened),
    )  # fmt: skip
    run.skipped_rules = result.skipped_rules
    run.save(update_fields=["finished_at", "found", "created", "resolved", "reopened", "skipped_rules"])
    return result


def gaps_detect_after_sync(*, project: Project) -> DetectionResult | None:
    """The sync_finished hook: detect, log any failure, never raise (a sync must not fail because of gaps)."""
    try:
        return gaps_detect(project=project)
    except Exception:
        logger.exception("gap detection after sync of %s failed", project.slug)
        return None


@transaction.atomic
def gap_claim(*, gap: Gap, user, now: datetime | None = None) -> Gap:
    now = now or timezone.now()
    gap = Gap.objects.select_for_update().get(pk=gap.pk)
    if gap.state == Gap.State.CLAIMED and gap.claimed_by_id == user.pk:
        return gap_touch(gap=gap, user=user, now=now)
    if gap.state == Gap.State.CLAIMED and _claim_expired(gap, now):
        gap.state = Gap.State.OPEN
    if gap.state != Gap.State.OPEN:
        raise ValidationError({"state": [f"Only an open gap can be claimed; this one is {gap.state}."]})
    gap.state, gap.claimed_by, gap.claimed_at, gap.last_activity_at = Gap.State.CLAIMED, user, now, now
    gap.save(update_fields=["state", "claimed_by", "claimed_at", "last_activity_at"])
    return gap


@transaction.atomic
def gap_touch(*, gap: Gap, user, now: datetime | None = None) -> Gap:
    """The claimant shows they are still working on it (a comment, a linked PR): the claim lives on."""
    if gap.claimed_by_id != user.pk:
        raise PermissionDenied("Only the person who claimed the gap can keep the claim alive.")
    gap.last_activity_at = now or timezone.now()
    gap.save(update_fields=["last_activity_at"])
    return gap


@transaction.atomic
def gap_release(*, gap: Gap, user) -> Gap:
    gap = Gap.objects.select_for_update().get(pk=gap.pk)
    if gap.state != Gap.State.CLAIMED:
        raise ValidationError({"state": ["This gap is not claimed."]})
    if gap.claimed_by_id != user.pk and not user_is_maintainer(user, gap.project):
        raise PermissionDenied("Only the claimant or a maintainer can release a claim.")
    gap.state, gap.claimed_by, gap.claimed_at, gap.last_activity_at = Gap.State.OPEN, None, None, None
    gap.save(update_fields=["state", "claimed_by", "claimed_at", "last_activity_at"])
    return gap


@transaction.atomic
def gap_dismiss(*, gap: Gap, user, reason: str, now: datetime | None = None) -> Gap:
    if not user_is_maintainer(user, gap.project):
        raise PermissionDenied("Only a maintainer of the project can dismiss a gap.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the gap is dismissed."]})
    gap = Gap.objects.select_for_update().get(pk=gap.pk)
    if gap.state == Gap.State.DISMISSED:
        raise ValidationError({"state": ["This gap is already dismissed."]})
    gap.state, gap.dismissed_by, gap.dismissed_at, gap.dismissed_reason = (
        Gap.State.DISMISSED, user, now or timezone.now(), reason[:2000],
    )  # fmt: skip
    gap.save(update_fields=["state", "dismissed_by", "dismissed_at", "dismissed_reason"])
    return gap


@transaction.atomic
def gap_reopen(*, gap: Gap, user) -> Gap:
    """A maintainer takes a dismissal back."""
    if not user_is_maintainer(user, gap.project):
        raise PermissionDenied("Only a maintainer of the project can reopen a gap.")
    if gap.state != Gap.State.DISMISSED:
        raise ValidationError({"state": ["Only a dismissed gap can be reopened."]})
    gap.state, gap.dismissed_by, gap.dismissed_at, gap.dismissed_reason = Gap.State.OPEN, None, None, ""
    gap.save(update_fields=["state", "dismissed_by", "dismissed_at", "dismissed_reason"])
    return gap


def _claim_expired(gap: Gap, now: datetime) -> bool:
    last = gap.last_activity_at or gap.claimed_at
    return last is not None and now - last > timedelta(days=settings.GLACIER_GAP_CLAIM_DAYS)


@transaction.atomic
def gaps_expire_claims(*, now: datetime | None = None, project: Project | None = None) -> int:
    """Return claims with no activity for GLACIER_GAP_CLAIM_DAYS to the open pool."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.GLACIER_GAP_CLAIM_DAYS)
    stale = (
        Gap.objects.filter(state=Gap.State.CLAIMED)
        .alias(last_active=Coalesce("last_activity_at", "claimed_at"))
        .filter(last_active__lt=cutoff)
    )
    if project is not None:
        stale = stale.filter(project=project)
    return stale.update(state=Gap.State.OPEN, claimed_by=None, claimed_at=None, last_activity_at=None)
