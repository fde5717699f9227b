"""Joining a project: requests decided by maintainers, and e-mailed invitations, through the pages."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from kb.models import MembershipInvitation, MembershipRequest, Project, ProjectMembership
from tests.kb.factories import MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def orbit(settings):
    """A public project with one maintainer."""
    settings.GLACIER_BASE_URL = "https://glacier.example.org"
    project = ProjectFactory(slug="orbit", name="Orbit")
    keeper = UserFactory(username="keeper", email="keeper@example.org")
    MembershipFactory(project=project, user=keeper, role=ProjectMembership.Role.MAINTAINER)
    return project, keeper


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """client.post, running what the view queued for after its commit (the e-mails) at once."""

    def send(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(*args, **kwargs)

    return send


def test_a_request_is_approved_by_a_maintainer_and_both_sides_are_told(client, post, orbit, smtp_sink):
    sink = smtp_sink()
    project, keeper = orbit
    newcomer = UserFactory(username="newcomer", email="newcomer@example.org")
    client.force_login(newcomer)
    assert "Ask to join" in client.get(reverse("kb:project", args=["orbit"])).content.decode()
    post(reverse("kb:membership-request", args=["orbit"]), {"message": "I fix typos."})
    post(reverse("kb:membership-request", args=["orbit"]), {"message": "Again."})
    request_row = MembershipRequest.objects.get(project=project, user=newcomer)
    assert request_row.state == "pending" and request_row.message == "I fix typos."
    [to_keeper] = sink.wait_for(1)
    assert to_keeper[
        "To"
    ] == "keeper@example.org" and "https://glacier.example.org/projects/orbit/members/" in (
        to_keeper.get_content()
    )
    assert "waits for a maintainer" in client.get(reverse("kb:project", args=["orbit"])).content.decode()

    # Only maintainers see the members page or decide.
    assert client.get(reverse("kb:project-members", args=["orbit"])).status_code == 403
    decide = reverse("kb:membership-request-decide", args=[request_row.pk, "approve"])
    assert post(decide).status_code == 403

    client.force_login(keeper)
    members_page = client.get(reverse("kb:project-members", args=["orbit"])).content.decode()
    assert "newcomer" in members_page and "I fix typos." in members_page
    assert post(decide).status_code == 302
    assert ProjectMembership.objects.get(project=project, user=newcomer).role == "member"
    assert sink.wait_for(2)[1]["To"] == "newcomer@example.org"
    # Deciding twice changes nothing.
    post(reverse("kb:membership-request-decide", args=[request_row.pk, "refuse"]))
    request_row.refresh_from_db()
    assert request_row.state == "approved"


def test_a_refused_request_makes_no_member(client, orbit):
    project, keeper = orbit
    newcomer = UserFactory(username="newcomer")
    request_row = MembershipRequest.objects.create(project=project, user=newcomer)
    client.force_login(keeper)
    client.post(reverse("kb:membership-request-decide", args=[request_row.pk, "refuse"]))
    request_row.refresh_from_db()
    assert request_row.state == "refused" and request_row.decided_by == keeper
    assert not ProjectMembership.objects.filter(project=project, user=newcomer).exists()


def test_an_invitation_lets_the_verified_address_into_a_private_project(client, post, orbit, smtp_sink):
    sink = smtp_sink()
    project, keeper = orbit
    project.visibility = Project.Visibility.PRIVATE
    project.save(update_fields=["visibility"])
    client.force_login(keeper)
    post(reverse("kb:project-members", args=["orbit"]), {"email": "friend@example.org"})
    [message] = sink.wait_for(1)
    assert message["To"] == "friend@example.org"
    accept_path = re.search(r"https://glacier\.example\.org(/invitations/\S+/)", message.get_content()).group(
        1
    )

    # Someone else who got hold of the link cannot use it.
    stranger = UserFactory(username="stranger", email="stranger@example.org", verified_email=True)
    client.force_login(stranger)
    assert post(accept_path).status_code == 400
    assert not ProjectMembership.objects.filter(project=project, user=stranger).exists()

    friend = UserFactory(username="friend", email="friend@example.org")
    EmailAddress.objects.create(user=friend, email="friend@example.org", verified=True, primary=True)
    client.force_login(friend)
    assert client.get(reverse("kb:project", args=["orbit"])).status_code == 404
    assert "Join Orbit" in client.get(accept_path).content.decode()
    assert post(accept_path).status_code == 302
    assert client.get(reverse("kb:project", args=["orbit"])).status_code == 200
    assert MembershipInvitation.objects.get().accepted_by == friend
    # The link works once.
    assert client.get(accept_path).status_code == 404


def test_outsiders_cannot_invite(client, orbit):
    client.force_login(UserFactory(username="nobody"))
    response = client.post(reverse("kb:project-members", args=["orbit"]), {"email": "x@example.org"})
    assert response.status_code == 403 and not MembershipInvitation.objects.exists()
