"""Portal pages for joining a project: ask, decide (maintainers), invite (maintainers), accept."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kb.access import user_is_maintainer
from kb.forms import InvitationForm, MembershipRequestForm
from kb.models import MembershipRequest
from kb.selectors import (
    membership_invitations_open,
    membership_requests_pending,
    project_get,
    project_list,
    project_members,
)
from kb.services.memberships import (
    MembershipError,
    membership_invitation_accept,
    membership_invitation_create,
    membership_invitation_open,
    membership_request_create,
    membership_request_decide,
)


@login_required
@require_POST
def membership_request(request, slug: str):
    project = get_object_or_404(project_list(user=request.user), slug=slug)
    form = MembershipRequestForm(request.POST)
    if form.is_valid():
        try:
            membership_request_create(
                user=request.user, project=project, message=form.cleaned_data["message"]
            )
            messages.success(request, f"Your request was sent to the maintainers of {project.name}.")
        except MembershipError as exc:
            messages.info(request, str(exc))
    return redirect("kb:project", slug=project.slug)


@login_required
def project_members_view(request, slug: str):
    project = project_get(user=request.user, slug=slug)
    if project is None:
        raise Http404("No such project.")
    if not user_is_maintainer(request.user, project):
        raise PermissionDenied("Only the project's maintainers manage its members.")
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation = membership_invitation_create(
            project=project, email=form.cleaned_data["email"], invited_by=request.user
        )
        messages.success(request, f"An invitation was sent to {invitation.email}.")
        return redirect("kb:project-members", slug=project.slug)
    return render(
        request,
        "kb/members.html",
        {
            "project": project,
            "form": form,
            "members": project_members(project=project),
            "requests": membership_requests_pending(project=project),
            "invitations": membership_invitations_open(project=project),
        },
    )


@login_required
@require_POST
def membership_request_decide_view(request, pk: int, decision: str):
    if decision not in {"approve", "refuse"}:
        raise PermissionDenied("Unknown decision.")
    membership_request = get_object_or_404(MembershipRequest.objects.select_related("project", "user"), pk=pk)
    try:
        membership_request_decide(
            membership_request_id=membership_request.pk,
            decided_by=request.user,
            approve=decision == "approve",
        )
    except MembershipError as exc:
        messages.info(request, str(exc))
    else:
        verb = "is now a member" if decision == "approve" else "was refused"
        messages.success(request, f"{membership_request.user.username} {verb}.")
    return redirect("kb:project-members", slug=membership_request.project.slug)


def invitation_view(request, token: str):
    try:
        invitation = membership_invitation_open(token=token)
    except MembershipError as exc:
        return render(request, "kb/invitation.html", {"error": str(exc)}, status=404)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            membership_invitation_accept(token=token, user=request.user)
        except MembershipError as exc:
            return render(
                request, "kb/invitation.html", {"invitation": invitation, "error": str(exc)}, status=400
            )
        messages.success(request, f"Welcome to {invitation.project.name}.")
        return redirect("kb:project", slug=invitation.project.slug)
    return render(request, "kb/invitation.html", {"invitation": invitation})
