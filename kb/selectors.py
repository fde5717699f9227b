"""Reads with business meaning for kb: what a user may list and open."""

from django.db.models import QuerySet

from kb.access import visible_documents_q, visible_projects_q
from kb.models import Document, Project, SyncRun


def project_list(*, user) -> QuerySet[Project]:
    return Project.objects.filter(visible_projects_q(user)).distinct()


def document_list(*, user, project: str | None = None, kind: str | None = None) -> QuerySet[Document]:
    qs = Document.objects.filter(visible_documents_q(user)).select_related("project").distinct()
    if project:
        qs = qs.filter(project__slug=project)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("project__name", "kind", "key")


def document_get(*, user, pk: int) -> Document | None:
    return document_list(user=user).filter(pk=pk).first()


def sync_run_latest(*, project: Project) -> SyncRun | None:
    return project.sync_runs.order_by("-started_at").first()


def handoff_note_list(*, user, project: str | None = None) -> QuerySet[Document]:
    """Handoff notes the user may read (private ones only for maintainers, the author and the successor)."""
    return document_list(user=user, project=project, kind=Document.Kind.HANDOFF_NOTE).select_related("created_by")


def handoff_note_get(*, user, pk: int) -> Document | None:
    return handoff_note_list(user=user).filter(pk=pk).first()
