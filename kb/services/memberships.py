"""Writes that let people into a project: membership requests and e-mailed invitations.

A maintainer (or staff) decides; the outcome is a ProjectMembership with the member role.
Maintainers themselves are made elsewhere: from the project's ownership files
(onboarding.services.people.memberships_mirror), by the project's creator, or by staff in
the admin. E-mails leave after the transaction commits.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from kb.access import user_is_maintainer
from kb.models import MembershipInvitation, MembershipRequest, Project, ProjectMembership

INVITATION_VALID_DAYS = 14


class MembershipError(ValueError):
    """A membership step that cannot happen, with a sentence for the person who tried it."""


def _portal_url(path: str) -> str:
    return settings.GLACIER_BASE_URL.rstrip("/") + path


def _maintainer_emails(project: Project) -> list[str]:
    return sorted(
        set(
            ProjectMembership.objects.filter(project=project, role=ProjectMembership.Role.MAINTAINER)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def _send(template: str, *, subject: str, recipients: list[str], context: dict) -> None:
    if recipients:
        body = render_to_string(template, context)
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
        )


@transaction.atomic
def membership_request_create(*, user, project: Project, message: str = "") -> MembershipRequest:
    """Ask to join `project`; asking again while a request waits returns that request."""
    if ProjectMembership.objects.filter(project=project, user=user).exists():
        raise MembershipError(f"You are already a member of {project.name}.")
    pending = MembershipRequest.objects.filter(
        project=project, user=user, state=MembershipRequest.State.PENDING
    ).first()
    if pending is not None:
        return pending
    membership_request = MembershipRequest(project=project, user=user, message=message.strip())
    membership_request.full_clean()
    membership_request.save()
    _send(
        "emails/membership_request.txt",
        subject=f"[Glacier] {user.username} asks to join {project.name}",
        recipients=_maintainer_emails(project),
        context={
            "membership_request": membership_request,
            "members_url": _portal_url(reverse("kb:project-members", args=[project.slug])),
        },
    )
    return membership_request


@transaction.atomic
def membership_request_decide(*, membership_request_id: int, decided_by, approve: bool) -> MembershipRequest:
    """Approve (a member membership is created) or refuse a pending request; maintainers only."""
    membership_request = (
        MembershipRequest.objects.select_for_update()
        .select_related("project", "user")
        .get(pk=membership_request_id)
    )
    project = membership_request.project
    if not user_is_maintainer(decided_by, project):
        raise PermissionDenied("Only the project's maintainers decide on membership requests.")
    if membership_request.state != MembershipRequest.State.PENDING:
        raise MembershipError("This request was already decided.")
    membership_request.state = (
        MembershipRequest.State.APPROVED if approve else MembershipRequest.State.REFUSED
    )
    membership_request.decided_by = decided_by
    membership_request.decided_at = timezone.now()
    membership_request.save(update_fields=["state", "decided_by", "decided_at"])
    if approve:
        ProjectMembership.objects.get_or_create(
            project=project, user=membership_request.user, defaults={"role": ProjectMembership.Role.MEMBER}
        )
    _send(
        "emails/membership_decision.txt",
        subject=f"[Glacier] Your request to join {project.name}",
        recipients=[membership_request.user.email] if membership_request.user.email else [],
        context={
            "membership_request": membership_request,
            "approved": approve,
            "project_url": _portal_url(reverse("kb:project", args=[project.slug])),
        },
    )
    return membership_request


@transaction.atomic
def membership_invitation_create(*, project: Project, email: str, invited_by) -> MembershipInvitation:
    """Invite an address to join `project`; the e-mail carries a one-time link. Maintainers only."""
    if not user_is_maintainer(invited_by, project):
        raise PermissionDenied("Only the project's maintainers invite people.")
    invitation = MembershipInvitation(
        project=project, email=email.strip(), invited_by=invited_by, token=secrets.token_urlsafe(32)
    )
    invitation.full_clean()
    invitation.save()
    _send(
        "emails/membership_invitation.txt",
        subject=f"[Glacier] {invited_by.username} invites you to {project.name}",
        recipients=[invitation.email],
        context={
            "invitation": invitation,
            "valid_days": INVITATION_VALID_DAYS,
            "accept_url": _portal_url(reverse("kb:invitation", args=[invitation.token])),
        },
    )
    return invitation


def membership_invitation_open(*, token: str) -> MembershipInvitation:
    """The invitation behind `token` while it can still be accepted; MembershipError otherwise."""
    invitation = MembershipInvitation.objects.select_related("project").filter(token=token).first()
    if invitation is None or invitation.accepted_at is not None:
        raise MembershipError("This invitation is not valid, or it was already used.")
    if invitation.created_at < timezone.now() - timedelta(days=INVITATION_VALID_DAYS):
        raise MembershipError("This invitation has expired; ask the maintainer for a new one.")
    return invitation


@transaction.atomic
def membership_invitation_accept(*, token: str, user) -> ProjectMembership:
    """Join the invitation's project as `user`, who must have verified the invited address."""
    invitation = membership_invitation_open(token=token)
    invitation = MembershipInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise MembershipError("This invitation is not valid, or it was already used.")
    if not EmailAddress.objects.filter(user=user, email__iexact=invitation.email, verified=True).exists():
        raise MembershipError(
            f"This invitation was sent to {invitation.email}. Sign in with the account that has "
            "verified that address (or add and verify it under E-mail addresses)."
        )
    membership, _ = ProjectMembership.objects.get_or_create(
        project=invitation.project, user=user, defaults={"role": ProjectMembership.Role.MEMBER}
    )
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    MembershipRequest.objects.filter(
        project=invitation.project, user=user, state=MembershipRequest.State.PENDING
    ).update(
        state=MembershipRequest.State.APPROVED, decided_by=invitation.invited_by, decided_at=timezone.now()
    )
    return membership
