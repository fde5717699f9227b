"""Succession plans and handoff checklists.

A plan per maintainer lists the areas they hold, their designated successors with
readiness, and a risk score. A handoff checklist is generated from those areas:
write down each silo area (linked to its documentation gap), transfer each kind of
access on the project's editable list, reassign the issues assigned to them, review
the glacier pages of their areas, write a handoff note, and introduce the successor.
Completing a handoff moves the leaving maintainer to emeritus and the successor up
the ladder, with a RoleChange row for each move, in one transaction.
"""

from __future__ import annotations

from datetime import timedelta

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kb.models import Document, GlacierPage, Project, ProjectMembership
from kb.safe_links import UNSAFE_LINK_MESSAGE, is_safe_url, safe_url_or_blank
from kb.sources import issues as issue_schema
from onboarding.models import (
    AccessTransferItem,
    Area,
    AreaOwner,
    HandoffChecklist,
    HandoffItem,
    Maintainer,
    ProjectRole,
    RoleChange,
    SuccessionPlan,
    Successor,
)
from onboarding.services import links

Ladder = ProjectRole.Ladder
DEFAULT_ACCESS = [
    ("Release signing keys", "Hand over or rotate the keys used to sign releases."),
    ("CI secrets", "Rotate CI secrets the leaving maintainer knows; give the successor admin on the CI."),
    ("Package registry", "Add the successor as owner on the package registries (PyPI, npm, crates.io...)."),
    ("Domains and DNS", "Transfer the project's domains and DNS accounts."),
]
HANDOFF_DAYS = 30
HOLDING_ROLES = (AreaOwner.Role.APPROVER, AreaOwner.Role.REVIEWER)


def access_items_ensure(*, project: Project) -> list[AccessTransferItem]:
    """The project's access list, seeded with the usual four the first time."""
    items = list(AccessTransferItem.objects.filter(project=project))
    if not items:
        AccessTransferItem.objects.bulk_create(
            [
                AccessTransferItem(project=project, title=t, details=d, position=i)
                for i, (t, d) in enumerate(DEFAULT_ACCESS)
            ],
            ignore_conflicts=True,
        )
        items = list(AccessTransferItem.objects.filter(project=project))
    return items


def plan_risk_score(areas: list[Area], *, has_ready_successor: bool) -> float:
    """0–100: the chance-like combination of the held areas' risks.

    Each area contributes 1/bus_factor (1 when nobody else contributes or there is no
    data), raised to 1 for a silo; areas combine as 1 - prod(1 - risk_i) scaled to a
    third per area so that holding more risky areas raises the score; a ready
    successor halves it.
    """
    remaining = 1.0
    for area in areas:
        risk = 1.0 if area.is_silo or not area.bus_factor else 1.0 / area.bus_factor
        remaining *= 1 - risk / 3
    score = 100 * (1 - remaining)
    if has_ready_successor:
        score /= 2
    return round(score, 1)


def _held_areas(project: Project, maintainer: Maintainer) -> list[Area]:
    return list(
        Area.objects.filter(
            project=project, ownerships__maintainer=maintainer, ownerships__role__in=HOLDING_ROLES
        )
        .distinct()
        .order_by("kind", "path")
    )


@transaction.atomic
def succession_plans_refresh(*, project: Project) -> list[SuccessionPlan]:
    """Ensure a plan per lead/maintainer/approver holding areas, and recompute every plan's risk score."""
    holders = Maintainer.objects.filter(
        Q(roles__project=project, roles__role__in=[Ladder.LEAD, Ladder.MAINTAINER, Ladder.APPROVER])
        | Q(ownerships__area__project=project, ownerships__role=AreaOwner.Role.APPROVER)
    ).distinct()
    existing = {p.maintainer_id: p for p in SuccessionPlan.objects.filter(project=project)}
    new = [SuccessionPlan(project=project, maintainer=m) for m in holders if m.pk not in existing]
    if new:
        SuccessionPlan.objects.bulk_create(new, ignore_conflicts=True)
    plans = list(
        SuccessionPlan.objects.filter(project=project)
        .select_related("maintainer")
        .prefetch_related("successor_links")
    )
    held: dict[int, list[Area]] = {}
    for owner in AreaOwner.objects.filter(area__project=project, role__in=HOLDING_ROLES).select_related(
        "area"
    ):
        held.setdefault(owner.maintainer_id, []).append(owner.area)
    changed = []
    for plan in plans:
        ready = any(link.readiness == Successor.Readiness.READY for link in plan.successor_links.all())
        score = plan_risk_score(held.get(plan.maintainer_id, []), has_ready_successor=ready)
        if score != plan.risk_score:
            plan.risk_score = score
            changed.append(plan)
    if changed:
        SuccessionPlan.objects.bulk_update(changed, ["risk_score"])
    return plans


