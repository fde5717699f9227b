"""Documentation gaps found by the detectors in onboarding/gaps/, and the weekly report's bookkeeping.

A Gap is identified by (project, rule_id, fingerprint): re-running detection
updates the same row instead of adding a new one. The services in
onboarding/services/gaps.py own every state change.
"""

from django.conf import settings
from django.db import models

from kb.models import Project
from onboarding.models.people import Area


class Gap(models.Model):
    class Severity(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLAIMED = "claimed", "Claimed"
        RESOLVED = "resolved", "Resolved"
        DISMISSED = "dismissed", "Dismissed"

    class Audience(models.TextChoices):
        # Everyone who may read the project (kb/access.py) sees the gap.
        PUBLIC = "public", "Readers of the project"
        # Only the project's maintainers (and staff): gaps built from private things, such as
        # a handoff checklist, whose title and evidence quote them.
        MAINTAINERS = "maintainers", "Maintainers of the project"

    SEVERITY_RANK = {Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1}

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="gaps")
    rule_id = models.CharField(max_length=64, db_index=True)
    # Stable per rule: what the gap is about (a file path, a question cluster...), hashed.
    fingerprint = models.CharField(max_length=64)
    severity = models.CharField(max_length=10, choices=Severity.choices, db_index=True)
    title = models.CharField(max_length=300)
    # What the detector saw: {"summary": str, "items": [...], ...}; shape depends on the rule.
    evidence = models.JSONField(default=dict, blank=True)
    # How to contribute it back: {"action": "create"|"edit"|"review", "path": str, "outline": [str], "note": str}
    suggestion = models.JSONField(default=dict, blank=True)
    path = models.CharField(max_length=500, blank=True, help_text="File or directory the gap is about")
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="gaps")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    audience = models.CharField(max_length=12, choices=Audience.choices, default=Audience.PUBLIC)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claimed_gaps",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_reason = models.TextField(blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["project", "-first_seen_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "rule_id", "fingerprint"], name="uniq_gap_fingerprint")
        ]
        indexes = [models.Index(fields=["project", "state"]), models.Index(fields=["state", "claimed_at"])]

    def __str__(self) -> str:
        return f"{self.project.slug}: {self.title}"

    @property
    def is_active(self) -> bool:
        return self.state in (self.State.OPEN, self.State.CLAIMED)


class GapRun(models.Model):
    """One detection pass over a project: what it found and which rules it could not evaluate."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="gap_runs")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    found = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    # {rule_id: "why it was not evaluated"}; gaps of these rules are neither resolved nor created.
    skipped_rules = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"{self.project.slug} gap run {self.started_at:%Y-%m-%d %H:%M}"


class ReportSubscription(models.Model):
    """A user's choice about the weekly report.

    With a project: "send me this project's gaps" (or, unsubscribed, stop).
    Without a project: the whole weekly report; unsubscribed=True opts out of every email.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_subscriptions"
    )
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    unsubscribed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "project"], condition=models.Q(project__isnull=False), name="uniq_report_sub"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(project__isnull=True), name="uniq_report_sub_global"
            ),
        ]

    def __str__(self) -> str:
        scope = self.project.slug if self.project_id else "all reports"
        return f"{self.user} {'unsubscribed from' if self.unsubscribed else 'subscribed to'} {scope}"


class ReportSend(models.Model):
    """The record that makes the weekly report go out at most once per recipient and ISO week.

    The row is claimed (status SENDING, by a compare-and-set update) before the
    SMTP conversation and marked SENT after it. An SMTP error marks it FAILED so a
    retry sends it; a worker killed between the server's acceptance and the SENT
    mark leaves SENDING, which is never resent automatically (at most once).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (will be retried)"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_sends"
    )
    week = models.CharField(max_length=8, help_text="ISO week, e.g. 2026-W48")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    message_id = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-week", "recipient"]
        constraints = [models.UniqueConstraint(fields=["recipient", "week"], name="uniq_report_send_week")]

    def __str__(self) -> str:
        return f"{self.recipient} {self.week} {self.status}"
