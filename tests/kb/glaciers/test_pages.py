from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from kb.models import GlacierPage, ProjectMembership
from kb.services.glaciers import glacier_compact
from tests.kb.glaciers.corpus import NOW, add_issue, add_private_note, build_project, issue

pytestmark = pytest.mark.django_db
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def project():
    project = build_project()
    add_private_note(project)
    glacier_compact(project=project, now=NOW)
    return project


def node_page(project):
    return GlacierPage.objects.get(project=project, topic__signature="sig-node")


def logged_in(project, role):
    user = get_user_model().objects.create_user(f"u-{role}", password="pw-for-tests")
    ProjectMembership.objects.create(project=project, user=user, role=role)
    client = Client()
    client.force_login(user)
    return client


def test_list_shows_pages_with_metrics(project):
    html = Client().get("/projects/example/glaciers/").content.decode()
    assert "SIG Node" in html and "SIG Network" in html and "×" in html
    assert Client().get("/projects/nope/glaciers/").status_code == 404


def test_detail_shows_every_section_with_source_links_and_no_private_text(project):
    page = node_page(project)
    response = Client().get(f"/glaciers/{page.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    for section in (
        "Summary",
        "Recent",
        "Decisions",
        "Questions answered",
        "People who know this",
        "Sources",
    ):
        assert section in html
    for sentence in page.content["summary"]:
        assert f"[{sentence['source']}]" in html
    assert "password" not in html and "Restricted notes" not in html


def test_maintainer_sees_restricted_notes_and_can_rename(project):
    page = node_page(project)
    client = logged_in(project, ProjectMembership.Role.MAINTAINER)
    html = client.get(f"/glaciers/{page.pk}/").content.decode()
    assert "Restricted notes" in html and "staging cluster password" in html
    response = client.post(
        f"/glaciers/{page.pk}/",
        {"title": "Nodes", "owner_login": "bob", "review_by": "2027-02-01", "reviewed": "on"},
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert (page.title, page.owner_login, page.review_by.isoformat()) == ("Nodes", "bob", "2027-02-01")
    assert page.topic.title_locked and page.last_reviewed_at is not None
    bad = client.post(f"/glaciers/{page.pk}/", {"title": "", "review_by": "soon"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()


def test_members_cannot_edit(project):
    page = node_page(project)
    client = logged_in(project, ProjectMembership.Role.MEMBER)
    assert client.post(f"/glaciers/{page.pk}/", {"title": "Hijacked"}).status_code == 404
    page.refresh_from_db()
    assert page.title == "SIG Node"


def test_history_shows_a_safe_diff_of_a_new_issue(project):
    add_issue(
        project,
        issue(
            8, f"Kubelet eviction {HOSTILE}", "The kubelet evicts pods again.", labels=["sig/node"], created=0
        ),
    )
    glacier_compact(project=project, now=NOW + timedelta(hours=1))
    page = node_page(project)
    html = Client().get(f"/glaciers/{page.pk}/history/").content.decode()
    assert "Revision 2" in html and "Revision 1" in html
    assert 'class="diff-add">+ ' in html and "Kubelet eviction &lt;script&gt;" in html
    assert "<script>alert" not in html and "<img src=x" not in html
    detail = Client().get(f"/glaciers/{page.pk}/").content.decode()
    assert "<script>alert" not in detail and "&lt;script&gt;" in detail


def test_private_project_pages_are_hidden():
    private = build_project(slug="hidden", visibility="private")
    glacier_compact(project=private, now=NOW)
    page = GlacierPage.objects.filter(project=private).first()
    assert Client().get(f"/glaciers/{page.pk}/").status_code == 404
    assert Client().get(f"/glaciers/{page.pk}/history/").status_code == 404
    assert Client().get("/projects/hidden/glaciers/").status_code == 404


def test_maintainer_merges_and_splits_from_the_page(project, django_capture_on_commit_callbacks):
    from kb.models import Document

    client = logged_in(project, ProjectMembership.Role.MAINTAINER)
    node = node_page(project)
    contributors = GlacierPage.objects.get(project=project, topic__signature="contributors")
    assert "Merge this topic into" in client.get(f"/glaciers/{node.pk}/").content.decode()
    eviction = Document.objects.get(key="issue/1").pk
    with django_capture_on_commit_callbacks(execute=True):
        split = client.post(
            f"/glaciers/{node.pk}/split/", {"title": "Memory eviction", "document_ids": [eviction]}
        )
        merge = client.post(f"/glaciers/{contributors.pk}/merge/", {"into": node.pk})
    assert split.status_code == 302 and merge.headers["Location"] == f"/glaciers/{node.pk}/"
    node.refresh_from_db()
    sources = [s["id"] for s in node.content["sources"]]
    assert eviction not in sources and Document.objects.get(key="contributors/guide/README.md").pk in sources
    refused = client.post(f"/glaciers/{node.pk}/split/", {"title": "", "document_ids": ["x"]}, follow=True)
    assert "title:" in refused.content.decode()
    outsider = logged_in(project, ProjectMembership.Role.MEMBER)
    assert outsider.post(f"/glaciers/{node.pk}/merge/", {"into": contributors.pk}).status_code == 404
