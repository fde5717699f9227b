"""403 and 404 pages in the site's layout with a way back; expected refusals log one line, once."""

import logging
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import REPO_ROOT
from tests.kb.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def refused_url():
    ProjectFactory(slug="orbit", name="Orbit")
    return reverse("kb:project-members", args=["orbit"])  # maintainers only


def test_a_403_is_in_the_layout_with_a_way_back(client, refused_url):
    client.force_login(UserFactory(username="bystander"))
    response = client.get(refused_url)
    page = response.content.decode()
    assert response.status_code == 403
    assert 'class="site-header"' in page and "<h1>Not allowed</h1>" in page
    assert "Only the project&#x27;s maintainers manage its members." in page
    assert f'href="{reverse("kb:home")}"' in page and "signed in as bystander" in page


def test_a_404_is_in_the_layout_with_sign_in_and_a_way_back(client):
    response = client.get("/projects/nowhere/")
    page = response.content.decode()
    assert response.status_code == 404
    assert 'class="site-header"' in page and "<h1>Not found</h1>" in page
    assert "/accounts/login/?next=/projects/nowhere/" in page and f'href="{reverse("kb:home")}"' in page


def test_an_expected_403_logs_one_line_without_a_traceback(client, refused_url, caplog):
    client.force_login(UserFactory(username="bystander"))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get(refused_url)
    [record] = [r for r in caplog.records if r.name == "django.request"]
    handler = logging.getLogger().handlers[0]
    for log_filter in handler.filters:
        log_filter.filter(record)
    assert record.getMessage().startswith("Forbidden (Permission denied)")
    assert handler.format(record).count("\n") == 0  # no "Traceback (most recent call last)"


def test_log_lines_print_once_even_under_debug():
    """A warning from django.request, in a fresh DEBUG process, reaches stderr exactly once."""
    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('django.request').warning('only-once-marker')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "1",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("only-once-marker") == 1, result.stderr
