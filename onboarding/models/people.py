"""People and the contributor ladder, areas, succession plans, handoff checklists and
onboarding paths (issue [4]). The services in onboarding/services/ own how these rows are written.
"""

from django.conf import settings
from django.db import models

from kb.models import Document, Project


class Maintainer(models.Model):
    """A person who contributes to one or more projects (not necessarily a maintainer yet)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="maintainer"
    )
    github_login = models.CharField(max_length=100, blank=True, db_index=True)
    display_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True, db_index=True)
    affiliation = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["display_name", "github_login"]
        constraints = [
            models.UniqueConstraint(
                fields=["github_login"], condition=~models.Q(github_login=""), name="uniq_maintainer_login"
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.github_login or self.email


class ProjectRole(models.Model):
    """A person's rung on a project's contributor ladder."""

    class Ladder(models.TextChoices):
        CONTRIBUTOR = "contributor", "Contributor"
        MEMBER = "member", "Member"
        REVIEWER = "reviewer", "Reviewer"
        APPROVER = "approver", "Approver"
        MAINTAINER = "maintainer", "Maintainer / owner"
        LEAD = "lead", "Lead / chair"
        EMERITUS = "emeritus", "Emeritus"

    ORDER = [
        Ladder.CONTRIBUTOR,
        Ladder.MEMBER,
        Ladder.REVIEWER,
        Ladder.APPROVER,
        Ladder.MAINTAINER,
        Ladder.LEAD,
    ]

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="roles")
    maintainer = models.ForeignKey(Maintainer, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=20, choices=Ladder.choices, default=Ladder.CONTRIBUTOR)
    # "owners" when imported from OWNERS/CODEOWNERS/MAINTAINERS, "manual" when set in the portal.
    origin = models.CharField(max_length=20, default="owners")
    since = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "maintainer"], name="uniq_project_role")]

    def __str__(self) -> str:
        return f"{self.maintainer} — {self.get_role_display()} of {self.project}"


class Area(models.Model):
    """A part of a project with owners: a directory (OWNERS/CODEOWNERS), a file (CODEOWNERS
    naming one file, such as Makefile) or an issue label."""

    class Kind(models.TextChoices):
        DIRECTORY = "directory", "Directory"
        FILE = "file", "File"
        LABEL = "label", "Label"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="areas")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DIRECTORY)
    path = models.CharField(
        max_length=500, help_text="Directory or file path ('' for the root) or label name"
    )
    owners_document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owners = models.ManyToManyField(Maintainer, through="AreaOwner", related_name="areas")
    # Risk figures, recomputed on sync.
    bus_factor = models.PositiveIntegerField(null=True, blank=True)
    elephant_factor = models.PositiveIntegerField(null=True, blank=True)
    contributions = models.PositiveIntegerField(default=0)
    doc_count = models.PositiveIntegerField(default=0)
    is_silo = models.BooleanField(default=False)
    computed_at = models.DateTimeField(null=True, blank=True)
    # Added by the people import: where the area came from ("owners", "codeowners", "maintainers"
    # or "manual"); the import only ever deletes areas it created itself.
    origin = models.CharField(max_length=20, default="owners")
    glacier_count = models.PositiveIntegerField(default=0)
    # [{"name": ..., "count": ...}] — the people behind the bus factor, most active first.
    top_contributors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["project", "kind", "path"]
        constraints = [models.UniqueConstraint(fields=["project", "kind", "path"], name="uniq_area")]

    def __str__(self) -> str:
        return f"{self.project.slug}:{self.path or '/'}"


class AreaOwner(models.Model):
    class Role(models.TextChoices):
        APPROVER = "approver", "Approver"
        REVIEWER = "reviewer", "Reviewer"
        EMERITUS = "emeritus", "Emeritus approver"

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="ownerships")
    maintainer = models.ForeignKey(Maintainer, on_delete=models.CASCADE, related_name="ownerships")
    role = models.CharField(max_length=20, choices=Role.choices)
    # "owners" rows mirror the ownership files and are replaced on every import;
    # "handoff"/"manual" rows are kept until someone removes them.
    origin = models.CharField(max_length=20, default="owners")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["area", "maintainer", "role"], name="uniq_area_owner_role")
        ]

    def __str__(self) -> str:
        return f"{self.maintainer} ({self.get_role_display()}) of {self.area}"


class SuccessionPlan(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="succession_plans")
    maintainer = models.ForeignKey(Maintainer, on_delete=models.CASCADE, related_name="succession_plans")
    successors = models.ManyToManyField(Maintainer, through="Successor", related_name="succeeding")
    risk_score = models.FloatField(default=0)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "maintainer"], name="uniq_succession_plan")]

    def __str__(self) -> str:
        return f"Succession plan for {self.maintainer} in {self.project}"


class Successor(models.Model):
    class Readiness(models.TextChoices):
        NOT_READY = "not_ready", "Not ready"
        IN_PROGRESS = "in_progress", "Growing into it"
        READY = "ready", "Ready"

    plan = models.ForeignKey(SuccessionPlan, on_delete=models.CASCADE, related_name="successor_links")
    maintainer = models.ForeignKey(Maintainer, on_delete=models.CASCADE, related_name="+")
    readiness = models.CharField(max_length=20, choices=Readiness.choices, default=Readiness.NOT_READY)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "maintainer"], name="uniq_successor")]

    def __str__(self) -> str:
        return f"{self.maintainer} ({self.get_readiness_display()})"


class HandoffChecklist(models.Model):
    plan = models.ForeignKey(SuccessionPlan, on_delete=models.CASCADE, related_name="checklists")
    successor = models.ForeignKey(
        Maintainer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Handoff of {self.plan.maintainer} to {self.successor or 'someone'}"


class HandoffItem(models.Model):
    class Kind(models.TextChoices):
        DOCUMENT_AREA = "document_area", "Write down a silo area"
        TRANSFER_ACCESS = "transfer_access", "Transfer access"
        REASSIGN_ISSUES = "reassign_issues", "Reassign issues"
        REVIEW_GLACIER = "review_glacier", "Review glacier pages"
        HANDOFF_NOTE = "handoff_note", "Write a handoff note"
        INTRODUCE = "introduce", "Introduce the successor"
        OTHER = "other", "Other"

    checklist = models.ForeignKey(HandoffChecklist, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    title = models.CharField(max_length=300)
    link = models.CharField(max_length=500, blank=True)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    details = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    due_date = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["checklist", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class OnboardingPath(models.Model):
    class Track(models.TextChoices):
        NEWCOMER = "newcomer", "First contribution"
        MAINTAINER = "maintainer", "Maintainer track"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="onboarding_paths")
    track = models.CharField(max_length=20, choices=Track.choices, default=Track.NEWCOMER)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when a maintainer edits the path; from then on syncs no longer redraft it.
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "track"], name="uniq_path_track")]

    def __str__(self) -> str:
        return self.title


class OnboardingStep(models.Model):
    path = models.ForeignKey(OnboardingPath, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=300)
    link = models.CharField(max_length=500, blank=True)
    expected_outcome = models.TextField(blank=True)
    # Maintainer-track milestones point at the ladder rung they lead to.
    ladder_role = models.CharField(max_length=20, choices=ProjectRole.Ladder.choices, blank=True)
    target_days = models.PositiveIntegerField(null=True, blank=True)
    # What a drafted step was made from ("doc:README.md", "issue:42", "gap:..."); "" when hand-written.
    source_key = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["path", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class Enrolment(models.Model):
    path = models.ForeignKey(OnboardingPath, on_delete=models.CASCADE, related_name="enrolments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments")
    started_at = models.DateTimeField(auto_now_add=True)
    completed_steps = models.ManyToManyField(OnboardingStep, through="StepCompletion", related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["path", "user"], name="uniq_enrolment")]

    def __str__(self) -> str:
        return f"{self.user} on {self.path}"


class StepCompletion(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="completions")
    step = models.ForeignKey(OnboardingStep, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "step"], name="uniq_step_completion")]

    def __str__(self) -> str:
        return f"{self.enrolment.user} did {self.step}"


class ProjectRisk(models.Model):
    """Project-wide risk figures, recomputed on every sync (per-area figures live on Area)."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="risk")
    bus_factor = models.PositiveIntegerField(null=True, blank=True)
    elephant_factor = models.PositiveIntegerField(null=True, blank=True)
    contributions = models.PositiveIntegerField(default=0)
    contributors = models.PositiveIntegerField(default=0)
    commits = models.PositiveIntegerField(default=0)
    # Issue comments and closes: engagement, never part of the commit-based figures above.
    engagement = models.PositiveIntegerField(default=0)
    engaged_people = models.PositiveIntegerField(default=0)
    # [{"name": ..., "count": ...}] most first; affiliations likewise.
    top_contributors = models.JSONField(default=list, blank=True)
    top_affiliations = models.JSONField(default=list, blank=True)
    # Bot accounts, left out of every figure: [{"name", "key", "count"}].
    bots = models.JSONField(default=list, blank=True)
    silo_count = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"risk of {self.project}"


