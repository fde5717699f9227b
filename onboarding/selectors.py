"""Reads for onboarding pages, API and reports."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from kb.access import user_is_maintainer, user_sees_everything, visible_projects_q
from kb.models import Project, ProjectMembership
from onboarding.models import (
    Area,
    AreaOwner,
    Contribution,
    Enrolment,
    HandoffChecklist,
    HandoffItem,
    Maintainer,
    OnboardingPath,
    OnboardingStep,
    ProjectRisk,
    ProjectRole,
    ReportSubscription,
    SuccessionPlan,
)
from onboarding.services.paths import STALL_DAYS


def visible_projects(user) -> QuerySet[Project]:
    return Project.objects.filter(visible_projects_q(user)).distinct()


def maintained_project_ids(user) -> set[int]:
    if user is None or not user.is_authenticated:
        return set()
    return set(
        ProjectMembership.objects.filter(user=user, role=ProjectMembership.Role.MAINTAINER).values_list(
            "project_id", flat=True
        )
    )


def maintainers_visible(user) -> QuerySet[Maintainer]:
    """People with a rung on a visible project, with only their visible roles and areas attached."""
    projects = visible_projects(user)
    return (
        Maintainer.objects.filter(roles__project__in=projects)
        .distinct()
        .prefetch_related(
            Prefetch(
                "roles", queryset=ProjectRole.objects.filter(project__in=projects).select_related("project")
            ),
            Prefetch(
                "ownerships",
                queryset=AreaOwner.objects.filter(area__project__in=projects).select_related("area__project"),
            ),
        )
    )


def succession_plans_visible(user) -> QuerySet[SuccessionPlan]:
    """Maintainers of the project see its plans; the planned-for maintainer and designated
    successors see their own."""
    plans = SuccessionPlan.objects.select_related("project", "maintainer").prefetch_related(
        "successor_links__maintainer"
    )
    if user_sees_everything(user):
        return plans
    if user is None or not user.is_authenticated:
        return plans.none()
    return plans.filter(
        Q(project_id__in=maintained_project_ids(user))
        | Q(maintainer__user=user)
        | Q(successor_links__maintainer__user=user)
    ).distinct()


def checklists_visible(user) -> QuerySet[HandoffChecklist]:
    checklists = HandoffChecklist.objects.select_related(
        "plan__project", "plan__maintainer", "successor"
    ).prefetch_related(Prefetch("items", queryset=HandoffItem.objects.select_related("done_by", "area")))
    if user_sees_everything(user):
        return checklists
    if user is None or not user.is_authenticated:
        return checklists.none()
    return checklists.filter(
        Q(plan__project_id__in=maintained_project_ids(user))
        | Q(successor__user=user)
        | Q(plan__maintainer__user=user)
    ).distinct()


def user_may_tick_checklist(user, checklist: HandoffChecklist) -> bool:
    """Project maintainers, the successor and the leaving maintainer tick items."""
    if user_is_maintainer(user, checklist.plan.project):
        return True
    linked = getattr(user, "maintainer", None) if user and user.is_authenticated else None
    return linked is not None and linked.pk in {checklist.successor_id, checklist.plan.maintainer_id}


def paths_visible(user) -> QuerySet[OnboardingPath]:
    return (
        OnboardingPath.objects.filter(project__in=visible_projects(user))
        .select_related("project")
        .prefetch_related("steps")
    )


def enrolments_visible(user) -> QuerySet[Enrolment]:
    """A newcomer sees their own enrolments; maintainers see everyone's on their projects."""
    enrolments = Enrolment.objects.select_related("path__project", "user").prefetch_related("completions")
    if user_sees_everything(user):
        return enrolments
    if user is None or not user.is_authenticated:
        return enrolments.none()
    return enrolments.filter(Q(user=user) | Q(path__project_id__in=maintained_project_ids(user)))


@dataclass
class Progress:
    done: int
    total: int
    next_step: OnboardingStep | None
    stuck_since: object

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def enrolment_progress(enrolment: Enrolment) -> Progress:
    steps = list(enrolment.path.steps.all())
    completions = {c.step_id: c.completed_at for c in enrolment.completions.all()}
    done = sum(1 for s in steps if s.pk in completions)
    next_step = next((s for s in steps if s.pk not in completions), None)
    last = max(completions.values(), default=enrolment.started_at)
    return Progress(done=done, total=len(steps), next_step=next_step, stuck_since=last)


@dataclass
class Stall:
    step: OnboardingStep
    stuck: int
    enrolled: int


def path_stalls(path: OnboardingPath, *, days: int = STALL_DAYS, now=None) -> list[Stall]:
    """Steps people are stuck on: the next unticked step of enrolees with no progress for more
    than `days` days, most-stuck first."""
    now = now or timezone.now()
    limit = now - timedelta(days=days)
    enrolments = list(path.enrolments.prefetch_related("completions"))
    steps = {s.pk: s for s in path.steps.all()}
    stuck: Counter = Counter()
    for enrolment in enrolments:
        progress = enrolment_progress(enrolment)
        if progress.next_step is not None and progress.stuck_since < limit:
            stuck[progress.next_step.pk] += 1
    return [Stall(steps[pk], count, len(enrolments)) for pk, count in stuck.most_common()]


def path_progress_rows(path: OnboardingPath) -> list[tuple[Enrolment, Progress]]:
    enrolments = path.enrolments.select_related("user").prefetch_related("completions").order_by("started_at")
    return [(e, enrolment_progress(e)) for e in enrolments]


def project_people(project: Project) -> dict:
    """The people page: the ladder, risk figures and areas."""
    roles = (
        ProjectRole.objects.filter(project=project)
        .select_related("maintainer")
        .order_by("maintainer__display_name", "maintainer__github_login")
    )
    ladder = {role: [] for role in [*reversed(ProjectRole.ORDER), ProjectRole.Ladder.EMERITUS]}
    for role in roles:
        ladder[role.role].append(role.maintainer)
    areas = list(
        Area.objects.filter(project=project)
        .prefetch_related("ownerships__maintainer")
        .order_by("-is_silo", "kind", "path")
    )
    risk = ProjectRisk.objects.filter(project=project).first()
    widest = max((a.bus_factor or 0 for a in areas), default=0)
    return {"ladder": ladder, "areas": areas, "risk": risk, "widest_bus_factor": max(widest, 1)}


def project_contributors(project: Project, *, bots: bool = False) -> QuerySet[Contribution]:
    """A project's people by authored commits (bots=False), or its bot accounts, listed apart
    (bots=True). Engagement-only people (comments, closes, no commits) come last."""
    return (
        Contribution.objects.filter(project=project, is_bot=bots)
        .select_related("maintainer")
        .order_by("-commits", "-comments", "-closes", "identity")
    )


def github_login_is_known(*, login: str) -> bool:
    """Whether `login` is the GitHub login of a maintainer or contributor Glacier knows of."""
    return Maintainer.objects.filter(github_login__iexact=login).exists()


def report_subscriptions_of(*, user) -> dict:
    """A user's weekly-report choices: {"opted_out": bool, "projects": [ReportSubscription, ...]}."""
    rows = list(
        ReportSubscription.objects.filter(user=user).select_related("project").order_by("project__name")
    )
    return {
        "opted_out": any(row.project_id is None and row.unsubscribed for row in rows),
        "projects": [row for row in rows if row.project_id is not None],
    }
