"""The profile page: memberships, the API token, weekly report choices."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from onboarding.models import ReportSubscription
from tests.kb.factories import MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_profile_needs_a_sign_in(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_token_is_created_then_replaced_and_the_old_one_stops_working(client):
    user = UserFactory(username="reader")
    client.force_login(user)
    assert "You have no API token" in client.get(reverse("accounts:profile")).content.decode()
    client.post(reverse("accounts:token-rotate"))
    first = Token.objects.get(user=user).key
    assert first in client.get(reverse("accounts:profile")).content.decode()

    client.post(reverse("accounts:token-rotate"))
    second = Token.objects.get(user=user).key
    assert second != first
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api.get("/api/projects/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert api.get("/api/projects/").status_code == 200


def test_weekly_reports_can_be_turned_off_and_on_and_projects_unfollowed(client):
    user = UserFactory(username="reader")
    orbit = ProjectFactory(slug="orbit", name="Orbit")
    MembershipFactory(project=orbit, user=user)
    client.force_login(user)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Weekly reports are <strong>on</strong>" in page and "Orbit" in page

    client.post(reverse("accounts:reports"), {"action": "opt-out"})
    assert ReportSubscription.objects.get(user=user, project=None).unsubscribed
    assert (
        "Weekly reports are <strong>off</strong>" in client.get(reverse("accounts:profile")).content.decode()
    )
    client.post(reverse("accounts:reports"), {"action": "opt-in"})
    assert not ReportSubscription.objects.get(user=user, project=None).unsubscribed

    client.post(reverse("accounts:reports"), {"action": "follow", "project": "orbit"})
    client.post(reverse("accounts:reports"), {"action": "unfollow", "project": "orbit"})
    assert ReportSubscription.objects.get(user=user, project=orbit).unsubscribed
    assert "not followed" in client.get(reverse("accounts:profile")).content.decode()
