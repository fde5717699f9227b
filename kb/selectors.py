"""Reads with business meaning for kb: what a user may list and open."""

from dataclasses import dataclass
from urllib.parse import quote

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery

from kb.access import visible_documents_q, visible_projects_q
from kb.models import (
    Document,
    DocumentLink,
    GitHubSyncState,
    MembershipInvitation,
    MembershipRequest,
    Project,
    ProjectMembership,
    RepositoryFile,
    SyncRun,
)


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


# Links between documents (kb.services.document_links) ---------------------------------------
@dataclass(frozen=True)
class Upstream:
    """Where a project's files can be opened upstream: a web base ("https://github.com/o/n") at a commit."""

    base: str
    ref: str

    def blob(self, path: str) -> str:
        return f"{self.base}/blob/{self.ref}/{quote(path)}"

    def tree(self, path: str) -> str:
        return f"{self.base}/tree/{self.ref}/{quote(path)}"

    def raw(self, path: str) -> str:
        return f"{self.base}/raw/{self.ref}/{quote(path)}"


def project_upstream(*, project: Project, source: str) -> Upstream | None:
    """The upstream of the files a `source` sync of `project` read: the git remote "origin" and
    head of its last good local sync, or the GitHub repository at the commit its docs sync read."""
    if source == Document.Source.GITHUB:
        commit = GitHubSyncState.objects.filter(project=project).values_list("commit_sha", flat=True).first()
        if project.github_repo and commit:
            return Upstream(f"https://github.com/{project.github_repo}", commit)
        return None
    cursor = (
        SyncRun.objects.filter(
            project=project, source=source, status__in=[SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL]
        )
        .order_by("-pk")
        .values_list("cursor", flat=True)
        .first()
    ) or {}
    if cursor.get("upstream") and cursor.get("head"):
        return Upstream(cursor["upstream"], cursor["head"])
    return None


@dataclass
class DocumentLinkContext:
    """What a document page needs to show the document's links: its outgoing links, the sections
    of the targets the reader may open, the repository files they point to, and the upstream."""

    links: list[DocumentLink]
    target_sections: dict[int, list]  # visible target document id -> its sections
    files: dict[str, tuple[int, bool]]  # path -> (RepositoryFile id, whether its bytes are stored)
    upstream: Upstream | None


def document_link_context(*, user, document: Document) -> DocumentLinkContext:
    links = list(document.links_out.order_by("line", "pk"))
    target_ids = {link.target_id for link in links if link.target_id is not None}
    visible = Document.objects.filter(
        pk__in=document_list(user=user).filter(pk__in=target_ids).values("pk")
    ).values_list("pk", "sections")
    file_paths = {link.target_path for link in links if link.status == DocumentLink.Status.FILE}
    files = {
        path: (pk, has_content)
        for pk, path, has_content in RepositoryFile.objects.filter(
            project=document.project_id, path__in=file_paths
        )
        .annotate(has_content=Q(content__isnull=False))
        .values_list("pk", "path", "has_content")
    }
    return DocumentLinkContext(
        links=links,
        target_sections=dict(visible),
        files=files,
        upstream=project_upstream(project=document.project, source=document.source),
    )


def document_links_out(*, user, document: Document) -> QuerySet[DocumentLink]:
    """The document's links, each annotated `target_visible`: whether `user` may open its target."""
    visible = document_list(user=user).filter(pk=OuterRef("target_id"))
    return (
        document.links_out.annotate(target_visible=Exists(visible))
        .select_related("target")
        .order_by("line", "pk")
    )


def document_links_in(*, user, document: Document) -> QuerySet[DocumentLink]:
    """Links to the document from documents `user` may read (itself excluded)."""
    sources = document_list(user=user).exclude(pk=document.pk).values("pk")
    return (
        DocumentLink.objects.filter(target=document, source__in=sources)
        .select_related("source")
        .order_by("source__path", "line", "pk")
    )


def document_links_broken(*, project: Project) -> QuerySet[DocumentLink]:
    """Broken links and anchors in the project's non-private documents, by file and line."""
    return (
        DocumentLink.objects.filter(
            project=project,
            source__is_private=False,
            status__in=[DocumentLink.Status.BROKEN, DocumentLink.Status.BROKEN_ANCHOR],
        )
        .select_related("source")
        .only("line", "href", "kind", "reason", "target_path", "source__path")
        .order_by("source__path", "line", "pk")
    )


def document_backlinks(*, user, document: Document) -> QuerySet[Document]:
    """Other documents `user` may read that link to `document`, by path."""
    sources = DocumentLink.objects.filter(target=document).exclude(source=document).values("source_id")
    return document_list(user=user).filter(pk__in=sources).order_by("path", "pk")


def repository_file_get(*, user, pk: int) -> RepositoryFile | None:
    """A stored repository file, for readers of its project."""
    return (
        RepositoryFile.objects.filter(pk=pk, project__in=project_list(user=user).values("pk"))
        .select_related("project")
        .first()
    )
