"""The glacier pages in a real Chromium (Debian's /usr/bin/chromium through Playwright)."""

import os
from datetime import timedelta

import pytest

from kb.models import GlacierPage
from kb.services.glaciers import glacier_compact
from tests.kb.glaciers.corpus import NOW, add_issue, add_private_note, build_project, issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROMIUM = "/usr/bin/chromium"
# Playwright's sync API runs an event loop in this thread; the ORM is used between steps.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            headless=True,
        )
        yield launched
        launched.close()


def test_reader_walks_from_the_list_to_a_page_and_its_history(browser, live_server):
    project = build_project()
    add_private_note(project)
    glacier_compact(project=project, now=NOW)
    add_issue(
        project,
        issue(9, "Kubelet eviction stalls node drain", "The kubelet eviction stalls during drain.",
              labels=["sig/node"], created=0),
    )  # fmt: skip
    glacier_compact(project=project, now=NOW + timedelta(hours=1))
    node = GlacierPage.objects.get(topic__signature="sig-node")

    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.goto("/projects/example/glaciers/")
    tab.get_by_role("link", name="SIG Node").click()
    tab.wait_for_url(f"**/glaciers/{node.pk}/")
    assert tab.locator("#summary .stmt").count() == len(node.content["summary"])
    assert tab.locator("#summary a.src").first.get_attribute("href")
    assert "Kubelet eviction stalls node drain" in tab.locator("#surface").inner_text()
    assert "password" not in tab.content()
    tab.get_by_role("link", name="2 · history").click()
    tab.wait_for_url(f"**/glaciers/{node.pk}/history/")
    added = tab.locator("#r2 .diff-add").all_inner_texts()
    assert any("Kubelet eviction stalls node drain" in line for line in added)
    context.close()
