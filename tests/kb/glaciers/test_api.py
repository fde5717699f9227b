import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from kb.models import Document, GlacierPage, ProjectMembership, Topic
from kb.services.glaciers import glacier_compact
from tests.kb.glaciers.corpus import NOW, add_private_note, build_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    project = build_project()
    add_private_note(project)
    glacier_compact(project=project, now=NOW)
    return project


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def make_user(name, project=None, role=None):
    user = get_user_model().objects.create_user(name, password="pw-for-tests")
    if project and role:
        ProjectMembership.objects.create(project=project, user=user, role=role)
    return user


def node_page(project) -> GlacierPage:
    return GlacierPage.objects.get(project=project, topic__signature="sig-node")


def test_anonymous_lists_and_reads_public_pages_without_private_notes(project):
    listing = client_for().get("/api/glaciers/", {"project": "example"}).json()
    assert {p["title"] for p in listing["results"]} >= {"SIG Node", "SIG Network"}
    page = node_page(project)
    body = client_for().get(f"/api/glaciers/{page.pk}/")
    assert body.status_code == 200
    data = body.json()
    assert data["restricted_notes"] == []
    assert "password" not in body.content.decode()
    assert data["metrics"]["coverage"] == 1.0
    assert data["content"]["summary"][0]["source"]


def test_maintainer_and_note_reader_see_the_restricted_notes(project):
    maintainer = make_user("maint", project, ProjectMembership.Role.MAINTAINER)
    member = make_user("member", project, ProjectMembership.Role.MEMBER)
    page = node_page(project)
    seen = client_for(maintainer).get(f"/api/glaciers/{page.pk}/").json()["restricted_notes"]
    assert "staging cluster password" in seen[0]["sentences"][0]["text"]
    assert client_for(member).get(f"/api/glaciers/{page.pk}/").json()["restricted_notes"] == []
    Document.objects.get(key="note/node-handoff").readers.add(member)
    assert len(client_for(member).get(f"/api/glaciers/{page.pk}/").json()["restricted_notes"]) == 1


def test_private_projects_pages_are_invisible_to_outsiders():
    private = build_project(slug="secret", visibility="private")
    glacier_compact(project=private, now=NOW)
    page = GlacierPage.objects.filter(project=private).first()
    assert client_for().get("/api/glaciers/", {"project": "secret"}).json()["results"] == []
    assert client_for().get(f"/api/glaciers/{page.pk}/").status_code == 404
    assert client_for(make_user("stranger")).get(f"/api/glaciers/{page.pk}/revisions/").status_code == 404
    member = make_user("insider", private, ProjectMembership.Role.MEMBER)
    assert client_for(member).get(f"/api/glaciers/{page.pk}/").status_code == 200


def test_revisions_endpoint_lists_revisions_with_diffs(project):
    page = node_page(project)
    data = client_for().get(f"/api/glaciers/{page.pk}/revisions/").json()["results"]
    assert [r["number"] for r in data] == [1]
    assert data[0]["diff"][0]["op"] in ("hunk", "add")
    assert "password" not in str(data)


def test_edits_need_a_maintainer(project):
    page = node_page(project)
    assert client_for().patch(f"/api/glaciers/{page.pk}/", {"title": "X"}, format="json").status_code in (
        401,
        403,
    )
    member = make_user("member", project, ProjectMembership.Role.MEMBER)
    assert (
        client_for(member).patch(f"/api/glaciers/{page.pk}/", {"title": "X"}, format="json").status_code
        == 403
    )


