"""Stalled handoffs: checklist items past their due date and not done."""

from __future__ import annotations

from onboarding.gaps.base import DetectionContext, Finding, Suggestion, rule
from onboarding.models import HandoffItem


@rule(
    id="stalled-handoff",
    title="Handoff item overdue",
    severity="medium",
    why=(
        "A handoff that stalls leaves the area between two people: the departing maintainer thinks "
        "it is handed over, the successor has not got the access or knowledge yet."
    ),
    how=(
        "Finish the item with the successor (or set a realistic new due date and say why); if the item "
        "is a write-up of an area, a newcomer can help by drafting it from the code and the owner's notes."
    ),
)
def stalled_handoffs(ctx: DetectionContext):
    today = ctx.now.date()
    items = HandoffItem.objects.filter(
        checklist__plan__project=ctx.project,
        checklist__completed_at__isnull=True,
        done_at__isnull=True,
        due_date__lt=today,
    ).select_related("checklist__plan__maintainer", "checklist__successor", "area")
    for item in items:
        overdue = (today - item.due_date).days
        plan = item.checklist.plan
        yield Finding(
            key=f"handoff-item:{item.pk}",
            title=f'Handoff of {plan.maintainer}: "{item.title}" is {overdue} days overdue',
            evidence={
                "summary": f"Due {item.due_date.isoformat()}, not done.",
                "maintainer": str(plan.maintainer),
                "successor": str(item.checklist.successor) if item.checklist.successor else "",
                "item": item.title,
                "kind": item.kind,
                "due_date": item.due_date.isoformat(),
                "days_overdue": overdue,
            },
            suggestion=Suggestion(
                "review", item.link or "", (f"Complete: {item.title}", "Or agree a new due date")
            ),
            path=item.area.path if item.area else "",
            area_id=item.area_id,
            severity="high" if overdue > 14 else "medium",
            # It quotes a succession checklist and names the people in it.
            audience="maintainers",
        )
