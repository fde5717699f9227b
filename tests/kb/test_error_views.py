"""kb/views/errors.py: a lost database connection is a 503 with Retry-After, any other error a 500.

The end-to-end form (a real PostgreSQL stopped under gunicorn) is tests/test_faults.py."""

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


def _failing_selector(monkeypatch, exc):
    def fail(**kwargs):
        raise exc

    monkeypatch.setattr("kb.selectors.project_list_with_stats", fail)  # read by the home page and the API


@pytest.mark.parametrize("exc", [OperationalError("server closed the connection"), InterfaceError("closed")])
def test_a_lost_database_connection_is_a_503_page_with_retry_after(monkeypatch, settings, exc):
    settings.GLACIER_DATABASE_RETRY_AFTER_SECONDS = 7
    _failing_selector(monkeypatch, exc)

    response = Client(raise_request_exception=False).get("/")

    assert response.status_code == 503 and response["Retry-After"] == "7"
    body = response.content.decode()
    assert "Temporarily unavailable" in body and "server closed the connection" not in body


def test_the_api_answers_json(monkeypatch):
    _failing_selector(monkeypatch, OperationalError("down"))

    response = Client(raise_request_exception=False).get("/api/projects/")

    assert response.status_code == 503 and response["Content-Type"] == "application/json"
    assert "unavailable" in response.json()["detail"] and response["Retry-After"]


def test_any_other_error_stays_a_500(monkeypatch):
    _failing_selector(monkeypatch, RuntimeError("a bug"))

    response = Client(raise_request_exception=False).get("/")

    assert response.status_code == 500 and "Retry-After" not in response
