"""Writes need a token; creating projects is for staff and maintainers; syncing is for the project's maintainers."""

import pytest
from rest_framework.authtoken.models import Token

from kb.models import Project, ProjectMembership
from tests.kb.api.conftest import token_client
from tests.kb.factories import UserFactory

pytestmark = pytest.mark.django_db

# A maintainer may only name a remote on an allowed host (tests/kb/api/test_repository_policy.py).
NEW_PROJECT = {
    "slug": "comet",
    "name": "Comet",
    "repository": "https://github.com/acme/comet.git",
    "visibility": "private",
}


def test_anonymous_cannot_create_projects(catalogue, anonymous):
    response = anonymous.post("/api/projects/", NEW_PROJECT, format="json")
    assert response.status_code == 401
    assert not Project.objects.filter(slug="comet").exists()


def test_plain_users_cannot_create_projects(catalogue):
    response = token_client(UserFactory(username="plain")).post("/api/projects/", NEW_PROJECT, format="json")
    assert response.status_code == 403
    assert not Project.objects.filter(slug="comet").exists()


def test_maintainer_creates_a_project_and_maintains_it(catalogue):
    client = token_client(catalogue["maintainer"])
    response = client.post("/api/projects/", NEW_PROJECT, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["slug"] == "comet" and response.json()["visibility"] == "private"
    membership = ProjectMembership.objects.get(project__slug="comet")
    assert (membership.user, membership.role) == (catalogue["maintainer"], "maintainer")
    assert client.get("/api/projects/comet/").status_code == 200


def test_staff_create_projects(catalogue):
    staff = UserFactory(username="staff", is_staff=True)
    response = token_client(staff).post("/api/projects/", {"slug": "dune", "name": "Dune"}, format="json")
    assert response.status_code == 201


def test_bad_project_payload_is_400_with_field_errors(catalogue):
    client = token_client(catalogue["maintainer"])
    response = client.post(
        "/api/projects/", {"slug": "not a slug", "visibility": "secret", "github_repo": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"slug", "name", "visibility", "github_repo"}
    duplicate = client.post("/api/projects/", {"slug": "orbit", "name": "Again"}, format="json")
    assert duplicate.status_code == 400 and "slug" in duplicate.json()
    assert Project.objects.count() == 2


def test_anonymous_cannot_sync(catalogue, anonymous):
    assert anonymous.post("/api/projects/orbit/sync/").status_code == 401


def test_sync_of_a_hidden_project_is_404_and_of_a_visible_one_403_for_non_maintainers(catalogue):
    stranger = token_client(UserFactory(username="stranger"))
    assert stranger.post("/api/projects/skunkworks/sync/").status_code == 404
    assert stranger.post("/api/projects/orbit/sync/").status_code == 403
    assert token_client(catalogue["member"]).post("/api/projects/skunkworks/sync/").status_code == 403


def test_maintainer_sync_is_queued_after_commit(catalogue, django_capture_on_commit_callbacks):
    Project.objects.filter(slug="skunkworks").update(github_repo="acme/skunkworks")
    client = token_client(catalogue["maintainer"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/api/projects/skunkworks/sync/")
    assert response.status_code == 202
    assert response.json() == {"status": "queued", "project": "skunkworks"}
    assert len(callbacks) == 1


def test_a_token_is_issued_for_a_username_and_password(catalogue, anonymous):
    response = anonymous.post(
        "/api/auth/token/",
        {"username": "maintainer", "password": "correct horse battery staple"},
        format="json",
    )
    assert response.status_code == 200
    assert Token.objects.get(user=catalogue["maintainer"]).key == response.json()["token"]
    wrong = anonymous.post("/api/auth/token/", {"username": "maintainer", "password": "nope"}, format="json")
    assert wrong.status_code == 400 and "non_field_errors" in wrong.json()


def test_no_token_for_an_account_whose_address_is_not_verified(anonymous):
    UserFactory(username="fresh-signup")
    response = anonymous.post(
        "/api/auth/token/",
        {"username": "fresh-signup", "password": "correct horse battery staple"},
        format="json",
    )
    assert response.status_code == 400 and not Token.objects.filter(user__username="fresh-signup").exists()
