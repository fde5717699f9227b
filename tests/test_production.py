"""The production profile: `check --deploy` clean with the documented variables, no silent
development key, login/token/search throttling, /healthz details for staff only (in
tests/kb/api/test_health_and_schema.py)."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.conftest import REPO_ROOT
from tests.kb.factories import UserFactory

# What README.md's "Production" section tells an operator to set.
DOCUMENTED_PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "glacier.example.org",
    "GLACIER_HTTPS": "true",
}


def manage(*args, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GLACIER_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_check_deploy_is_clean_with_the_documented_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=DOCUMENTED_PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_without_https():
    env = {k: v for k, v in DOCUMENTED_PRODUCTION_ENV.items() if k != "GLACIER_HTTPS"}
    result = manage("check", "--deploy", env=env)
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr


def test_no_secret_key_outside_debug_refuses_to_start():
    result = manage("check", env={})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DJANGO_SECRET_KEY is not set" in result.stderr
    assert manage("check", env={"DJANGO_DEBUG": "1"}).returncode == 0  # bin/serve's local runs


def test_the_profile_settings_exist():
    for name in ("GLACIER_HTTPS", "GLACIER_WEBHOOK_MAX_BYTES", "GLACIER_WEBHOOK_REPLAY_WINDOW_SECONDS"):
        assert hasattr(django_settings, name), name
    assert django_settings.REST_FRAMEWORK["EXCEPTION_HANDLER"] == "kb.errors.api_exception_handler"
    assert {"auth", "search"} <= set(django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


@pytest.mark.django_db
def test_repeated_wrong_passwords_lock_the_login_out_even_for_the_right_one(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="target", verified_email=True)
    UserFactory(username="bystander", verified_email=True)
    for _ in range(3):
        response = client.post("/accounts/login/", {"login": "target", "password": "guess"})
        assert response.status_code in (200, 429)
    right = client.post("/accounts/login/", {"login": "target", "password": "correct horse battery staple"})
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    # Another account from the same address still signs in.
    other = client.post(
        "/accounts/login/", {"login": "bystander", "password": "correct horse battery staple"}
    )
    assert other.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.django_db
def test_token_requests_are_throttled_and_locked_out(monkeypatch, settings):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"auth": "3/min", "search": "1000/min"})
    UserFactory(username="tok")
    api = APIClient()
    answers = [
        api.post("/api/auth/token/", {"username": "tok", "password": "nope"}, format="json").status_code
        for _ in range(4)
    ]
    assert answers[:3] == [400, 400, 400] and answers[3] == 429


@pytest.mark.django_db
def test_search_is_rate_limited_per_client_on_the_api_and_the_portal(client, monkeypatch, memory_search):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"auth": "1000/min", "search": "2/min"})
    api = APIClient()
    assert [api.get("/api/search/", {"q": "release"}).status_code for _ in range(3)] == [200, 200, 429]
    # The portal page shares the budget: this address has used it up.
    response = client.get("/search/", {"q": "release"})
    assert response.status_code == 429 and "Retry-After" in response
    # A signed-in user has a budget of their own.
    client.force_login(UserFactory())
    assert client.get("/search/", {"q": "release"}).status_code == 200