def test_bad_payloads_get_field_errors(project):
    maintainer = make_user("maint", project, ProjectMembership.Role.MAINTAINER)
    page = node_page(project)
    client = client_for(maintainer)
    bad = client.patch(f"/api/glaciers/{page.pk}/", {"review_by": "next tuesday", "title": ""}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"review_by", "title"}
    bad = client.post(f"/api/glaciers/{page.pk}/merge/", {"into": page.pk}, format="json")
    assert bad.status_code == 400 and "into" in bad.json()
    bad = client.post(f"/api/glaciers/{page.pk}/merge/", {"into": 999999}, format="json")
    assert bad.status_code == 400 and "into" in bad.json()
    foreign = Document.objects.get(key="sig-network/README.md").pk
    bad = client.post(
        f"/api/glaciers/{page.pk}/split/", {"title": "Eviction", "document_ids": [foreign]}, format="json"
    )
    assert bad.status_code == 400 and "document_ids" in bad.json()
    bad = client.post(f"/api/glaciers/{page.pk}/split/", {"document_ids": "x"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"title", "document_ids"}


def test_maintainers_edits_survive_recompaction(project, django_capture_on_commit_callbacks):
    maintainer = make_user("maint", project, ProjectMembership.Role.MAINTAINER)
    client = client_for(maintainer)
    node, network = (
        node_page(project),
        GlacierPage.objects.get(project=project, topic__signature="sig-network"),
    )
    contributors = GlacierPage.objects.get(project=project, topic__signature="contributors")
    eviction_issue = Document.objects.get(key="issue/1").pk
    with django_capture_on_commit_callbacks(execute=True):
        renamed = client.patch(
            f"/api/glaciers/{node.pk}/",
            {"title": "Node and kubelet", "owner_login": "dave", "review_by": "2027-01-31"},
            format="json",
        )
        assert renamed.status_code == 200, renamed.json()
        split = client.post(
            f"/api/glaciers/{node.pk}/split/",
            {"title": "Memory eviction", "document_ids": [eviction_issue]},
            format="json",
        )
        assert split.status_code == 201, split.json()
        merged = client.post(f"/api/glaciers/{contributors.pk}/merge/", {"into": network.pk}, format="json")
        assert merged.status_code == 200, merged.json()

    for _ in range(2):  # the edits hold on every later compaction, forced or not
        glacier_compact(project=project, force=True)
        node.refresh_from_db()
        assert node.title == "Node and kubelet" and node.content["title"] == "Node and kubelet"
        assert node.owner_login == "dave" and node.review_by.isoformat() == "2027-01-31"
        assert eviction_issue not in [s["id"] for s in node.content["sources"]]
        eviction = GlacierPage.objects.get(topic__title="Memory eviction")
        assert [s["id"] for s in eviction.content["sources"]] == [eviction_issue]
        network.refresh_from_db()
        guide = Document.objects.get(key="contributors/guide/README.md").pk
        assert guide in [s["id"] for s in network.content["sources"]]
        assert Topic.objects.get(signature="contributors").retired_at is not None
    listed = client_for().get("/api/glaciers/", {"project": "example"}).json()["results"]
    assert "contributors" not in [p["topic"]["signature"] for p in listed]


def test_revision_diffs_through_the_api_show_a_new_issue(project):
    from datetime import timedelta

    from tests.kb.glaciers.corpus import add_issue, issue

    add_issue(
        project, issue(11, "Kubelet eviction misses swap", "Swap is ignored.", labels=["sig/node"], created=0)
    )
    glacier_compact(project=project, now=NOW + timedelta(hours=3))
    data = client_for().get(f"/api/glaciers/{node_page(project).pk}/revisions/").json()
    assert data["count"] == 2
    newest, first = data["results"]
    assert (newest["number"], first["number"]) == (2, 1)
    added = [line["text"] for line in newest["diff"] if line["op"] == "add"]
    assert any("Kubelet eviction misses swap" in line for line in added)
    assert not any(
        line["op"] == "remove" and "Kubelet eviction misses swap" in line["text"] for line in newest["diff"]
    )


def test_a_rename_shows_at_once_and_never_recompacts_inside_the_request(
    project, settings, monkeypatch, django_capture_on_commit_callbacks
):
    import kb.services.glaciers as glacier_services
    import kb.tasks

    def no_compaction_here(**kwargs):
        raise AssertionError("recompacted inside the request")

    monkeypatch.setattr(glacier_services, "glacier_compact", no_compaction_here)
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the embedded profile: no broker
    client = client_for(make_user("renamer", project, ProjectMembership.Role.MAINTAINER))
    node = node_page(project)
    with django_capture_on_commit_callbacks(execute=True):  # embedded: Celery would run tasks eagerly
        response = client.patch(f"/api/glaciers/{node.pk}/", {"title": "Kubelet"}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "Kubelet"
    node.refresh_from_db()
    assert node.title == "Kubelet" and node.content["title"] == "Kubelet"

    queued = []
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a broker and a worker: the recompaction is queued
    monkeypatch.setattr(kb.tasks.glacier_compact_project, "delay", lambda *a, **kw: queued.append((a, kw)))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.patch(f"/api/glaciers/{node.pk}/", {"title": "Nodes"}, format="json").status_code == 200
    assert queued == [((project.pk,), {"force": True})]


def test_huge_numbers_in_split_and_merge_are_field_errors(project):
    client = client_for(make_user("bigint", project, ProjectMembership.Role.MAINTAINER))
    node = node_page(project)
    huge = 10**30
    split = client.post(
        f"/api/glaciers/{node.pk}/split/", {"title": "T", "document_ids": [huge]}, format="json"
    )
    assert split.status_code == 400 and "document_ids" in split.json()
    merge = client.post(f"/api/glaciers/{node.pk}/merge/", {"into": huge}, format="json")
    assert merge.status_code == 400 and "into" in merge.json()
