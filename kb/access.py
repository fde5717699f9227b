"""Who may read what.

Visibility is expressed twice, identically: as ORM filters for pages and API
lists, and as *access tokens* stored with every search-index entry, so that a
search filters hits at query time (before paging and facet counts) instead of
after. A reader may see an item when their tokens and the item's tokens meet.

Tokens:
  "public"            public project, non-private item
  "project:<id>"      any member of a private project
  "maintainers:<id>"  maintainers of the project (private handoff notes)
  "user:<id>"         one named user (author or listed reader of a private note)
Staff and superusers see everything.
"""

from django.db.models import Q

from kb.models import Document, Project, ProjectMembership

PUBLIC = "public"


def user_sees_everything(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.is_staff))


def user_access_tokens(user) -> set[str] | None:
    """Tokens a reader holds; None means unrestricted (staff)."""
    if user_sees_everything(user):
        return None
    tokens = {PUBLIC}
    if user is None or not user.is_authenticated:
        return tokens
    tokens.add(f"user:{user.pk}")
    for project_id, role in ProjectMembership.objects.filter(user=user).values_list("project_id", "role"):
        tokens.add(f"project:{project_id}")
        if role == ProjectMembership.Role.MAINTAINER:
            tokens.add(f"maintainers:{project_id}")
    return tokens


def document_access_tokens(document: Document, *, project: Project | None = None) -> list[str]:
    """Tokens stored with a document's index entry (see module docstring)."""
    project = project or document.project
    if document.is_private:
        tokens = [f"maintainers:{project.pk}"]
        if document.created_by_id:
            tokens.append(f"user:{document.created_by_id}")
        tokens += [f"user:{pk}" for pk in document.readers.values_list("pk", flat=True)]
        return sorted(set(tokens))
    return [PUBLIC] if project.is_public else [f"project:{project.pk}"]


def project_readers_tokens(project: Project) -> set[str]:
    """The tokens every reader of `project` holds: what its public surfaces (gaps) may draw on."""
    return {PUBLIC} if project.is_public else {f"project:{project.pk}"}


def visible_projects_q(user) -> Q:
    if user_sees_everything(user):
        return Q()
    q = Q(visibility=Project.Visibility.PUBLIC)
    if user is not None and user.is_authenticated:
        q |= Q(memberships__user=user)
    return q


def visible_documents_q(user) -> Q:
    """ORM twin of the token rules, for querysets of Document."""
    if user_sees_everything(user):
        return Q()
    public_part = Q(is_private=False, project__visibility=Project.Visibility.PUBLIC)
    if user is None or not user.is_authenticated:
        return public_part
    member_of = ProjectMembership.objects.filter(user=user).values("project_id")
    maintainer_of = member_of.filter(role=ProjectMembership.Role.MAINTAINER)
    return (
        public_part
        | Q(is_private=False, project_id__in=member_of)
        | Q(is_private=True, project_id__in=maintainer_of)
        | Q(is_private=True, created_by=user)
        | Q(is_private=True, readers=user)
    )


def maintained_project_ids(user):
    """Ids (a subquery) of the projects `user` maintains; use with `user_sees_everything` first."""
    if user is None or not user.is_authenticated:
        return ProjectMembership.objects.none().values("project_id")
    return ProjectMembership.objects.filter(user=user, role=ProjectMembership.Role.MAINTAINER).values(
        "project_id"
    )


def user_is_maintainer(user, project: Project) -> bool:
    if user_sees_everything(user):
        return True
    if user is None or not user.is_authenticated:
        return False
    return ProjectMembership.objects.filter(
        user=user, project=project, role=ProjectMembership.Role.MAINTAINER
    ).exists()
