"""require_service: missing services skip outside CI and fail under CI=true."""

import pytest

from tests import conftest


def test_missing_service_skips_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(conftest, "CHROMIUM_PATH", "/nonexistent/chromium")
    with pytest.raises(pytest.skip.Exception, match="needs chromium"):
        conftest.require_service("chromium")


def test_missing_service_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(conftest, "CHROMIUM_PATH", "/nonexistent/chromium")
    with pytest.raises(pytest.fail.Exception, match="missing under CI"):
        conftest.require_service("chromium")


def test_redis_problem_is_reported_for_a_closed_port(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    assert conftest.service_problem("redis").startswith("Redis unreachable")


@pytest.mark.django_db
def test_postgres_problem_names_the_database_in_use(settings):
    from django.db import connection

    problem = conftest.service_problem("postgres")
    if connection.vendor == "postgresql":
        assert problem is None
    else:
        assert problem == f"DATABASE_URL does not point at PostgreSQL (database is {connection.vendor})"