@transaction.atomic
def succession_plan_create(*, project: Project, maintainer: Maintainer, notes: str = "") -> SuccessionPlan:
    plan, _ = SuccessionPlan.objects.get_or_create(
        project=project, maintainer=maintainer, defaults={"notes": notes}
    )
    areas = _held_areas(project, maintainer)
    plan.risk_score = plan_risk_score(areas, has_ready_successor=False)
    plan.save(update_fields=["risk_score", "updated_at"])
    return plan


@transaction.atomic
def successor_designate(
    *, plan: SuccessionPlan, maintainer: Maintainer, readiness: str = Successor.Readiness.NOT_READY
) -> Successor:
    if maintainer.pk == plan.maintainer_id:
        raise ValidationError({"maintainer": "A maintainer cannot succeed themselves."})
    if readiness not in Successor.Readiness.values:
        raise ValidationError({"readiness": f"Choose one of {', '.join(Successor.Readiness.values)}."})
    link, created = Successor.objects.get_or_create(
        plan=plan, maintainer=maintainer, defaults={"readiness": readiness}
    )
    if not created and link.readiness != readiness:
        link.readiness = readiness
        link.save(update_fields=["readiness"])
    areas = _held_areas(plan.project, plan.maintainer)
    ready = plan.successor_links.filter(readiness=Successor.Readiness.READY).exists()
    plan.risk_score = plan_risk_score(areas, has_ready_successor=ready)
    plan.save(update_fields=["risk_score", "updated_at"])
    return link


def _gap_for(area: Area):
    try:
        Gap = apps.get_model("onboarding", "Gap")
    except LookupError:
        return None
    gaps = Gap.objects.filter(project_id=area.project_id).filter(Q(area=area) | Q(path=area.path))
    # An open gap is the one to point at; otherwise the latest, so the item still has context.
    return gaps.filter(resolved_at__isnull=True).order_by("-pk").first() or gaps.order_by("-pk").first()


def _assigned_issues(project: Project, maintainer: Maintainer) -> list[Document]:
    if not maintainer.github_login:
        return []
    login = maintainer.github_login.lower()
    issues = Document.objects.filter(
        project=project, kind__in=[Document.Kind.ISSUE, Document.Kind.PULL_REQUEST]
    )
    result = []
    for doc in issues.only("pk", "title", "url", "metadata", "key").iterator(chunk_size=2000):
        if not issue_schema.is_open(doc.metadata):
            continue
        if login in {a.lower() for a in issue_schema.assignees(doc.metadata)}:
            result.append(doc)
    return result


def _glacier_pages(project: Project, areas: list[Area]) -> list[GlacierPage]:
    directories = [a.path for a in areas if a.kind == Area.Kind.DIRECTORY]
    labels = [a.path for a in areas if a.kind == Area.Kind.LABEL]
    query = Q(topic__signature__in=labels + directories)
    for directory in directories:
        if directory:
            query |= Q(topic__signature__startswith=directory.rstrip("/") + "/")
    return list(GlacierPage.objects.filter(project=project).filter(query).order_by("title"))


