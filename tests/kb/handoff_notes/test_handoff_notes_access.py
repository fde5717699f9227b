"""Private notes reach maintainers, the author and the successor only: API lists and details, pages."""

import pytest
from rest_framework.test import APIClient

from kb.models import Document
from kb.services.handoff_notes import NoteInput, handoff_note_save

from .conftest import NOTE

pytestmark = pytest.mark.django_db

ALLOWED = ["maintainer", "author", "successor", "staff"]
DENIED = ["anonymous", "contributor", "other_maintainer"]


@pytest.fixture
def note(people):
    document, _ = handoff_note_save(project=people.project, author=people.author, note=NoteInput(text=NOTE))
    return document


def api_as(people, who) -> APIClient:
    client = APIClient()
    if who != "anonymous":
        client.credentials(HTTP_AUTHORIZATION=f"Token {people.token(getattr(people, who))}")
    return client


def web_as(client, people, who):
    if who != "anonymous":
        client.force_login(getattr(people, who))
    return client


@pytest.mark.parametrize("who", ALLOWED + DENIED)
def test_api_list_and_detail_follow_the_rules(people, note, who):
    api = api_as(people, who)
    listing = api.get("/api/handoff-notes/").json()
    detail = api.get(f"/api/handoff-notes/{note.pk}/")
    if who in ALLOWED:
        assert [row["id"] for row in listing["results"]] == [note.pk]
        assert detail.status_code == 200 and detail.json()["successor"] == "sam"
    else:
        assert listing["count"] == 0 and listing["results"] == []
        assert detail.status_code == 404


@pytest.mark.parametrize("who", ALLOWED + DENIED)
def test_pages_follow_the_rules(client, people, note, who):
    web = web_as(client, people, who)
    listing = web.get(f"/projects/{people.project.slug}/handoff-notes/")
    detail = web.get(f"/handoff-notes/{note.pk}/")
    if who in ALLOWED:
        assert "Release signing duty" in listing.content.decode()
        assert detail.status_code == 200 and "blue safe" in detail.content.decode()
    else:
        assert "Release signing duty" not in listing.content.decode()
        assert detail.status_code == 404


def test_a_public_note_is_readable_by_anyone_on_a_public_project(people):
    document, _ = handoff_note_save(
        project=people.project,
        author=people.author,
        note=NoteInput(text="---\nprivate: false\n---\n# Open note\n"),
    )
    assert api_as(people, "anonymous").get(f"/api/handoff-notes/{document.pk}/").status_code == 200


def test_api_create_as_maintainer(people):
    response = api_as(people, "maintainer").post(
        "/api/handoff-notes/",
        {"project": "widgets", "body": NOTE, "area": "signing"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == "Release signing duty"
    assert body["area"] == "signing"  # explicit field beats front matter
    assert body["is_private"] is True and body["author"] == "max"
    assert list(Document.objects.get(pk=body["id"]).readers.all()) == [people.successor]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"project": "widgets"}, "body"),
        ({"project": "widgets", "body": "x", "successor": "nobody-here"}, "successor"),
        ({"project": "widgets", "body": "---\ntitle: A\narea: [oops\n---\nx"}, "body"),
        ({"project": "widgets", "body": "x", "date": "soon"}, "date"),
        ({"project": "nope", "body": "x"}, "project"),
        ({"body": "x"}, "project"),
    ],
)
def test_api_bad_payloads_get_400_with_field_errors(people, payload, field):
    response = api_as(people, "maintainer").post("/api/handoff-notes/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Document.objects.filter(kind="handoff_note").exists()


def test_api_malformed_front_matter_names_the_line(people):
    response = api_as(people, "maintainer").post(
        "/api/handoff-notes/",
        {"project": "widgets", "body": "---\ntitle: A\narea: [oops\n---\nx"},
        format="json",
    )
    assert response.json()["body"][0].startswith("line 3:")


@pytest.mark.parametrize("who, status", [("anonymous", 401), ("contributor", 403), ("other_maintainer", 403)])
def test_api_only_maintainers_write(people, who, status):
    response = api_as(people, who).post(
        "/api/handoff-notes/", {"project": "widgets", "body": "x"}, format="json"
    )
    assert response.status_code == status
    assert not Document.objects.filter(kind="handoff_note").exists()


def test_api_patch_keeps_what_is_not_sent(people, note):
    response = api_as(people, "maintainer").patch(
        f"/api/handoff-notes/{note.pk}/", {"title": "Signing duty (2025)"}, format="json"
    )
    assert response.status_code == 200, response.json()
    note.refresh_from_db()
    assert note.title == "Signing duty (2025)"
    assert note.metadata["successor"] == "sam" and note.metadata["area"] == "release"
    assert list(note.readers.all()) == [people.successor] and note.is_private


def test_api_delete(people, note):
    assert api_as(people, "contributor").delete(f"/api/handoff-notes/{note.pk}/").status_code == 404
    assert api_as(people, "successor").delete(f"/api/handoff-notes/{note.pk}/").status_code == 403
    assert api_as(people, "maintainer").delete(f"/api/handoff-notes/{note.pk}/").status_code == 204
    assert not Document.objects.filter(pk=note.pk).exists()


def test_portal_form_creates_a_note(client, people):
    web = web_as(client, people, "maintainer")
    assert web.get("/projects/widgets/handoff-notes/new/").status_code == 200
    response = web.post(
        "/projects/widgets/handoff-notes/new/",
        {"body": NOTE, "title": "", "area": "", "successor": "", "date": "", "is_private": "on"},
    )
    note = Document.objects.get(kind="handoff_note")
    assert response.status_code == 302 and response["Location"] == f"/handoff-notes/{note.pk}/"
    assert note.is_private and list(note.readers.all()) == [people.successor]


def test_portal_form_shows_front_matter_errors_with_the_line(client, people):
    web = web_as(client, people, "maintainer")
    response = web.post(
        "/projects/widgets/handoff-notes/new/", {"body": "---\narea: [x\n---\nbody", "is_private": "on"}
    )
    assert response.status_code == 200
    assert "line 2:" in response.content.decode()
    assert not Document.objects.filter(kind="handoff_note").exists()


@pytest.mark.parametrize("who, status", [("contributor", 403), ("other_maintainer", 403)])
def test_portal_form_is_for_maintainers(client, people, who, status):
    assert web_as(client, people, who).get("/projects/widgets/handoff-notes/new/").status_code == status


def test_portal_form_asks_anonymous_users_to_sign_in(client, people):
    response = client.get("/projects/widgets/handoff-notes/new/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
