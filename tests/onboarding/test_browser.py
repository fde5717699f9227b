"""End to end in a real Chromium (Debian's /usr/bin/chromium through Playwright): a successor
ticks a handoff item on the maintainer page; the people page draws its bus-factor chart."""

import pytest
from django.conf import settings
from django.test import Client

from onboarding.models import Maintainer, SuccessionPlan
from onboarding.services.people import people_import
from onboarding.services.risk import project_risk_compute
from onboarding.services.succession import handoff_checklist_create, succession_plans_refresh
from tests.onboarding.helpers import git_repo, make_project, make_user, put_files

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_successor_checks_off_a_handoff_item_in_the_browser(page, live_server, tmp_path):
    repo = git_repo(
        tmp_path / "repo",
        [("Alice", "alice@acme.io", ["docs/a.md"])] * 2 + [("Lead", "lead@b.org", ["api/x"])],
    )
    project = make_project("demo", repository=str(repo))
    put_files(
        project,
        {"OWNERS": "approvers:\n  - lead\n", "docs/OWNERS": "approvers:\n  - alice\nreviewers:\n  - bob\n"},
    )
    bob = make_user("bob")
    people_import(project=project)
    project_risk_compute(project=project)
    succession_plans_refresh(project=project)
    plan = SuccessionPlan.objects.get(project=project, maintainer__github_login="alice")
    checklist = handoff_checklist_create(plan=plan, successor=Maintainer.objects.get(github_login="bob"))
    total = checklist.items.count()

    page.goto("/projects/demo/people/")
    assert page.locator("svg.chart rect.bar").count() >= 2
    assert page.locator("#bus-factor").inner_text() == "1"

    login(page.context, live_server, bob)
    page.goto(f"/projects/demo/people/{plan.maintainer_id}/")
    assert page.locator(".completeness").inner_text() == "0%"
    page.locator("button", has_text="Check off").first.click()
    page.wait_for_load_state()
    assert page.locator(".completeness").inner_text() == f"{round(100 / total)}%"
    assert page.locator("td", has_text="bob on").count() == 1
    assert page.locator("button", has_text="Complete the handoff").count() == 0