@transaction.atomic
def handoff_checklist_create(
    *, plan: SuccessionPlan, successor: Maintainer | None = None
) -> HandoffChecklist:
    """Generate a checklist from the plan's areas (see module docstring)."""
    project, leaving = plan.project, plan.maintainer
    if successor is not None and successor.pk == leaving.pk:
        raise ValidationError({"successor": "The successor must be someone else."})
    if successor is None:
        link = plan.successor_links.select_related("maintainer").order_by("-readiness", "pk").first()
        successor = link.maintainer if link else None
    elif not plan.successor_links.filter(maintainer=successor).exists():
        Successor.objects.create(plan=plan, maintainer=successor)
    checklist = HandoffChecklist.objects.create(plan=plan, successor=successor)
    today = timezone.localdate()
    due = today + timedelta(days=HANDOFF_DAYS)
    items: list[HandoffItem] = []

    def add(kind, title, *, link="", area=None, details="", days=HANDOFF_DAYS):
        items.append(HandoffItem(checklist=checklist, kind=kind, title=title[:300], area=area, details=details,
                                 link=safe_url_or_blank(link)[:500], position=len(items), due_date=today + timedelta(days=days)))  # fmt: skip

    areas = _held_areas(project, leaving)
    for area in areas:
        if not area.is_silo:
            continue
        gap = _gap_for(area)
        where = (
            f"the {area.path or 'root'} directory"
            if area.kind == Area.Kind.DIRECTORY
            else f"the {area.path} label"
        )
        add(HandoffItem.Kind.DOCUMENT_AREA, f"Write down how {where} works (only {leaving} knows it)",
            link=links.gap_url(gap) if gap else links.gap_board_url(project), area=area,
            details=(gap.title if gap else "No documentation gap has been recorded for this area yet."), days=14)  # fmt: skip
    for access in access_items_ensure(project=project):
        add(
            HandoffItem.Kind.TRANSFER_ACCESS,
            f"Transfer access: {access.title}",
            details=access.details,
            days=21,
        )
    for issue in _assigned_issues(project, leaving):
        add(
            HandoffItem.Kind.REASSIGN_ISSUES,
            f"Reassign {issue.title}",
            link=issue.url or links.document_url(issue),
            days=14,
        )
    for page in _glacier_pages(project, areas):
        add(
            HandoffItem.Kind.REVIEW_GLACIER,
            f"Review the glacier page “{page.title}”",
            link=links.glacier_url(page),
        )
    add(
        HandoffItem.Kind.HANDOFF_NOTE,
        f"Write a handoff note for {successor or 'the successor'}",
        link=links.handoff_note_url(project),
    )
    add(HandoffItem.Kind.INTRODUCE, f"Introduce {successor or 'the successor'} to the community",
        details="Announce the handoff on the mailing list / community meeting and in the areas' channels.")  # fmt: skip
    for item in items:
        item.due_date = min(item.due_date, due)
    HandoffItem.objects.bulk_create(items)
    return checklist


def checklist_completeness(checklist: HandoffChecklist) -> int:
    """Percentage of items done (0–100); 0 for an empty checklist."""
    items = list(checklist.items.all())
    if not items:
        return 0
    return round(100 * sum(1 for i in items if i.done_at) / len(items))


@transaction.atomic
def handoff_item_check(*, item: HandoffItem, user, done: bool = True) -> HandoffItem:
    """Tick (or untick) an item, recording who and when."""
    item = HandoffItem.objects.select_for_update().get(pk=item.pk)
    if item.checklist.completed_at:
        raise ValidationError({"item": "This handoff is already complete."})
    if done and not item.done_at:
        item.done_at, item.done_by = timezone.now(), user
    elif not done:
        item.done_at, item.done_by = None, None
    item.save(update_fields=["done_at", "done_by"])
    return item


