"""The gap board in a real Chromium (Debian's /usr/bin/chromium through Playwright): filter, read, claim."""

import pytest
from django.conf import settings
from django.test import Client

from onboarding.models import Gap
from tests.onboarding.gaps.factories import GapFactory, ProjectFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_open_rule_page_and_claim(page, live_server):
    project = ProjectFactory(slug="orbit", name="Orbit")
    todo = GapFactory(
        project=project, rule_id="placeholder-text", severity="low", title="2 placeholders in docs/setup.md"
    )
    GapFactory(project=project, rule_id="missing-readme", severity="high", title="No README")

    page.goto("/gaps/")
    assert page.locator("tr.gap").count() == 2
    page.select_option("select[name=severity]", "low")
    page.click("#gap-filters button[type=submit]")
    page.wait_for_url("**severity=low**")
    assert page.locator("tr.gap").count() == 1
    page.click("text=2 placeholders in docs/setup.md")
    assert "How to contribute this back" in page.content()
    page.click("text=Placeholder text left in docs")
    assert "Why it matters" in page.inner_text("main") and "TODO" in page.inner_text("p.why")

    newcomer = UserFactory(username="nova")
    client = Client()
    client.force_login(newcomer)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                              "url": live_server.url}])  # fmt: skip
    page.goto(f"/gaps/{todo.pk}/")
    page.click("text=Claim this gap")
    page.wait_for_selector("text=Still working on it")
    assert "Claimed by nova" in page.inner_text("main")
    todo.refresh_from_db()
    assert todo.state == Gap.State.CLAIMED and todo.claimed_by == newcomer
