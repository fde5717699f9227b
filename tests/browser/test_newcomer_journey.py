"""A newcomer's first visit in a real Chromium: sign up, verify the address through a real SMTP
sink, search, open a glacier page, enrol in the onboarding path, tick a step, claim a gap."""

import re

import pytest

from kb.models import GlacierPage
from onboarding.models import Enrolment, Gap, StepCompletion
from tests.browser.demo import demo_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough passphrase 42"


def test_a_newcomer_joins_and_makes_a_first_contribution(page, live_server, smtp_sink, memory_search):
    sink = smtp_sink()
    demo = demo_project()

    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill("newcomer@example.org")
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again):").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/accounts/confirm-email/")

    [message] = sink.wait_for(1)
    body = message.get_body(preferencelist=("plain",)).get_content()
    confirm_url = re.search(r"https?://\S+/accounts/confirm-email/\S+/", body).group(0)
    page.goto(re.sub(r"^https?://[^/]+", "", confirm_url))
    page.get_by_role("button", name="Confirm").click()

    page.goto("/accounts/login/")
    page.get_by_label("Login:").fill("newcomer")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="newcomer").is_visible()

    page.get_by_role("searchbox", name="Search all projects").fill("kubelet")
    page.get_by_role("searchbox", name="Search all projects").press("Enter")
    page.wait_for_url("**/search/?q=kubelet")
    assert page.locator(".hit").count() >= 1

    glacier: GlacierPage = demo["glacier"]
    page.goto("/projects/example/glaciers/")
    page.get_by_role("link", name=glacier.title).first.click()
    page.wait_for_url(f"**/glaciers/{glacier.pk}/")
    assert page.get_by_role("heading", level=1).inner_text().strip().startswith(glacier.title)

    page.goto("/projects/example/onboarding/")
    page.get_by_role("button", name="Start this path").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Done").first.click()
    page.wait_for_load_state()
    enrolment = Enrolment.objects.get(user__username="newcomer")
    assert StepCompletion.objects.filter(enrolment=enrolment).count() == 1
    assert "1 of" in page.locator("#my-progress").inner_text()

    page.goto(f"/gaps/{demo['gap'].pk}/")
    page.get_by_role("button", name="Claim this gap").click()
    page.wait_for_load_state()
    gap = Gap.objects.get(pk=demo["gap"].pk)
    assert gap.state == Gap.State.CLAIMED and gap.claimed_by.username == "newcomer"
