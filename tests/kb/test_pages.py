"""Portal pages through the test client: what each page shows, and what it hides."""

import re
from datetime import UTC, datetime

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from kb.models import Document, Project, ProjectMembership, SearchQuery, SyncRun
from kb.services.documents import DocumentInput, documents_upsert
from tests.kb.factories import MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db, memory_search, django_capture_on_commit_callbacks):
    public = ProjectFactory(slug="orbit", name="Orbit", description="A satellite toolkit.")
    private = ProjectFactory(slug="skunkworks", name="Skunkworks", visibility=Project.Visibility.PRIVATE)
    member = UserFactory(username="member")
    MembershipFactory(project=private, user=member, role=ProjectMembership.Role.MEMBER)
    guides = [
        DocumentInput(kind="doc", key=f"docs/guide-{n}.md", path=f"docs/guide-{n}.md", title=f"Release guide {n}",
                      body=f"# Release guide {n}\n\nHow to cut a release, step {n}.")
        for n in range(12)
    ]  # fmt: skip
    readme = DocumentInput(
        kind="doc",
        key="README.md",
        path="README.md",
        title="Orbit",
        url="https://example.org/orbit/README.md",
        last_changed_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
        authors=[{"name": "Ada Lovelace", "email": "ada@example.org"}, {"name": "Grace Hopper"}],
        body="# Orbit\n\n## Getting started\n\nRun **orbit init**.\n\n<script>alert(1)</script>",
    )
    owners = DocumentInput(
        kind="owners", key="OWNERS", path="OWNERS", title="OWNERS", body="approvers: [ada]"
    )
    with django_capture_on_commit_callbacks(execute=True):
        documents_upsert(project=public, source="local", items=[readme, owners, *guides])
        documents_upsert(
            project=private,
            source="local",
            items=[DocumentInput(kind="doc", key="plan.md", path="plan.md", title="Launch plan",
                                 body="The secret release date.")],
        )  # fmt: skip
    SyncRun.objects.create(
        project=public,
        source="local",
        target="/srv/orbit",
        status=SyncRun.Status.PARTIAL,
        finished_at=datetime(2026, 3, 2, tzinfo=UTC),
        added=14,
        skipped=1,
        skips=[{"path": "logo.png", "reason": "binary file"}],
    )
    return {"public": public, "private": private, "member": member}


def test_home_lists_visible_projects_with_counts_and_last_sync(client, site):
    page = client.get(reverse("kb:home")).content.decode()
    assert "Orbit" in page and "14 documents" in page and "synced" in page
    assert "Skunkworks" not in page
    client.force_login(site["member"])
    assert "Skunkworks" in client.get(reverse("kb:home")).content.decode()


def test_project_page_lists_documents_by_kind_and_the_latest_sync(client, site):
    page = client.get(reverse("kb:project", args=["orbit"])).content.decode()
    assert "Release guide 3" in page
    assert re.search(r"Owners file <span class=\"count\">1</span>", page)
    # Sync warnings and server paths are for maintainers; a visitor sees when it was updated.
    assert "logo.png" not in page and "Succeeded with errors" not in page and "Updated" in page
    maintainer = UserFactory(username="orbit-keeper")
    MembershipFactory(project=site["public"], user=maintainer, role=ProjectMembership.Role.MAINTAINER)
    client.force_login(maintainer)
    page = client.get(reverse("kb:project", args=["orbit"])).content.decode()
    assert "logo.png" in page and "binary file" in page
    assert "Succeeded with errors" in page
    client.logout()
    owners = client.get(reverse("kb:project", args=["orbit"]) + "?kind=owners").content.decode()
    assert "Release guide 3" not in owners and ">OWNERS</a>" in owners


def test_private_project_page_is_404_to_outsiders(client, site):
    assert client.get(reverse("kb:project", args=["skunkworks"])).status_code == 404
    client.force_login(UserFactory(username="stranger"))
    assert client.get(reverse("kb:project", args=["skunkworks"])).status_code == 404
    client.force_login(site["member"])
    assert client.get(reverse("kb:project", args=["skunkworks"])).status_code == 200


