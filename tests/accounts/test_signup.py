"""Sign-up, e-mail verification and password reset through allauth and a real SMTP sink."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from onboarding.models import Maintainer
from tests.kb.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a long enough passphrase 42"


def signup(client, *, username="newcomer", email="newcomer@example.org"):
    return client.post(
        reverse("account_signup"),
        {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


def link_in(message, path_fragment: str) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    urls = [url for url in re.findall(r"https?://\S+", body) if path_fragment in url]
    assert urls, body
    return re.sub(r"^https?://[^/]+", "", urls[0])


def test_sign_up_needs_the_emailed_link_before_the_first_sign_in(client, smtp_sink):
    sink = smtp_sink()
    response = signup(client)
    assert response.status_code == 302 and response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    [message] = sink.wait_for(1)
    assert message["To"] == "newcomer@example.org"
    confirm_path = link_in(message, "/accounts/confirm-email/")

    refused = client.post(reverse("account_login"), {"login": "newcomer", "password": PASSWORD})
    assert refused.status_code == 302 and "_auth_user_id" not in client.session

    assert client.get(confirm_path).status_code == 200
    assert client.post(confirm_path).status_code == 302
    signed_in = client.post(reverse("account_login"), {"login": "newcomer@example.org", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert int(client.session["_auth_user_id"]) == get_user_model().objects.get(username="newcomer").pk


def test_password_reset_through_the_emailed_link(client, smtp_sink):
    sink = smtp_sink()
    UserFactory(username="forgetful", email="forgetful@example.org", verified_email=True)
    response = client.post(reverse("account_reset_password"), {"email": "forgetful@example.org"})
    assert response.status_code == 302
    [message] = sink.wait_for(1)
    reset_path = link_in(message, "/accounts/password/reset/key/")

    form_page = client.get(reset_path, follow=True)
    assert form_page.status_code == 200
    set_password_path = form_page.redirect_chain[-1][0] if form_page.redirect_chain else reset_path
    new_password = "another long passphrase 7"
    done = client.post(set_password_path, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302

    assert (
        client.post(reverse("account_login"), {"login": "forgetful", "password": new_password}).status_code
        == 302
    )
    assert "_auth_user_id" in client.session


def test_a_known_maintainer_github_login_cannot_be_taken_by_the_form(client, smtp_sink):
    smtp_sink()
    Maintainer.objects.create(github_login="Thockin")
    response = signup(client, username="thockin", email="impostor@example.org")
    assert response.status_code == 200
    assert "Sign in with GitHub to use it" in response.content.decode()
    assert not get_user_model().objects.filter(username="thockin").exists()


def test_the_sign_up_page_is_in_the_site_layout(client):
    page = client.get(reverse("account_signup")).content.decode()
    assert 'class="site-header"' in page and "<h1>" in page and 'name="email"' in page
    assert "<style" not in page and "<script>" not in page


def test_wrong_passwords_on_the_allauth_form_are_throttled_by_axes(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="target", verified_email=True)
    for _ in range(3):
        client.post(reverse("account_login"), {"login": "target", "password": "guess"})
    locked = client.post(
        reverse("account_login"), {"login": "target", "password": "correct horse battery staple"}
    )
    assert locked.status_code == 429 and "_auth_user_id" not in client.session


def test_the_old_sign_in_address_still_answers(client):
    assert client.get("/accounts/login/").status_code == 200


def test_the_account_settings_exist(settings):
    """Misspelt allauth settings fail silently: check the ones the README promises."""
    assert settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory"
    assert settings.ACCOUNT_LOGIN_METHODS == {"username", "email"}
    assert settings.ACCOUNT_FORMS["signup"] == "accounts.forms.SignupForm"
    assert settings.AXES_USERNAME_CALLABLE == "accounts.throttling.attempted_login"
    assert "allauth.account.middleware.AccountMiddleware" in settings.MIDDLEWARE
    assert settings.SOCIALACCOUNT_EMAIL_AUTHENTICATION is False


def test_a_stale_form_gets_a_page_in_the_layout(settings):
    from django.test import Client

    csrf_checking = Client(enforce_csrf_checks=True)
    response = csrf_checking.post(reverse("account_login"), {"login": "x", "password": "y"})
    assert response.status_code == 403 and "This form expired" in response.content.decode()
