"""Writes of Projects: creating one, and queueing a sync of its repository."""

from __future__ import annotations

from django.db import transaction

from kb.models import Project, ProjectMembership


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
    """Create a project and make its creator a maintainer of it."""
    project = Project(
        slug=slug,
        name=name,
        description=description,
        repository=repository,
        github_repo=github_repo,
        visibility=visibility,
    )
    project.full_clean()
    project.save()
    ProjectMembership.objects.create(project=project, user=created_by, role=ProjectMembership.Role.MAINTAINER)
    return project


def project_sync_enqueue(*, project: Project) -> None:
    """Queue `kb.tasks.sync_project` for the project's configured repository once the caller commits.

    The target is never taken from the request: a sync reads the location the
    project was registered with, so an API caller cannot make the server read
    an arbitrary path.
    """
    # Imported on use: kb.tasks pulls in the sync service and the source readers
    # (git, GitHub), which processes that only serve reads never need.
    from kb.tasks import sync_project

    project_id = project.pk
    transaction.on_commit(lambda: sync_project.delay(project_id))
