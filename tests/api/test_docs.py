"""API documentation served from this server, and an API root that lists every resource."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _api_list_routes() -> set[str]:
    """Every list route (and plain view) mounted under /api/ in the URLconf."""
    found = set()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if route.startswith("api/") and "<" not in route and "(?P" not in route and route != "api/":
                    found.add(route.removeprefix("api/").strip("^$/"))

    walk(get_resolver().url_patterns)
    return found


def test_the_api_root_lists_every_resource():
    listed = APIClient().get("/api/").json()
    paths = {re.sub(r"^https?://[^/]+/api/", "", url).strip("/") for url in listed.values()}
    missing = _api_list_routes() - paths
    assert not missing, f"the API root does not list {sorted(missing)}"
    assert {"maintainers", "gaps", "enrolments", "handoff-notes", "search"} <= set(listed)


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_swagger_ui_and_redoc_come_from_this_server(client, path):
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(not re.match(r"^(https?:)?//", src) for src in sources), sources
    assert "/static/drf_spectacular_sidecar/" in page
    assert "<script>" not in page  # no inline script: the CSP allows 'self' only
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_swagger_ui_start_up_script_is_a_file_of_its_own(client):
    response = client.get("/api/docs/?script=")
    assert response.status_code == 200 and "javascript" in response["Content-Type"]
    assert "/api/schema/" in response.content.decode()


def test_the_footer_links_to_the_docs(client):
    page = client.get("/").content.decode()
    assert 'href="/api/docs/"' in page and 'href="/api/redoc/"' in page
