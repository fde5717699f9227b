"""The glacier pages in a real Chromium (Debian's /usr/bin/chromium through Playwright)."""

from datetime import timedelta

import pytest

from kb.models import GlacierPage
from kb.services.glaciers import glacier_compact
from tests.kb.glaciers.corpus import NOW, add_issue, add_private_note, build_project, issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_walks_from_the_list_to_a_page_and_its_history(page):
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

    tab = page
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
