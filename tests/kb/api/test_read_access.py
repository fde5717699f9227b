"""Anonymous readers see public projects only; members see their private projects; nothing leaks."""

import pytest

from kb.models import Document, ProjectMembership, SearchQuery, SyncRun
from tests.kb.api.conftest import token_client
from tests.kb.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def slugs(response):
    return [p["slug"] for p in response.json()["results"]]


def test_anonymous_lists_public_projects_only(catalogue, anonymous):
    response = anonymous.get("/api/projects/")
    assert response.status_code == 200
    assert slugs(response) == ["orbit"]
    assert response.json()["results"][0]["document_count"] == 2


def test_member_lists_their_private_project(catalogue):
    response = token_client(catalogue["member"]).get("/api/projects/")
    assert slugs(response) == ["orbit", "skunkworks"]


def test_private_project_detail_is_404_to_outsiders(catalogue, anonymous):
    assert anonymous.get("/api/projects/skunkworks/").status_code == 404
    assert token_client(UserFactory(username="stranger")).get("/api/projects/skunkworks/").status_code == 404
    assert anonymous.get("/api/projects/no-such-project/").status_code == 404
    member = token_client(catalogue["member"]).get("/api/projects/skunkworks/")
    assert member.status_code == 200 and member.json()["visibility"] == "private"


def test_project_detail_has_kind_counts_and_latest_sync(catalogue, anonymous):
    SyncRun.objects.create(
        project=catalogue["public"], source="local", status=SyncRun.Status.PARTIAL,
        skipped=1, skips=[{"path": "logo.png", "reason": "binary file"}],
    )  # fmt: skip
    body = anonymous.get("/api/projects/orbit/").json()
    assert body["document_kinds"] == {"doc": 1, "owners": 1}
    assert body["latest_sync"]["status"] == "partial"
    # File names and server paths are for the project's maintainers and staff.
    assert "skips" not in body["latest_sync"] and "target" not in body["latest_sync"]
    keeper = UserFactory(username="orbit-keeper")
    MembershipFactory(project=catalogue["public"], user=keeper, role=ProjectMembership.Role.MAINTAINER)
    body = token_client(keeper).get("/api/projects/orbit/").json()
    assert body["latest_sync"]["skips"] == [{"path": "logo.png", "reason": "binary file"}]


def test_a_local_repository_path_is_shown_to_maintainers_only(catalogue, anonymous):
    catalogue["public"].repository = "/srv/checkouts/orbit"
    catalogue["public"].save(update_fields=["repository"])
    assert anonymous.get("/api/projects/orbit/").json()["repository"] == ""
    assert {p["repository"] for p in anonymous.get("/api/projects/").json()["results"]} <= {""}
    keeper = UserFactory(username="orbit-keeper")
    MembershipFactory(project=catalogue["public"], user=keeper, role=ProjectMembership.Role.MAINTAINER)
    assert token_client(keeper).get("/api/projects/orbit/").json()["repository"] == "/srv/checkouts/orbit"


def test_documents_of_private_projects_are_hidden(catalogue, anonymous):
    listed = anonymous.get("/api/documents/").json()
    assert {d["project"] for d in listed["results"]} == {"orbit"}
    assert anonymous.get("/api/documents/?project=skunkworks").json()["count"] == 0
    secret = Document.objects.get(key="plan.md")
    assert anonymous.get(f"/api/documents/{secret.pk}/").status_code == 404
    member = token_client(catalogue["member"]).get(f"/api/documents/{secret.pk}/")
    assert member.status_code == 200
    assert member.json()["title"] == "Secret plan"
    assert "<p>The reviewer rota" in member.json()["html"]


def test_documents_filter_by_project_and_kind(catalogue, anonymous):
    response = anonymous.get("/api/documents/?project=orbit&kind=owners")
    assert [d["key"] for d in response.json()["results"]] == ["OWNERS"]


def test_search_hides_private_hits_and_facets_from_anonymous(catalogue, anonymous):
    body = anonymous.get("/api/search/?q=reviewer").json()
    assert body["count"] == 2
    assert {hit["project"] for hit in body["results"]} == {"orbit"}
    assert set(body["facets"]["project"]) == {"orbit"}
    assert set(body["results"][0]) == {"title", "path", "url", "kind", "project", "score", "highlights"}
    assert "<mark" in "".join(hit["highlights"] for hit in body["results"])


def test_search_shows_private_hits_to_members(catalogue):
    body = token_client(catalogue["member"]).get("/api/search/?q=reviewer").json()
    assert body["facets"]["project"] == {"orbit": 2, "skunkworks": 1}
    titles = {hit["title"] for hit in body["results"]}
    assert "Secret plan" in titles


def test_search_filter_on_private_project_answers_like_an_unknown_one(catalogue, anonymous):
    hidden = anonymous.get("/api/search/?q=reviewer&project=skunkworks")
    absent = anonymous.get("/api/search/?q=reviewer&project=nowhere")
    assert hidden.status_code == absent.status_code == 400
    assert hidden.json() == absent.json() == {"project": ["Unknown project."]}


def test_search_filters_kind_and_pages(catalogue, anonymous):
    body = anonymous.get("/api/search/?q=reviewer&kind=owners").json()
    assert [hit["path"] for hit in body["results"]] == ["OWNERS"]
    second = anonymous.get("/api/search/?q=reviewer&page=2&page_size=1").json()
    assert second["count"] == 2 and second["page"] == 2 and len(second["results"]) == 1


def test_search_suggests_a_spelling(catalogue, anonymous):
    body = anonymous.get("/api/search/?q=reviewr").json()
    assert body["count"] == 0
    assert body["suggestion"] == "reviewer"


def test_search_is_recorded(catalogue, anonymous):
    anonymous.get("/api/search/?q=reviewer&kind=doc")
    recorded = SearchQuery.objects.get()
    assert (recorded.query, recorded.kind, recorded.via, recorded.result_count) == (
        "reviewer",
        "doc",
        "api",
        1,
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("q=reviewer&page=abc", "page"),
        ("q=reviewer&page=0", "page"),
        ("q=reviewer&kind=poem", "kind"),
        ("q=reviewer&page_size=500", "page_size"),
        ("project=orbit", "q"),
        ("q=reviewer&project=Not%20A%20Slug", "project"),
    ],
)
def test_search_bad_parameters_are_400_with_field_errors(catalogue, anonymous, query, field):
    response = anonymous.get(f"/api/search/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert SearchQuery.objects.count() == 0


def test_documents_bad_kind_is_400(catalogue, anonymous):
    response = anonymous.get("/api/documents/?kind=poem")
    assert response.status_code == 400
    assert "kind" in response.json()