def test_search_page_shows_highlights_facets_and_pages(client, site):
    response = client.get(reverse("kb:search"), {"q": "release"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "12 results" in page
    assert "<mark>release</mark>" in page
    assert 'href="?q=release&amp;project=orbit"' in page
    assert 'href="?q=release&amp;kind=doc"' in page
    assert 'href="?q=release&amp;page=2"' in page and "Page 1 of 2" in page
    assert "Launch plan" not in page and "skunkworks" not in page
    second = client.get(reverse("kb:search"), {"q": "release", "page": 2}).content.decode()
    assert "Page 2 of 2" in second and 'rel="prev"' in second
    assert SearchQuery.objects.filter(via="web").count() == 2


def test_search_page_offers_did_you_mean(client, site):
    page = client.get(reverse("kb:search"), {"q": "relase"}).content.decode()
    assert "Did you mean" in page and 'href="?q=release"' in page


def test_search_page_rejects_bad_parameters(client, site):
    response = client.get(reverse("kb:search"), {"q": "release", "page": "two", "kind": "poem"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "<strong>page</strong>" in page and "<strong>kind</strong>" in page
    hidden = client.get(reverse("kb:search"), {"q": "release", "project": "skunkworks"})
    assert hidden.status_code == 400 and "Unknown project." in hidden.content.decode()


def test_document_page_renders_sanitised_html_and_metadata(client, site):
    readme = Document.objects.get(key="README.md")
    page = client.get(reverse("kb:document", args=[readme.pk])).content.decode()
    assert '<h2 id="getting-started">Getting started</h2>' in page
    assert "<strong>orbit init</strong>" in page
    assert "<script>alert" not in page
    assert "Ada Lovelace, Grace Hopper" in page
    assert 'href="https://example.org/orbit/README.md"' in page
    assert 'datetime="2026-03-01T12:00:00+00:00"' in page


def test_private_document_page_is_404_to_outsiders(client, site):
    plan = Document.objects.get(key="plan.md")
    assert client.get(reverse("kb:document", args=[plan.pk])).status_code == 404
    client.force_login(site["member"])
    assert "The secret release date." in client.get(reverse("kb:document", args=[plan.pk])).content.decode()


def test_sign_in_page_and_sign_in(client, site):
    EmailAddress.objects.create(user=site["member"], email=site["member"].email, verified=True, primary=True)
    assert client.get(reverse("account_login")).status_code == 200
    response = client.post(
        reverse("account_login"), {"login": "member", "password": "correct horse battery staple"}, follow=True
    )
    assert "Skunkworks" in response.content.decode()


def test_document_page_does_not_repeat_its_title(client, site):
    readme = Document.objects.get(key="README.md")
    page = client.get(reverse("kb:document", args=[readme.pk])).content.decode()
    assert page.count('<h1 id="orbit">') == 0
    assert page.count(">Orbit") >= 1


def test_document_page_shows_replies_the_reader_may_see(client, site, django_capture_on_commit_callbacks):
    public = site["public"]
    with django_capture_on_commit_callbacks(execute=True):
        documents_upsert(
            project=public,
            source="github",
            items=[
                DocumentInput(kind="issue", key="issue/7", title="Release is broken", body="It fails."),
                DocumentInput(kind="comment", key="comment/70", title="Re: Release is broken",
                              body="Fixed in **main**.", parent_key="issue/7", authors=[{"login": "grace"}]),
                DocumentInput(kind="comment", key="comment/71", title="Private aside",
                              body="Maintainers only.", parent_key="issue/7", is_private=True),
            ],
        )  # fmt: skip
    issue = Document.objects.get(key="issue/7")
    page = client.get(reverse("kb:document", args=[issue.pk])).content.decode()
    assert "Replies (1)" in page
    assert "<strong>main</strong>" in page and "grace" in page
    assert "Maintainers only." not in page
