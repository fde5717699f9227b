"""Clear errors: malformed input gets a 4xx with a message (never a 500), service errors pass
through one handler, and what a caller cannot see answers exactly like what does not exist.
Runs on SQLite and (in the services run) on PostgreSQL, which refuses NUL in text."""

import json
import re

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kb.errors import Forbidden, NotFound, ServiceError
from kb.models import Project, ProjectMembership
from onboarding.models import Maintainer, SuccessionPlan
from tests.kb.factories import DocumentFactory, MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

NUL_LISTS = [
    "/api/documents/",
    "/api/glaciers/",
    "/api/handoff-notes/",
    "/api/gaps/",
    "/api/maintainers/",
    "/api/succession-plans/",
    "/api/onboarding-paths/",
    "/api/projects/",
    "/api/search/",
]
NUL_PAGES = ["/gaps/", "/search/", "/projects/orbit/", "/projects/orbit/glaciers/", "/"]


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def world(memory_search):
    public = ProjectFactory(slug="orbit")
    private = ProjectFactory(slug="vault", visibility=Project.Visibility.PRIVATE)
    maintainer = UserFactory(username="keeper")
    MembershipFactory(project=public, user=maintainer, role=ProjectMembership.Role.MAINTAINER)
    DocumentFactory(project=public)
    return {"public": public, "private": private, "maintainer": maintainer}


@pytest.mark.parametrize("url", NUL_LISTS)
def test_a_nul_byte_in_a_query_parameter_is_a_400_on_every_list(world, url):
    response = APIClient().get(url + "?project=orbit%00&q=release%00")
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


@pytest.mark.parametrize("url", NUL_PAGES)
def test_a_nul_byte_in_a_page_query_is_a_400(client, world, url):
    response = client.get(url, {"project": "or\x00bit", "q": "a\x00", "kind": "\x00"})
    assert response.status_code == 400 and b"NUL" in response.content


def test_nul_bytes_in_paths_and_bodies_are_400(client, world):
    assert client.get("/gaps/rules/x%00y/").status_code == 400
    api = token_client(world["maintainer"])
    note = api.post("/api/handoff-notes/", {"project": "orbit", "body": "hello\x00world"}, format="json")
    assert note.status_code == 400 and "body" in note.json()
    client.force_login(world["maintainer"])
    form = client.post("/projects/orbit/handoff-notes/new/", {"body": "a\x00b", "title": "t\x00"})
    assert form.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/api/documents/?page=99999999999999999999999999",
        "/api/documents/?page=abc",
        "/api/glaciers/?page=0",
        "/api/gaps/?page=-1",
    ],
)
def test_a_bad_page_number_is_a_400_naming_page(world, url):
    response = APIClient().get(url)
    assert response.status_code == 400 and "page" in response.json()


@pytest.mark.parametrize(
    "url",
    [
        "/api/documents/99999999999999999999999999/",
        "/api/glaciers/99999999999999999999999999/",
        "/api/gaps/99999999999999999999999999/",
        "/documents/99999999999999999999999999/",
        "/glaciers/99999999999999999999999999/",
        "/gaps/99999999999999999999999999/",
        "/handoff-notes/99999999999999999999999999/",
    ],
)
def test_huge_ids_are_not_found_not_a_server_error(client, world, url):
    assert client.get(url).status_code == 404


def test_handoff_note_bodies_that_are_not_objects_are_400(world):
    api = token_client(world["maintainer"])
    for body in (["project", "orbit"], "a note", 7, None):
        response = api.post("/api/handoff-notes/", json.dumps(body), content_type="application/json")
        assert response.status_code == 400, body
        assert response.json()  # a message, not an empty body


def test_a_bad_number_in_a_query_is_a_field_error(world):
    from onboarding.models import OnboardingPath

    path = OnboardingPath.objects.create(project=world["public"], track="contributor", title="Start")
    api = token_client(world["maintainer"])
    response = api.get(f"/api/onboarding-paths/{path.pk}/progress/?days=abc")
    assert response.status_code == 400 and "days" in response.json()
    huge = api.get(f"/api/onboarding-paths/{path.pk}/progress/?days=" + "9" * 40)
    assert huge.status_code == 400


def test_service_errors_answer_with_their_status_and_field():
    from rest_framework.exceptions import ValidationError
    from rest_framework.views import APIView

    from kb.errors import api_exception_handler

    context = {"view": APIView()}
    bad = api_exception_handler(ServiceError("Too long.", field="title"), context)
    assert bad.status_code == 400 and bad.data == {"title": ["Too long."]}
    assert str(ServiceError("Readable.")) == "Readable."
    assert api_exception_handler(NotFound("No such thing."), context).status_code == 404
    assert api_exception_handler(Forbidden("Not yours."), context).data == {"detail": "Not yours."}
    assert isinstance(ValidationError("x"), Exception)


def _same_answer(a, b, *, unknown: str, secret: str):
    """The two responses are identical once the name the caller typed is blanked out."""
    assert a.status_code == b.status_code

    def blanked(response, name):
        text = re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "CSRF", response.content.decode())
        return re.sub(re.escape(name), "NAME", text)

    assert blanked(a, unknown) == blanked(b, secret)


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_a_private_project_answers_exactly_like_an_unknown_one(client, world, who):
    api = APIClient()
    if who == "outsider":
        outsider = MembershipFactory(project=world["public"], role=ProjectMembership.Role.MAINTAINER).user
        api = token_client(outsider)
        client.force_login(outsider)
    for template in (
        "/api/projects/{}/",
        "/api/search/?q=release&project={}",
        "/api/gaps/suggested/?project={}",
        "/projects/{}/",
        "/projects/{}/glaciers/",
        "/projects/{}/handoff-notes/",
        "/projects/{}/people/",
        "/search/?q=release&project={}",
    ):
        getter = api.get if template.startswith("/api/") else client.get
        _same_answer(
            getter(template.format("nosuch")),
            getter(template.format("vault")),
            unknown="nosuch",
            secret="vault",
        )
    posted = api.post("/api/projects/vault/sync/")
    unknown = api.post("/api/projects/nosuch/sync/")
    if who == "outsider":
        _same_answer(unknown, posted, unknown="nosuch", secret="vault")


def test_onboarding_writes_do_not_reveal_private_plans_or_projects(world):
    outsider = MembershipFactory(project=world["public"], role=ProjectMembership.Role.MAINTAINER).user
    api = token_client(outsider)
    person = Maintainer.objects.create(github_login="someone")
    plan = SuccessionPlan.objects.create(project=world["private"], maintainer=person)
    unknown = api.post(
        "/api/succession-plans/", {"project": "nosuch", "maintainer": person.pk}, format="json"
    )
    hidden = api.post("/api/succession-plans/", {"project": "vault", "maintainer": person.pk}, format="json")
    _same_answer(unknown, hidden, unknown="nosuch", secret="vault")
    assert hidden.status_code == 400
    missing_id = plan.pk + 1000
    unknown = api.post("/api/handoff-checklists/", {"plan": missing_id}, format="json")
    hidden = api.post("/api/handoff-checklists/", {"plan": plan.pk}, format="json")
    _same_answer(unknown, hidden, unknown=str(missing_id), secret=str(plan.pk))
    assert hidden.status_code == 400
