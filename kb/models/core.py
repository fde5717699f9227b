"""Knowledge-base data: projects, the documents ingested from their sources, sync runs, searches."""

from django.conf import settings
from django.db import models


class Project(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        PRIVATE = "private", "Private"

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # A local path or git URL for repository docs; "owner/name" for GitHub issues.
    repository = models.CharField(max_length=500, blank=True)
    # The exact `repository` value staff or the command-line operator vouched for. A sync reads a
    # local path outside GLACIER_LOCAL_REPOSITORY_ROOTS (or uses file://, plain http...) only while
    # `repository` still equals it, so a row written any other way cannot make the server read itself.
    repository_approved = models.CharField(max_length=500, blank=True, editable=False)
    github_repo = models.CharField(max_length=200, blank=True, help_text="owner/name on GitHub")
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    webhook_secret = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC


class ProjectMembership(models.Model):
    """Who may read a private project, and who maintains it.

    kb owns access; onboarding keeps the richer contributor ladder and mirrors
    maintainers here so that kb never has to import onboarding.
    """

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        MAINTAINER = "maintainer", "Maintainer"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="uniq_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.project} ({self.role})"


class Document(models.Model):
    class Kind(models.TextChoices):
        DOC = "doc", "Documentation"
        OWNERS = "owners", "Owners file"
        ISSUE = "issue", "Issue"
        PULL_REQUEST = "pull_request", "Pull request"
        COMMENT = "comment", "Comment"
        HANDOFF_NOTE = "handoff_note", "Handoff note"

    class Source(models.TextChoices):
        LOCAL = "local", "Repository checkout"
        GITHUB = "github", "GitHub API"
        NOTES = "notes", "Handoff notes"

    class Genre(models.TextChoices):
        CONCEPT = "concept", "Concept guide"
        TASK = "task", "How-to"
        REFERENCE = "reference", "Reference"
        GENERATED_REFERENCE = "generated-reference", "Generated reference"
        DECISION_RECORD = "decision-record", "Decision record"
        MEETING_NOTES = "meeting-notes", "Meeting notes"
        RELEASE_NOTES = "release-notes", "Release notes"
        GOVERNANCE = "governance", "Governance"
        COMMUNITY_HEALTH = "community-health", "Community health"
        TEMPLATE = "template", "Template"
        OWNERSHIP = "ownership", "Ownership"
        OTHER = "other", "Other"

    class Lifecycle(models.TextChoices):
        CURRENT = "current", "Current"
        ARCHIVED = "archived", "Archived"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.LOCAL)
    # Stable identity within (project, source): a repo path, "issue/123", "comment/4567", "note/<slug>".
    key = models.CharField(max_length=500)
    path = models.CharField(max_length=500, blank=True, help_text="Repository-relative path, if any")
    title = models.CharField(max_length=500)
    body = models.TextField(blank=True, help_text="Source text (Markdown)")
    html = models.TextField(blank=True, help_text="Rendered and sanitised HTML")
    headings = models.TextField(blank=True, help_text="Section headings, one per line")
    sha256 = models.CharField(max_length=64)
    url = models.CharField(max_length=1000, blank=True, help_text="Where the item lives upstream")
    last_changed_at = models.DateTimeField(null=True, blank=True)
    # [{"name": ..., "email": ..., "login": ...}], most recent first.
    authors = models.JSONField(default=list, blank=True)
    # Source-specific facts: labels, state, assignees, closed_at, front matter, commit counts...
    metadata = models.JSONField(default=dict, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    # The document model (kb.documents.analysis), computed once per content hash at ingest and
    # read by glaciers, gaps, search, onboarding and people alike.
    genre = models.CharField(max_length=32, choices=Genre.choices, default=Genre.OTHER, db_index=True)
    lifecycle = models.CharField(max_length=16, choices=Lifecycle.choices, default=Lifecycle.CURRENT)
    # BCP 47-style code of the text's language ("en", "zh", "pt-br"); translations are not primary.
    language = models.CharField(max_length=16, default="en")
    # For decision records: {"status", "status_raw", "date", "authors", "approvers", "supersedes",
    # "superseded_by", "why": {"motivation": ..., ...}, "source": "kep.yaml" | "front matter" | ...}.
    decision = models.JSONField(null=True, blank=True)
    # The heading tree: [{"level", "title", "anchor", "anchors", "mkdocs", "line"}], lines of the original file.
    sections = models.JSONField(default=list, blank=True)
    # kb.documents.analysis.ANALYSIS_VERSION when this row was analysed; `kb reindex` re-analyses older rows.
    analysis_version = models.PositiveSmallIntegerField(default=0)
    # Private documents (handoff notes) are readable by the project's maintainers,
    # the author and the listed readers only.
    is_private = models.BooleanField(default=False)
    readers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="readable_documents")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "kind", "key"]
        constraints = [
            models.UniqueConstraint(fields=["project", "source", "key"], name="uniq_document_key"),
        ]
        indexes = [
            models.Index(fields=["project", "kind"]),
            models.Index(fields=["project", "last_changed_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def search_uid(self) -> str:
        return f"doc:{self.pk}"


class DocumentLink(models.Model):
    """A relative link or image in a document, resolved against the same project's files.

    Written by kb.services.document_links from what the analysis found; `target` is set when
    the link resolves to a stored document, so a document's backlinks are `links_in`.
    """

    class Kind(models.TextChoices):
        LINK = "link", "Link"
        IMAGE = "image", "Image"

    class Status(models.TextChoices):
        RESOLVED = "resolved", "Resolves to a document"
        FILE = "file", "Resolves to a repository file"
        BROKEN = "broken", "Target missing"
        BROKEN_ANCHOR = "broken-anchor", "Anchor missing"
        EXTERNAL = "external", "External"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="links_in"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LINK)
    status = models.CharField(max_length=16, choices=Status.choices, db_index=True)
    href = models.CharField(max_length=2000, help_text="The link as written")
    # Repository-relative path the link points to ("" for a same-page anchor or an external link).
    target_path = models.CharField(max_length=500, blank=True)
    anchor = models.CharField(max_length=500, blank=True)
    # 1-based line in the original file, front matter included.
    line = models.PositiveIntegerField()
    # Why a broken link is broken ("case differs: the file is Docs/x.md"), shown to readers.
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["source", "line"]
        indexes = [models.Index(fields=["project", "target_path"])]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.line} -> {self.href}"


class SyncRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Succeeded with errors"
        FAILED = "failed", "Failed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="sync_runs")
    source = models.CharField(max_length=20, choices=Document.Source.choices)
    target = models.CharField(max_length=500, blank=True, help_text="Path, URL or owner/name synced")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    added = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    # Search-index entries of the project found missing, stale or orphaned, and fixed.
    repaired = models.PositiveIntegerField(default=0)
    # [{"path": ..., "reason": ...}] and [{"item": ..., "error": ...}]
    skips = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    # Resumable position for sources that page (GitHub): high-water marks, next page, etc.
    cursor = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"{self.project} {self.source} sync {self.started_at:%Y-%m-%d %H:%M}"


class SearchQuery(models.Model):
    """Every search, kept so that unanswered questions can be reported as documentation gaps."""

    query = models.CharField(max_length=500)
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    result_count = models.PositiveIntegerField()
    top_score = models.FloatField(null=True, blank=True)
    took_ms = models.FloatField()
    via = models.CharField(max_length=10, default="web", help_text="web, api or cli")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "search queries"

    def __str__(self) -> str:
        return self.query