class Contribution(models.Model):
    """One person's contributions to a project: commits from git, comments and closes from GitHub."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="contributions")
    # The merged identity's key (onboarding.services.identities): lower-cased GitHub login
    # when known, else the main e-mail address, else the normalised name.
    identity = models.CharField(max_length=254)
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    maintainer = models.ForeignKey(
        Maintainer, null=True, blank=True, on_delete=models.SET_NULL, related_name="contributions"
    )
    affiliation = models.CharField(max_length=200, blank=True)
    commits = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    closes = models.PositiveIntegerField(default=0)
    last_contributed_at = models.DateTimeField(null=True, blank=True)
    # Bots are kept (listed apart) but never counted in the figures.
    is_bot = models.BooleanField(default=False)
    # Every name, e-mail and @login merged into this identity.
    aliases = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["project", "-commits"]
        constraints = [models.UniqueConstraint(fields=["project", "identity"], name="uniq_contribution")]

    def __str__(self) -> str:
        return f"{self.name or self.identity} in {self.project}"

    @property
    def total(self) -> int:
        return self.commits + self.comments + self.closes


class AccessTransferItem(models.Model):
    """A project's editable list of access to hand over (release signing, CI secrets, ...).

    Every new handoff checklist gets one "transfer access" item per entry.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="access_items")
    title = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["project", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["project", "title"], name="uniq_access_item")]

    def __str__(self) -> str:
        return self.title


class RoleChange(models.Model):
    """Audit trail of ladder moves: who moved whom, from what to what, and why."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="role_changes")
    maintainer = models.ForeignKey(Maintainer, on_delete=models.CASCADE, related_name="role_changes")
    from_role = models.CharField(max_length=20, blank=True)
    to_role = models.CharField(max_length=20)
    reason = models.CharField(max_length=300)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checklist = models.ForeignKey(
        HandoffChecklist, null=True, blank=True, on_delete=models.SET_NULL, related_name="role_changes"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.maintainer}: {self.from_role or '-'} -> {self.to_role} ({self.project})"
