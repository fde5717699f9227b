"""Writes of Projects: creating one, and queueing a sync of its repository."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from kb.models import Project, ProjectMembership
from kb.services.repository_policy import (
    GITHUB_TARGET,
    RepositoryPolicyError,
    repository_approval,
    repository_check_for_sync,
    repository_validate,
)


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
