"""Reads with business meaning for onboarding pages, API and reports."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from kb.access import user_sees_everything, visible_projects_q
from kb.models import Project, ProjectMembership
from onboarding.models import Gap

GAP_FILTERS = ("project", "rule", "severity", "state")


def gaps_visible_to(user) -> QuerySet[Gap]:
    """Gaps of the projects `user` may read (private projects: members only)."""
    projects = Project.objects.filter(visible_projects_q(user)).values("pk")
    return Gap.objects.filter(project_id__in=projects).select_related("project", "claimed_by", "area")


def gaps_filtered(
    user, *, project: str = "", rule: str = "", severity: str = "", state: str = ""
) -> QuerySet[Gap]:
    qs = gaps_visible_to(user)
    if project:
        qs = qs.filter(project__slug=project)
    if rule:
        qs = qs.filter(rule_id=rule)
    if severity:
        qs = qs.filter(severity=severity)
    if state:
        qs = qs.filter(state=state)
    severity_rank = Case(
        *[When(severity=value, then=Value(rank)) for value, rank in Gap.SEVERITY_RANK.items()],
        default=Value(0),
        output_field=IntegerField(),
    )
    state_rank = Case(
        *[When(state=value, then=Value(rank)) for rank, value in enumerate(Gap.State.values)],
        output_field=IntegerField(),
    )
    return qs.order_by(state_rank, severity_rank.desc(), "-first_seen_at", "pk")


def gaps_for_newcomer(user, *, project: Project, limit: int = 5) -> list[Gap]:
    """Open gaps a newcomer can take on first (for onboarding paths): lower severity first, oldest first."""
    from onboarding.services.reports import NEWCOMER_RULES

    return list(
        gaps_visible_to(user)
        .filter(project=project, state=Gap.State.OPEN, rule_id__in=NEWCOMER_RULES)
        .order_by("first_seen_at", "pk")[:limit]
    )


def user_maintains_any(user) -> bool:
    if user_sees_everything(user):
        return True
    return bool(
        user
        and user.is_authenticated
        and ProjectMembership.objects.filter(user=user, role=ProjectMembership.Role.MAINTAINER).exists()
    )
