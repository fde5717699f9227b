"""GitHub ingest state: where each project's incremental sync stands, and webhook deliveries seen."""

from django.db import models

from kb.models.core import Project


class GitHubSyncState(models.Model):
    """High-water marks for one project's GitHub sync.

    Each mark is written in the same transaction as the items below it, so a
    sync killed at any point resumes from data that is really in the database.
    """

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="github_state")
    full_name = models.CharField(max_length=200, help_text="owner/name last synced")
    # Keyset position of the issue and comment listings (sorted by updated_at ascending):
    # everything updated before `*_since` is stored; `*_page` > 1 only while paging
    # through a run of items that share one timestamp.
    issues_since = models.DateTimeField(null=True, blank=True)
    issues_page = models.PositiveIntegerField(default=1)
    comments_since = models.DateTimeField(null=True, blank=True)
    comments_page = models.PositiveIntegerField(default=1)
    # Repository docs read through the API (no local clone): the tree last ingested, and
    # the blobs we chose not to store (binary/huge/undecodable) so they are not fetched again.
    commit_sha = models.CharField(max_length=40, blank=True)
    tree_sha = models.CharField(max_length=40, blank=True)
    skipped_blobs = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "GitHub sync state"

    def __str__(self) -> str:
        return f"{self.project} ← {self.full_name}"


class WebhookDelivery(models.Model):
    """One accepted GitHub webhook delivery; the unique id makes redelivery a no-op."""

    delivery_id = models.CharField(max_length=100, unique=True)
    event = models.CharField(max_length=50)
    action = models.CharField(max_length=50, blank=True)
    project = models.ForeignKey(
        Project, null=True, on_delete=models.SET_NULL, related_name="webhook_deliveries"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    enqueued_sync = models.BooleanField(default=False)
    # SHA-256 of the signed body: the same body under a new delivery id is a replay.
    body_sha256 = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} {self.delivery_id}"