@transaction.atomic
def handoff_item_add(*, checklist: HandoffChecklist, title: str, kind: str = HandoffItem.Kind.OTHER,
                     link: str = "", details: str = "", due_date=None) -> HandoffItem:  # fmt: skip
    if checklist.completed_at:
        raise ValidationError({"checklist": "This handoff is already complete."})
    if not title.strip():
        raise ValidationError({"title": "A title is required."})
    if not is_safe_url(link or "/"):
        raise ValidationError({"link": UNSAFE_LINK_MESSAGE})
    position = (checklist.items.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    item = HandoffItem(checklist=checklist, kind=kind, title=title.strip(), link=link, details=details,
                       position=position, due_date=due_date)  # fmt: skip
    item.full_clean()
    item.save()
    return item


def _next_rung(current: str | None, leaving: str) -> str:
    if current in (None, "", Ladder.EMERITUS):
        current = Ladder.CONTRIBUTOR
    order = ProjectRole.ORDER
    one_up = order[min(order.index(current) + 1, len(order) - 1)]
    target = leaving if leaving in order else Ladder.APPROVER
    return max(one_up, target, key=order.index)


def _set_role(project, maintainer, role, *, actor, checklist, reason) -> None:
    current = ProjectRole.objects.filter(project=project, maintainer=maintainer).first()
    old = current.role if current else ""
    if current is None:
        ProjectRole.objects.create(project=project, maintainer=maintainer, role=role, origin="handoff")
    else:
        current.role, current.origin = role, "handoff"
        current.save(update_fields=["role", "origin"])
    RoleChange.objects.create(project=project, maintainer=maintainer, from_role=old, to_role=role,
                              reason=reason, changed_by=actor, checklist=checklist)  # fmt: skip


@transaction.atomic
def handoff_complete(*, checklist: HandoffChecklist, actor, force: bool = False) -> HandoffChecklist:
    """Finish a handoff: the leaving maintainer becomes emeritus, the successor moves up the
    ladder (at least to the rung the leaving maintainer held) and takes over their areas."""
    checklist = (
        HandoffChecklist.objects.select_for_update(of=("self",))
        .select_related("plan__project", "plan__maintainer", "successor")
        .get(pk=checklist.pk)
    )
    if checklist.completed_at:
        raise ValidationError({"checklist": "This handoff is already complete."})
    if checklist.successor is None:
        raise ValidationError({"successor": "Name a successor before completing the handoff."})
    open_items = checklist.items.filter(done_at__isnull=True).count()
    if open_items and not force:
        raise ValidationError({"items": f"{open_items} item(s) are not done yet."})
    project, leaving, successor = checklist.plan.project, checklist.plan.maintainer, checklist.successor
    leaving_role = (
        ProjectRole.objects.filter(project=project, maintainer=leaving).values_list("role", flat=True).first()
    )
    successor_role = (
        ProjectRole.objects.filter(project=project, maintainer=successor)
        .values_list("role", flat=True)
        .first()
    )
    new_role = _next_rung(successor_role, leaving_role or Ladder.APPROVER)
    reason = f"handoff #{checklist.pk} from {leaving} to {successor}"
    _set_role(project, leaving, Ladder.EMERITUS, actor=actor, checklist=checklist, reason=reason)
    _set_role(project, successor, new_role, actor=actor, checklist=checklist, reason=reason)
    held = AreaOwner.objects.filter(area__project=project, maintainer=leaving, role__in=HOLDING_ROLES)
    area_ids = sorted(set(held.values_list("area_id", flat=True)))
    held.delete()
    AreaOwner.objects.bulk_create(
        [
            AreaOwner(area_id=a, maintainer=leaving, role=AreaOwner.Role.EMERITUS, origin="handoff")
            for a in area_ids
        ]
        + [
            AreaOwner(area_id=a, maintainer=successor, role=AreaOwner.Role.APPROVER, origin="handoff")
            for a in area_ids
        ],
        ignore_conflicts=True,
    )
    if leaving.user_id:
        ProjectMembership.objects.filter(
            project=project, user_id=leaving.user_id, role=ProjectMembership.Role.MAINTAINER
        ).update(role=ProjectMembership.Role.MEMBER)
    if successor.user_id and new_role == Ladder.MAINTAINER:
        ProjectMembership.objects.update_or_create(
            project=project, user_id=successor.user_id, defaults={"role": ProjectMembership.Role.MAINTAINER}
        )
    Successor.objects.filter(plan=checklist.plan, maintainer=successor).update(
        readiness=Successor.Readiness.READY
    )
    checklist.completed_at, checklist.completed_by = timezone.now(), actor
    checklist.save(update_fields=["completed_at", "completed_by"])
    return checklist
