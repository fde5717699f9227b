import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kb.models import Project, ProjectMembership
from kb.services.documents import DocumentInput, documents_upsert
from tests.kb.factories import MembershipFactory, ProjectFactory, UserFactory


@pytest.fixture
def catalogue(db, memory_search, django_capture_on_commit_callbacks):
    """A public and a private project, both mentioning "reviewer", indexed in the in-memory backend."""
    public = ProjectFactory(slug="orbit", name="Orbit")
    private = ProjectFactory(slug="skunkworks", name="Skunkworks", visibility=Project.Visibility.PRIVATE)
    member = UserFactory(username="member")
    maintainer = UserFactory(username="maintainer", verified_email=True)
    MembershipFactory(project=private, user=member, role=ProjectMembership.Role.MEMBER)
    MembershipFactory(project=private, user=maintainer, role=ProjectMembership.Role.MAINTAINER)
    with django_capture_on_commit_callbacks(execute=True):
        documents_upsert(
            project=public,
            source="local",
            items=[
                DocumentInput(kind="doc", key="README.md", path="README.md", title="Orbit",
                              body="# Orbit\n\nHow to become a reviewer of Orbit."),
                DocumentInput(kind="owners", key="OWNERS", path="OWNERS", title="OWNERS",
                              body="approvers:\n- alice\nreviewers:\n- bob"),
            ],
        )  # fmt: skip
        documents_upsert(
            project=private,
            source="local",
            items=[
                DocumentInput(kind="doc", key="plan.md", path="plan.md", title="Secret plan",
                              body="The reviewer rota for the secret launch."),
            ],
        )  # fmt: skip
    return {"public": public, "private": private, "member": member, "maintainer": maintainer}


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()
