"""Writes of Projects: creating one, and queueing a sync of its repository."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from kb.glaciers.search import index_pages
from kb.models import Document, GlacierPage, Project, ProjectMembership
from kb.search import get_search_backend
from kb.services.repository_policy import (
    GITHUB_TARGET,
    RepositoryPolicyError,
    repository_approval,
    repository_check_for_sync,
    repository_validate,
)
from kb.services.search_index import index_documents


def user_may_create_project(user) -> bool:
    """Staff, holders of kb.add_project, and anyone who already maintains a project."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff or user.has_perm("kb.add_project"):
        return True
    return ProjectMembership.objects.filter(user=user, role=ProjectMembership.Role.MAINTAINER).exists()


@transaction.atomic
def project_create(
    *,
    created_by,
    slug: str,
    name: str,
    description: str = "",
    repository: str = "",
    github_repo: str = "",
    visibility: str = Project.Visibility.PUBLIC,
) -> Project:
    """Create a project and make its creator a maintainer of it.

    `repository` must pass the repository policy for `created_by` (ValidationError on
    "repository" otherwise); a staff member's local path is recorded as approved.
    """
    try:
        repository = repository_validate(repository, user=created_by)
    except RepositoryPolicyError as exc:
        raise ValidationError({"repository": [str(exc)]}) from exc
    project = Project(
        slug=slug,
        name=name,
        description=description,
        repository=repository,
        repository_approved=repository_approval(repository, user=created_by),
        github_repo=github_repo,
        visibility=visibility,
    )
    project.full_clean()
    project.save()
    ProjectMembership.objects.create(project=project, user=created_by, role=ProjectMembership.Role.MAINTAINER)
    return project


def project_sync_check(*, project: Project) -> None:
    """Raise RepositoryPolicyError unless the project has something it may sync now.

    A pre-flight for edges that queue a sync, so that "no repository", a refused
    location or a missing directory is answered at once instead of by a failed task.
    The sync itself checks again (kb.services.sync), with names resolved strictly.
    """
    target = project.repository or (f"github:{project.github_repo}" if project.github_repo else "")
    if not target:
        raise RepositoryPolicyError(f"Project {project.slug} has no repository or GitHub repository to sync.")
    if GITHUB_TARGET.match(target):
        return
    source = repository_check_for_sync(project=project, target=target, strict_dns=False)
    if source.is_local and not Path(target).expanduser().is_dir():
        raise RepositoryPolicyError(f"The repository directory {target} does not exist on the server.")


def project_sync_enqueue(*, project: Project) -> None:
    """Queue `kb.tasks.sync_project` for the project's configured repository once the caller commits.

    The target is never taken from the request: a sync reads the location the
    project was registered with, so an API caller cannot make the server read
    an arbitrary path. Raises RepositoryPolicyError (nothing queued) when
    `project_sync_check` refuses.
    """
    project_sync_check(project=project)
    # Imported on use: kb.tasks pulls in the sync service and the source readers
    # (git, GitHub), which processes that only serve reads never need.
    from kb.tasks import sync_project

    project_id = project.pk
    transaction.on_commit(lambda: sync_project.delay(project_id))


PROJECT_UPDATE_FIELDS = (
    "slug",
    "name",
    "description",
    "repository",
    "repository_approved",
    "github_repo",
    "visibility",
    "webhook_secret",
)


@transaction.atomic
def project_update(*, project: Project, **changes) -> Project:
    """Change a project's settings (compared with the stored row, so an edge may pass a
    `project` it has already modified, as the admin does).

    A visibility or slug change re-indexes the project's search entries on commit: the
    index stores each entry's access tokens and project slug (kb/access.py), so a project
    made private would otherwise stay in anonymous search (hits, snippets, facet counts).
    """
    unknown = set(changes) - set(PROJECT_UPDATE_FIELDS)
    if unknown:
        raise TypeError(f"project_update() cannot change {', '.join(sorted(unknown))}")
    stored = Project.objects.select_for_update().filter(pk=project.pk).values(*PROJECT_UPDATE_FIELDS).get()
    for name, value in changes.items():
        setattr(project, name, value)
    fields = [name for name in PROJECT_UPDATE_FIELDS if getattr(project, name) != stored[name]]
    if not fields:
        return project
    project.full_clean()
    project.save(update_fields=[*fields, "updated_at"])
    if "visibility" in fields or "slug" in fields:
        project_search_reindex_on_commit(project=project, previous_slug=stored["slug"])
    return project


def project_search_reindex_on_commit(*, project: Project, previous_slug: str | None = None) -> None:
    """After the commit: drop the project's entries at once, in this process, then queue one
    `index` task that drops again (anything queued before it) and re-adds them with the current
    access tokens. The immediate drop is the one exception to "the index queue is the only
    writer": a project made private must not stay readable under its old tokens while the
    index queue is backed up."""
    from kb.tasks import reindex_project  # on use, as in project_sync_enqueue

    project_id = project.pk
    slugs = sorted({project.slug, previous_slug or project.slug})

    def drop_and_requeue() -> None:
        project_search_drop(slugs=slugs)
        reindex_project.delay(project_id, drop_slugs=slugs)

    transaction.on_commit(drop_and_requeue)


def project_search_drop(*, slugs: list[str]) -> None:
    """Remove every index entry of the projects with these slugs (the old ones after a rename too)."""
    backend = get_search_backend()
    for slug in slugs:
        backend.delete_project(slug)


def project_search_reindex(*, project: Project) -> int:
    """Re-write every index entry of the project (documents and live glacier pages) from the database."""
    document_ids = Document.objects.filter(project=project).values_list("pk", flat=True)
    page_ids = GlacierPage.objects.filter(project=project).values_list("pk", flat=True)
    return index_documents(document_ids) + index_pages(page_ids)
