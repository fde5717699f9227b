"""Portal pages: a project's people (ladder and bus factor per area), a maintainer's page
(areas, succession plan, handoff checklist with check-off) and the onboarding page
(path, enrolment, progress). Views check access, call one service or selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kb.access import user_is_maintainer
from onboarding import selectors
from onboarding.models import Enrolment, HandoffItem, Maintainer, OnboardingPath
from onboarding.services import paths, succession

CHART_AREAS = 60


def _project(request, slug):
    return get_object_or_404(selectors.visible_projects(request.user), slug=slug)


def people(request, slug):
    project = _project(request, slug)
    context = selectors.project_people(project)
    chart = [a for a in context["areas"] if a.bus_factor][:CHART_AREAS]
    widest = max((a.bus_factor for a in chart), default=1)
    context.update(
        project=project,
        chart=[(a, round(100 * a.bus_factor / widest)) for a in chart],
        chart_height=28 * len(chart) + 10,
        is_maintainer=user_is_maintainer(request.user, project),
    )
    return render(request, "onboarding/people.html", context)


def maintainer(request, slug, pk):
    project = _project(request, slug)
    person = get_object_or_404(Maintainer.objects.filter(roles__project=project).distinct(), pk=pk)
    plan = selectors.succession_plans_visible(request.user).filter(project=project, maintainer=person).first()
    checklists = list(
        selectors.checklists_visible(request.user).filter(plan__project=project, plan__maintainer=person)
    )
    rows = [
        (c, succession.checklist_completeness(c), selectors.user_may_tick_checklist(request.user, c))
        for c in checklists
    ]
    context = {
        "project": project,
        "person": person,
        "role": person.roles.filter(project=project).first(),
        "ownerships": person.ownerships.filter(area__project=project)
        .select_related("area")
        .order_by("area__kind", "area__path"),
        "plan": plan,
        "checklists": rows,
        "is_maintainer": user_is_maintainer(request.user, project),
    }
    return render(request, "onboarding/maintainer.html", context)


@login_required
@require_POST
def item_check(request, slug, pk):
    project = _project(request, slug)
    item = get_object_or_404(
        HandoffItem.objects.select_related("checklist__plan__project"),
        pk=pk,
        checklist__plan__project=project,
    )
    if not selectors.user_may_tick_checklist(request.user, item.checklist):
        raise PermissionDenied
    try:
        succession.handoff_item_check(item=item, user=request.user, done=request.POST.get("done") == "1")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("onboarding:maintainer", slug=project.slug, pk=item.checklist.plan.maintainer_id)


@login_required
@require_POST
def checklist_create(request, slug, pk):
    project = _project(request, slug)
    if not user_is_maintainer(request.user, project):
        raise PermissionDenied
    plan = get_object_or_404(selectors.succession_plans_visible(request.user), pk=pk, project=project)
    try:
        succession.handoff_checklist_create(plan=plan)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("onboarding:maintainer", slug=project.slug, pk=plan.maintainer_id)


@login_required
@require_POST
def checklist_complete(request, slug, pk):
    project = _project(request, slug)
    if not user_is_maintainer(request.user, project):
        raise PermissionDenied
    checklist = get_object_or_404(selectors.checklists_visible(request.user), pk=pk, plan__project=project)
    try:
        succession.handoff_complete(checklist=checklist, actor=request.user)
        messages.success(request, "Handoff complete: roles updated.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("onboarding:maintainer", slug=project.slug, pk=checklist.plan.maintainer_id)


def onboarding(request, slug):
    project = _project(request, slug)
    track = request.GET.get("track", OnboardingPath.Track.NEWCOMER)
    path = get_object_or_404(OnboardingPath.objects.prefetch_related("steps"), project=project, track=track)
    enrolment = None
    progress = None
    done_steps: set[int] = set()
    if request.user.is_authenticated:
        enrolment = (
            Enrolment.objects.filter(path=path, user=request.user).prefetch_related("completions").first()
        )
        if enrolment:
            progress = selectors.enrolment_progress(enrolment)
            done_steps = {c.step_id for c in enrolment.completions.all()}
    is_maintainer = user_is_maintainer(request.user, project)
    context = {
        "project": project,
        "path": path,
        "steps": list(path.steps.all()),
        "enrolment": enrolment,
        "progress": progress,
        "done_steps": done_steps,
        "is_maintainer": is_maintainer,
        # Newcomers see only their own progress; maintainers see everyone's and where people stall.
        "everyone": selectors.path_progress_rows(path) if is_maintainer else None,
        "stalls": selectors.path_stalls(path) if is_maintainer else None,
        "stall_days": paths.STALL_DAYS,
    }
    return render(request, "onboarding/onboarding.html", context)


@login_required
@require_POST
def enrol(request, slug, path_pk):
    project = _project(request, slug)
    path = get_object_or_404(OnboardingPath, pk=path_pk, project=project)
    paths.enrolment_create(path=path, user=request.user)
    return redirect(reverse("onboarding:onboarding", args=[project.slug]) + f"?track={path.track}")


@login_required
@require_POST
def tick(request, slug, path_pk, step_pk):
    project = _project(request, slug)
    path = get_object_or_404(OnboardingPath, pk=path_pk, project=project)
    enrolment = get_object_or_404(Enrolment, path=path, user=request.user)
    step = get_object_or_404(path.steps, pk=step_pk)
    paths.enrolment_step_tick(enrolment=enrolment, step=step, done=request.POST.get("done") == "1")
    return redirect(reverse("onboarding:onboarding", args=[project.slug]) + f"?track={path.track}")
