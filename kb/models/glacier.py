"""Knowledge-glacier pages: one living page per topic, compacted from documents (issue [3]).

The compaction service (kb/services/glaciers.py) owns how these are filled in; the
pure compaction functions live in kb/glaciers/.

A topic is identified across runs by (origin, signature): a folder or OWNERS-area path,
an issue label, or the key of the anchor item of a text-similarity cluster. Maintainer
edits are stored on the topic itself (locked title, merged_into) or as TopicPin rows
(a split moves documents to another topic), so recompaction re-applies them every run.
"""

from django.db import models
from django.utils import timezone

from kb.models.core import Document, Project


class Topic(models.Model):
    class Origin(models.TextChoices):
        FOLDER = "folder", "Documentation folder"
        OWNERS = "owners", "OWNERS area"
        LABEL = "label", "Issue label"
        CLUSTER = "cluster", "Text similarity"
        MANUAL = "manual", "Created by a maintainer"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="topics")
    slug = models.SlugField(max_length=200)
    title = models.CharField(max_length=300)
    origin = models.CharField(max_length=20, choices=Origin.choices)
    # The stable signature the topic was derived from (a folder path, a label, an area path),
    # so that a maintainer's rename survives recompaction.
    signature = models.CharField(max_length=500, blank=True)
    documents = models.ManyToManyField(Document, blank=True, related_name="topics")
    # A maintainer renamed the topic: compaction keeps `title` instead of deriving one.
    title_locked = models.BooleanField(default=False)
    # A maintainer merged this topic into another: its items go there on every run.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_topics"
    )
    # Set when the last compaction found no items for a derived topic; the page and its
    # revisions stay reachable, the topic is hidden from lists.
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project", "title"]
        constraints = [models.UniqueConstraint(fields=["project", "slug"], name="uniq_topic_slug")]
        indexes = [models.Index(fields=["project", "origin", "signature"])]

    def __str__(self) -> str:
        return self.title

    @property
    def identity(self) -> tuple[str, str]:
        return (self.origin, self.signature)


class TopicPin(models.Model):
    """A maintainer's decision that a document belongs to one topic only (how a split is kept)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="pins")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="topic_pins")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "document"], name="uniq_topic_pin")]

    def __str__(self) -> str:
        return f"document {self.document_id} pinned to {self.topic}"


class GlacierPage(models.Model):
    topic = models.OneToOneField(Topic, on_delete=models.CASCADE, related_name="page")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="glacier_pages")
    title = models.CharField(max_length=300)
    # GitHub login or git author of the person who answers for the page (editable).
    owner_login = models.CharField(max_length=200, blank=True)
    # A maintainer chose the owner: compaction no longer derives it from the area's OWNERS.
    owner_locked = models.BooleanField(default=False)
    review_by = models.DateField(null=True, blank=True)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    # The current content (same shape as GlacierRevision.content / .restricted).
    content = models.JSONField(default=dict, blank=True)
    restricted = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    # The restricted part changes without a new revision, so that the history readers see
    # never reveals when private material changed.
    restricted_hash = models.CharField(max_length=64, blank=True)
    revision_count = models.PositiveIntegerField(default=0)
    # Measured quality (see kb/glaciers/pages.py: page_metrics).
    compression_ratio = models.FloatField(default=0)
    coverage = models.FloatField(default=0)
    source_count = models.PositiveIntegerField(default=0)
    newest_source_at = models.DateTimeField(null=True, blank=True)
    oldest_source_at = models.DateTimeField(null=True, blank=True)
    # Latest last-changed time of any source; later than last_reviewed_at means stale.
    sources_changed_at = models.DateTimeField(null=True, blank=True)
    compacted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def search_uid(self) -> str:
        return f"glacier:{self.pk}"

    def stale_reasons(self, *, today=None) -> list[str]:
        """Why the page needs a review: past its review-by date, or sources changed since the review."""
        today = today or timezone.localdate()
        reasons = []
        if self.review_by and self.review_by < today:
            reasons.append(f"review was due {self.review_by.isoformat()}")
        if (
            self.last_reviewed_at
            and self.sources_changed_at
            and self.sources_changed_at > self.last_reviewed_at
        ):
            reasons.append("sources changed since the last review")
        return reasons

    @property
    def is_stale(self) -> bool:
        return bool(self.stale_reasons())


class GlacierRevision(models.Model):
    """One stored state of a page; a compaction writes one only when the content hash changed."""

    page = models.ForeignKey(GlacierPage, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    content = models.JSONField(default=dict)
    # Sentences from private sources (handoff notes) when the revision was written, kept apart
    # and shown per reader.
    restricted = models.JSONField(default=dict, blank=True)
    # Plain-text rendering of the public content: what diffs and search read.
    text = models.TextField()
    content_hash = models.CharField(max_length=64)
    source_ids = models.JSONField(default=list, help_text="Public document ids the revision draws on")
    metrics = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["page", "-number"]
        constraints = [models.UniqueConstraint(fields=["page", "number"], name="uniq_glacier_revision")]

    def __str__(self) -> str:
        return f"{self.page} r{self.number}"


class CompactionRun(models.Model):
    """A record of each compaction of a project, with the input fingerprint it saw."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="compaction_runs")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    input_fingerprint = models.CharField(max_length=64, blank=True)
    skipped = models.BooleanField(default=False, help_text="Nothing changed since the previous run")
    topics = models.PositiveIntegerField(default=0)
    pages_created = models.PositiveIntegerField(default=0)
    pages_updated = models.PositiveIntegerField(default=0)
    pages_unchanged = models.PositiveIntegerField(default=0)
    pages_retired = models.PositiveIntegerField(default=0)
    revisions_created = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"{self.project} compaction {self.started_at:%Y-%m-%d %H:%M}"
