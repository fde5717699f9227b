"""The profile page: memberships, the API token, weekly report e-mails."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from accounts.services import api_token_rotate
from kb.models import MembershipRequest, Project
from kb.selectors import memberships_of, project_list
from onboarding.selectors import report_subscriptions_of
from onboarding.services.reports import report_opt_out_set, report_subscribe, report_unsubscribe_project


@login_required
def profile(request):
    return render(
        request,
        "accounts/profile.html",
        {
            "token": Token.objects.filter(user=request.user).first(),
            "memberships": memberships_of(user=request.user),
            "pending_requests": MembershipRequest.objects.filter(
                user=request.user, state=MembershipRequest.State.PENDING
            ).select_related("project"),
            "reports": report_subscriptions_of(user=request.user),
        },
    )


@login_required
@require_POST
def token_rotate(request):
    api_token_rotate(user=request.user)
    messages.success(request, "Your new API token is below; the previous one no longer works.")
    return redirect("accounts:profile")


@login_required
@require_POST
def reports_choose(request):
    """One form for the weekly report: all e-mails on or off, or one project's gaps on or off."""
    action = request.POST.get("action")
    if action in {"opt-out", "opt-in"}:
        report_opt_out_set(user=request.user, opted_out=action == "opt-out")
        messages.success(
            request, "Weekly reports are off." if action == "opt-out" else "Weekly reports are on."
        )
    elif action in {"follow", "unfollow"}:
        project: Project = get_object_or_404(
            project_list(user=request.user), slug=request.POST.get("project")
        )
        if action == "follow":
            report_subscribe(user=request.user, project=project)
        else:
            report_unsubscribe_project(user=request.user, project=project)
        messages.success(request, f"Your weekly report choice for {project.name} is saved.")
    return redirect("accounts:profile")
