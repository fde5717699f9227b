"""Reads with business meaning for onboarding pages, API and reports."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from kb.access import maintained_project_ids, user_is_maintainer, user_sees_everything, visible_projects_q
from kb.models import Project, ProjectMembership
from onboarding.models import Gap

GAP_FILTERS = ("project", "rule", "severity", "state")


def gaps_visible_to(user) -> QuerySet[Gap]:
    """Gaps of the projects `user` may read (private projects: members only); gaps whose
    audience is the maintainers only to the project's maintainers (and staff)."""
    projects = Project.objects.filter(visible_projects_q(user)).values("pk")
    qs = Gap.objects.filter(project_id__in=projects).filter(gap_audience_q(user))
    return qs.select_related("project", "claimed_by", "area")


def gap_audience_q(user) -> Q:
    """The audience part of gaps_visible_to, for queries that already scope the project."""
    if user_sees_everything(user):
        return Q()
    return Q(audience=Gap.Audience.PUBLIC) | Q(
        audience=Gap.Audience.MAINTAINERS, project_id__in=maintained_project_ids(user)
    )


def gap_audiences_for(user, project: Project) -> list[str]:
    """The audiences of `project`'s gaps that `user` may read."""
    if user_is_maintainer(user, project):
        return list(Gap.Audience.values)
    return [Gap.Audience.PUBLIC]


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
