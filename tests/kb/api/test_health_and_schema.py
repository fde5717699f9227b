import pytest
import yaml
from django.core.management import call_command

from kb.search import reset_search_backends
from tests.conftest import require_service
from tests.kb.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_part_to_staff(admin_client, memory_search):
    response = admin_client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "index"}
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["index"] == {"ok": True, "backend": "memory", "documents": 0}


def test_healthz_is_503_when_the_broker_is_down(admin_client, settings, memory_search):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = admin_client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["checks"]["broker"]["ok"] is False and body["checks"]["broker"]["error"]


def test_healthz_is_503_when_the_index_cannot_answer(admin_client, settings):
    settings.GLACIER_SEARCH_BACKENDS = {"default": {"BACKEND": "kb.search.backends.no_such_backend"}}
    reset_search_backends()
    response = admin_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["index"]["ok"] is False


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_healthz_shows_only_the_status_to_everyone_but_staff(client, settings, memory_search, who):
    if who == "member":
        client.force_login(UserFactory())
    assert client.get("/healthz").json() == {"status": "ok"}
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy"}  # no error text, host names or paths


def test_openapi_schema_describes_the_api(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    for path in ["/api/projects/", "/api/projects/{slug}/", "/api/projects/{slug}/sync/",
                 "/api/documents/", "/api/documents/{id}/", "/api/search/"]:  # fmt: skip
        assert path in schema["paths"], path
    search_params = {p["name"] for p in schema["paths"]["/api/search/"]["get"]["parameters"]}
    assert {"q", "project", "kind", "page"} <= search_params


def test_openapi_schema_generates_without_warnings(tmp_path):
    # --fail-on-warn turns every drf-spectacular warning (an untyped field, an
    # unresolvable serializer) into a CommandError, so a new endpoint cannot
    # silently degrade the published schema.
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/search/" in target.read_text()


@pytest.mark.services
def test_healthz_pings_the_real_database_and_broker(admin_client, memory_search):
    require_service("postgres")
    require_service("redis")
    body = admin_client.get("/healthz").json()
    assert body["checks"]["database"] == {"ok": True, "vendor": "postgresql"}
    assert body["checks"]["broker"] == {"ok": True, "mode": "redis"}
