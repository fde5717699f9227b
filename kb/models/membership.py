"""How people join a project: requests a maintainer decides, and invitations a maintainer sends.

The resulting access is a ProjectMembership (kb.models.core); these rows are the way there.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from kb.models.core import Project


class MembershipRequest(models.Model):
    """A signed-in user asks to join a project; one of its maintainers approves or refuses."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="membership_requests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership_requests"
    )
    message = models.TextField(blank=True, max_length=2000)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            # Asking twice while the first request waits adds nothing.
            models.UniqueConstraint(
                fields=["project", "user"],
                condition=Q(state="pending"),
                name="uniq_pending_membership_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} asks to join {self.project} ({self.state})"


class MembershipInvitation(models.Model):
    """A maintainer invites an e-mail address; whoever signs in from the link may accept it once."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="membership_invitations")
    email = models.EmailField()
    # Random, unguessable; the e-mailed link carries it.
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} invited to {self.project}"
