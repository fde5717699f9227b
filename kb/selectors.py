"""Reads with business meaning for kb: what a user may list and open."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery

from kb.access import visible_documents_q, visible_projects_q
from kb.models import Document, MembershipInvitation, MembershipRequest, Project, ProjectMembership, SyncRun


def project_list(*, user) -> QuerySet[Project]:
    return Project.objects.filter(visible_projects_q(user)).distinct()


def project_list_with_stats(*, user) -> QuerySet[Project]:
    """Visible projects annotated with `document_count` (non-private items) and `last_synced_at`.

    Subqueries rather than joins: a join of documents and sync runs multiplies rows.
    """
    documents = (
        Document.objects.filter(project=OuterRef("pk"), is_private=False)
        .order_by()
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    last_sync = (
        SyncRun.objects.filter(project=OuterRef("pk"), finished_at__isnull=False)
        .order_by("-finished_at")
        .values("finished_at")[:1]
    )
    visible_ids = Project.objects.filter(visible_projects_q(user)).values("pk")
    return (
        Project.objects.filter(pk__in=visible_ids)
        .annotate(
            document_count=Subquery(documents, output_field=IntegerField()),
            last_synced_at=Subquery(last_sync),
        )
        .order_by("name")
    )


def project_get(*, user, slug: str) -> Project | None:
    """The project if `user` may see it; None otherwise, so callers answer 404 and never leak existence."""
    return project_list_with_stats(user=user).filter(slug=slug).first()


def document_list(
    *,
    user,
    project: str | None = None,
    kind: str | None = None,
    genre: str | None = None,
    lifecycle: str | None = None,
    language: str | None = None,
) -> QuerySet[Document]:
    qs = Document.objects.filter(visible_documents_q(user)).select_related("project").distinct()
    if project:
        qs = qs.filter(project__slug=project)
    if kind:
        qs = qs.filter(kind=kind)
    if genre:
        qs = qs.filter(genre=genre)
    if lifecycle:
        qs = qs.filter(lifecycle=lifecycle)
    if language:
        qs = qs.filter(language=language)
    return qs.order_by("project__name", "kind", "key")


def document_get(*, user, pk: int) -> Document | None:
    return document_list(user=user).filter(pk=pk).first()


def document_children(*, user, document: Document) -> QuerySet[Document]:
    """Replies to `document` (comments of an issue) that `user` may read, oldest first."""
    return document_list(user=user).filter(parent=document).order_by("last_changed_at", "pk")


def document_kind_counts(*, user, project: Project) -> dict[str, int]:
    """{kind: count} of the documents of `project` that `user` may read, in Document.Kind order."""
    rows = (
        Document.objects.filter(pk__in=document_list(user=user, project=project.slug).values("pk"))
        .order_by()
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    counts = dict(rows)
    return {kind: counts[kind] for kind in Document.Kind.values if kind in counts}


def sync_run_latest(*, project: Project) -> SyncRun | None:
    return project.sync_runs.order_by("-started_at").first()


def sync_run_changed(*, sync_run: SyncRun) -> bool:
    """Whether a sync changed anything that work after it reads: a document added, updated
    or removed (ownership files are documents), or new history (a git checkout whose head
    differs from the head of the project's previous successful sync from the same source).

    A sync that changed neither leaves everything derived from documents and history as it
    was, so sync_finished receivers skip their refreshes.
    """
    if sync_run.added or sync_run.updated or sync_run.deleted:
        return True
    head = (sync_run.cursor or {}).get("head")
    if not head or sync_run.status == SyncRun.Status.FAILED:
        return False
    previous = (
        SyncRun.objects.filter(
            project_id=sync_run.project_id,
            source=sync_run.source,
            pk__lt=sync_run.pk,
            status__in=[SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL],
        )
        .order_by("-pk")
        .values_list("cursor", flat=True)
        .first()
    )
    return (previous or {}).get("head") != head


def handoff_note_list(*, user, project: str | None = None) -> QuerySet[Document]:
    """Handoff notes the user may read (private ones only for maintainers, the author and the successor)."""
    return document_list(user=user, project=project, kind=Document.Kind.HANDOFF_NOTE).select_related(
        "created_by"
    )


def handoff_note_get(*, user, pk: int) -> Document | None:
    return handoff_note_list(user=user).filter(pk=pk).first()


def project_membership_of(*, user, project: Project) -> str | None:
    """ "maintainer", "member", "pending" (a request waits) or None, for the project page's offer."""
    if user is None or not user.is_authenticated:
        return None
    role = ProjectMembership.objects.filter(project=project, user=user).values_list("role", flat=True).first()
    if role:
        return role
    waiting = MembershipRequest.objects.filter(
        project=project, user=user, state=MembershipRequest.State.PENDING
    )
    return "pending" if waiting.exists() else None


def project_members(*, project: Project) -> QuerySet[ProjectMembership]:
    return (
        ProjectMembership.objects.filter(project=project)
        .select_related("user")
        .order_by("role", "user__username")
    )


def membership_requests_pending(*, project: Project) -> QuerySet[MembershipRequest]:
    return MembershipRequest.objects.filter(
        project=project, state=MembershipRequest.State.PENDING
    ).select_related("user")


def membership_invitations_open(*, project: Project) -> QuerySet[MembershipInvitation]:
    return MembershipInvitation.objects.filter(project=project, accepted_at__isnull=True).select_related(
        "invited_by"
    )


def memberships_of(*, user) -> QuerySet[ProjectMembership]:
    """The projects `user` belongs to, for their profile."""
    return ProjectMembership.objects.filter(user=user).select_related("project").order_by("project__name")


def project_public_repository(*, project: Project) -> str:
    """The repository as visitors may see it: a web address, never a path on this server."""
    return project.repository if project.repository.startswith(("https://", "http://")) else ""
