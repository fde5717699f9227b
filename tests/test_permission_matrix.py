"""The permission matrix: every URL pattern of the site, for every kind of caller, for read and
write, against objects of a PRIVATE project.

The routes are read from the URLconf, so a new endpoint without an entry in ROUTES fails
`test_every_route_has_an_entry`. Callers: anonymous, a signed-in newcomer, a member and a
maintainer of the private project, a maintainer of another project, staff.

Outsiders (anonymous, newcomer, other maintainer) must be refused (or, for lists, see nothing
of it) and never see the marker word; the roles listed as readers or writers must get through
(a 400 for an incomplete body still means "allowed"). Nobody ever gets a 5xx.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kb.models import (
    Document,
    GlacierPage,
    MembershipInvitation,
    MembershipRequest,
    Project,
    ProjectMembership,
    RepositoryFile,
    Topic,
)
from kb.services.documents import DocumentInput, documents_upsert
from kb.services.handoff_notes import NoteInput, handoff_note_save
from onboarding.models import (
    Enrolment,
    HandoffChecklist,
    HandoffItem,
    Maintainer,
    OnboardingPath,
    OnboardingStep,
    ProjectRole,
    SuccessionPlan,
)
from onboarding.services.reports import unsubscribe_token
from tests.kb.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.onboarding.gaps.factories import GapFactory

pytestmark = pytest.mark.django_db

MARKER = "Zebrafishmarker"
SEARCH_WORD = "quokkaword"  # searched for; the hits' titles carry the marker
ROLES = ["anonymous", "newcomer", "member", "maintainer", "other", "staff"]
OUTSIDERS = {"anonymous", "newcomer", "other"}
INSIDERS = {"member", "maintainer", "staff"}
KEEPERS = {"maintainer", "staff"}
REFUSED = {401, 403, 404, 405}
# Django's own admin and login views, and DRF's browsable root, are not Glacier's to test here.
SKIPPED_PREFIXES = ("admin/", "accounts/")


@dataclass
class Route:
    url: object  # callable(world) -> str
    readers: set[str] | None = None  # who gets 200 on GET; None: GET is not this route's read
    list_view: bool = False  # a list or page of many: outsiders get 200 but none of the private rows
    write: tuple[str, dict] | None = None  # (method, body)
    writers: set[str] = field(default_factory=set)
    public: bool = False  # not about the private project at all: everyone reads it
    # The private project is named in the query or body: a refusal is the same 400 an unknown
    # name gets (tests/test_errors.py checks the two answers are identical).
    named_in_input: bool = False
    row_readers: set[str] = field(default_factory=lambda: set(INSIDERS))  # who sees a list's private rows


def api_list(path, **kwargs):
    return Route(url=lambda w: f"/api/{path}/?project=vault", readers=set(ROLES), list_view=True, **kwargs)


ROUTES: dict[str, Route] = {
    # API
    "api-schema": Route(url=lambda w: "/api/schema/", readers=set(ROLES), public=True),
    "api-root": Route(url=lambda w: "/api/", readers=set(ROLES), public=True),
    "api-docs": Route(url=lambda w: "/api/docs/", readers=set(ROLES), public=True),
    "api-redoc": Route(url=lambda w: "/api/redoc/", readers=set(ROLES), public=True),
    "api-search": Route(url=lambda w: f"/api/search/?q={SEARCH_WORD}", readers=set(ROLES), list_view=True),
    "api-token": Route(url=lambda w: "/api/auth/token/", write=("post", {}), writers=set(ROLES), public=True),
    "project-list": Route(
        url=lambda w: "/api/projects/",
        readers=set(ROLES),
        list_view=True,
        write=("post", {"slug": "new-one", "name": "New"}),
        writers={"maintainer", "other", "staff"},  # maintainers of any project may create one
    ),
    "project-detail": Route(url=lambda w: "/api/projects/vault/", readers=INSIDERS),
    "project-sync": Route(url=lambda w: "/api/projects/vault/sync/", write=("post", {}), writers=KEEPERS),
    "document-list": api_list("documents"),
    "document-detail": Route(url=lambda w: f"/api/documents/{w['document'].pk}/", readers=INSIDERS),
    "glacier-list": api_list("glaciers"),
    "glacier-detail": Route(
        url=lambda w: f"/api/glaciers/{w['page'].pk}/",
        readers=INSIDERS,
        write=("patch", {"owner_login": "x"}),
        writers=KEEPERS,
    ),
    "glacier-revisions": Route(url=lambda w: f"/api/glaciers/{w['page'].pk}/revisions/", readers=INSIDERS),
    "glacier-merge": Route(
        url=lambda w: f"/api/glaciers/{w['page'].pk}/merge/", write=("post", {}), writers=KEEPERS
    ),
    "glacier-split": Route(
        url=lambda w: f"/api/glaciers/{w['page'].pk}/split/", write=("post", {}), writers=KEEPERS
    ),
    "handoff-note-list": Route(
        url=lambda w: "/api/handoff-notes/?project=vault",
        readers=set(ROLES),
        list_view=True,
        write=("post", {"project": "vault", "body": "# New note\n\nText."}),
        writers=KEEPERS,
        named_in_input=True,
    ),
    "handoff-note-detail": Route(
        url=lambda w: f"/api/handoff-notes/{w['note'].pk}/",
        readers=INSIDERS,
        write=("patch", {"title": "Changed"}),
        writers=KEEPERS,
    ),
    "maintainer-list": api_list("maintainers"),
    "maintainer-detail": Route(url=lambda w: f"/api/maintainers/{w['person'].pk}/", readers=INSIDERS),
    "succession-plan-list": Route(
        url=lambda w: "/api/succession-plans/?project=vault",
        readers=set(ROLES),
        list_view=True,
        write=("post", {"project": "vault", "maintainer": None}),
        writers=KEEPERS,
        row_readers=KEEPERS,
        named_in_input=True,
    ),
    "succession-plan-detail": Route(
        url=lambda w: f"/api/succession-plans/{w['plan'].pk}/",
        readers=KEEPERS,
        write=("patch", {"notes": "n"}),
        writers=KEEPERS,
    ),
    "succession-plan-successors": Route(
        url=lambda w: f"/api/succession-plans/{w['plan'].pk}/successors/", write=("post", {}), writers=KEEPERS
    ),
    "handoff-checklist-list": Route(
        url=lambda w: "/api/handoff-checklists/?project=vault",
        readers={"newcomer", "member", "maintainer", "other", "staff"},
        list_view=True,
        write=("post", {"plan": None}),
        writers=KEEPERS,
        row_readers=KEEPERS,
        named_in_input=True,
    ),
    "handoff-checklist-detail": Route(
        url=lambda w: f"/api/handoff-checklists/{w['checklist'].pk}/", readers=KEEPERS
    ),
    "handoff-checklist-check": Route(
        url=lambda w: f"/api/handoff-checklists/{w['checklist'].pk}/check/",
        write=("post", {}),
        writers=KEEPERS,
    ),
    "handoff-checklist-complete": Route(
        url=lambda w: f"/api/handoff-checklists/{w['checklist'].pk}/complete/",
        write=("post", {}),
        writers=KEEPERS,
    ),
    "handoff-checklist-items": Route(
        url=lambda w: f"/api/handoff-checklists/{w['checklist'].pk}/items/",
        write=("post", {}),
        writers=KEEPERS,
    ),
    "onboarding-path-list": api_list("onboarding-paths"),
    "onboarding-path-detail": Route(
        url=lambda w: f"/api/onboarding-paths/{w['path'].pk}/",
        readers=INSIDERS,
        write=("patch", {"title": "Renamed path"}),
        writers=KEEPERS,
    ),
    "onboarding-path-enrol": Route(
        url=lambda w: f"/api/onboarding-paths/{w['path'].pk}/enrol/", write=("post", {}), writers=INSIDERS
    ),
    "onboarding-path-progress": Route(
        url=lambda w: f"/api/onboarding-paths/{w['path'].pk}/progress/", readers=KEEPERS
    ),
    "enrolment-list": Route(
        url=lambda w: "/api/enrolments/?project=vault",
        readers={"newcomer", "member", "maintainer", "other", "staff"},
        list_view=True,
        write=("post", {"path": None}),
        writers=INSIDERS,
        named_in_input=True,
    ),
    "enrolment-detail": Route(
        url=lambda w: f"/api/enrolments/{w['enrolment'].pk}/", readers={"member", "maintainer", "staff"}
    ),
    "enrolment-tick": Route(
        url=lambda w: f"/api/enrolments/{w['enrolment'].pk}/tick/", write=("post", {}), writers={"member"}
    ),
    "gap-list": api_list("gaps"),
    "gap-suggested": Route(
        url=lambda w: "/api/gaps/suggested/?project=vault", readers=INSIDERS, named_in_input=True
    ),
    "gap-detail": Route(url=lambda w: f"/api/gaps/{w['gap'].pk}/", readers=INSIDERS),
    "gap-claim": Route(url=lambda w: f"/api/gaps/{w['gap'].pk}/claim/", write=("post", {}), writers=INSIDERS),
    "gap-release": Route(
        url=lambda w: f"/api/gaps/{w['gap'].pk}/release/", write=("post", {}), writers=INSIDERS
    ),
    "gap-dismiss": Route(
        url=lambda w: f"/api/gaps/{w['gap'].pk}/dismiss/", write=("post", {}), writers=KEEPERS
    ),
    # Webhooks: authenticated by signature only (tests/kb/github/test_webhooks.py).
    "hooks:github": Route(url=lambda w: "/hooks/github/", write=("post", {}), writers=set(), public=True),
    # Pages
    "kb:home": Route(url=lambda w: "/", readers=set(ROLES), list_view=True),
    "kb:search": Route(url=lambda w: f"/search/?q={SEARCH_WORD}", readers=set(ROLES), list_view=True),
    "kb:healthz": Route(url=lambda w: "/healthz", readers=set(ROLES), public=True),
    "kb:project": Route(url=lambda w: "/projects/vault/", readers=INSIDERS),
    "kb:document": Route(url=lambda w: f"/documents/{w['document'].pk}/", readers=INSIDERS),
    "kb:repository-file": Route(url=lambda w: f"/files/{w['file'].pk}/", readers=INSIDERS),
    "kb:glacier-list": Route(url=lambda w: "/projects/vault/glaciers/", readers=INSIDERS),
    "kb:glacier-detail": Route(
        url=lambda w: f"/glaciers/{w['page'].pk}/",
        readers=INSIDERS,
        write=("post", {"title": "T"}),
        writers=KEEPERS,
    ),
    "kb:glacier-history": Route(url=lambda w: f"/glaciers/{w['page'].pk}/history/", readers=INSIDERS),
    "kb:glacier-merge": Route(
        url=lambda w: f"/glaciers/{w['page'].pk}/merge/", write=("post", {}), writers=KEEPERS
    ),
    "kb:glacier-split": Route(
        url=lambda w: f"/glaciers/{w['page'].pk}/split/", write=("post", {}), writers=KEEPERS
    ),
    "kb:project-members": Route(
        url=lambda w: "/projects/vault/members/",
        readers=KEEPERS,
        write=("post", {"email": "someone@example.org"}),
        writers=KEEPERS,
    ),
    "kb:membership-request": Route(
        url=lambda w: "/projects/vault/membership-requests/", write=("post", {}), writers=INSIDERS
    ),
    "kb:membership-request-decide": Route(
        url=lambda w: f"/membership-requests/{w['membership_request'].pk}/approve/",
        write=("post", {}),
        writers=KEEPERS,
    ),
    # Whoever holds the e-mailed link may read it; accepting needs the invited, verified address.
    "kb:invitation": Route(
        url=lambda w: f"/invitations/{w['invitation'].token}/",
        readers=set(ROLES),
        write=("post", {}),
        public=True,
    ),
    "handoff_notes:list": Route(url=lambda w: "/projects/vault/handoff-notes/", readers=INSIDERS),
    "handoff_notes:create": Route(
        url=lambda w: "/projects/vault/handoff-notes/new/",
        readers=KEEPERS,
        write=("post", {"body": "# Page note\n\nText."}),
        writers=KEEPERS,
    ),
    "handoff_notes:detail": Route(url=lambda w: f"/handoff-notes/{w['note'].pk}/", readers=INSIDERS),
    "onboarding:people": Route(url=lambda w: "/projects/vault/people/", readers=INSIDERS),
    "onboarding:maintainer": Route(
        url=lambda w: f"/projects/vault/people/{w['person'].pk}/", readers=INSIDERS
    ),
    "onboarding:item_check": Route(
        url=lambda w: f"/projects/vault/handoff-items/{w['item'].pk}/check/",
        write=("post", {}),
        writers=KEEPERS,
    ),
    "onboarding:checklist_create": Route(
        url=lambda w: f"/projects/vault/plans/{w['plan'].pk}/checklist/", write=("post", {}), writers=KEEPERS
    ),
    "onboarding:checklist_complete": Route(
        url=lambda w: f"/projects/vault/handoffs/{w['checklist'].pk}/complete/",
        write=("post", {}),
        writers=KEEPERS,
    ),
    "onboarding:onboarding": Route(url=lambda w: "/projects/vault/onboarding/", readers=INSIDERS),
    "onboarding:enrol": Route(
        url=lambda w: f"/projects/vault/onboarding/{w['path'].pk}/enrol/",
        write=("post", {}),
        writers=INSIDERS,
    ),
    "onboarding:tick": Route(
        url=lambda w: f"/projects/vault/onboarding/{w['path'].pk}/steps/{w['step'].pk}/tick/",
        write=("post", {}),
        writers=INSIDERS,  # the page answers "not enrolled" to a reader who is not
    ),
    "onboarding:gap-board": Route(url=lambda w: "/gaps/?project=vault", readers=set(ROLES), list_view=True),
    "onboarding:gap-rules": Route(url=lambda w: "/gaps/rules/", readers=set(ROLES), public=True),
    "onboarding:gap-rule": Route(
        url=lambda w: "/gaps/rules/missing-readme/", readers=set(ROLES), list_view=True
    ),
    "onboarding:gap-detail": Route(url=lambda w: f"/gaps/{w['gap'].pk}/", readers=INSIDERS),
    "onboarding:gap-action": Route(
        url=lambda w: f"/gaps/{w['gap'].pk}/claim/", write=("post", {}), writers=INSIDERS
    ),
    "onboarding:report-subscription": Route(
        url=lambda w: "/reports/subscriptions/vault/", write=("post", {}), writers=INSIDERS
    ),
    "onboarding:report-preview-list": Route(
        url=lambda w: "/reports/preview/", readers={"maintainer", "other", "staff"}, list_view=True
    ),
    "onboarding:report-preview": Route(
        url=lambda w: f"/reports/preview/{w['users']['member'].pk}/", readers=KEEPERS
    ),
    "onboarding:report-unsubscribe": Route(
        url=lambda w: f"/reports/unsubscribe/{w['token']}/", readers=set(ROLES), public=True
    ),
}


def _route_names() -> set[str]:
    names = set()

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = ":".join(filter(None, [namespace, pattern.namespace]))
                walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if route.startswith(SKIPPED_PREFIXES) or "(?P<format>" in route:
                    continue  # Django's own views; DRF's ".json" twins of the routes below
                names.add(":".join(filter(None, [namespace, pattern.name or route])))

    walk(get_resolver().url_patterns)
    return names


def test_every_route_has_an_entry():
    names = _route_names()
    assert names - set(ROUTES) == set(), "add these routes to the permission matrix"
    assert set(ROUTES) - names == set(), "these entries name no route"


@pytest.fixture
def world(memory_search, django_capture_on_commit_callbacks):
    vault = ProjectFactory(slug="vault", name="Vault", visibility=Project.Visibility.PRIVATE)
    orbit = ProjectFactory(slug="orbit", name="Orbit")
    users = {role: UserFactory(username=role, password=None) for role in ROLES if role != "anonymous"}
    users["staff"].is_staff = True
    users["staff"].save(update_fields=["is_staff"])
    MembershipFactory(project=vault, user=users["member"], role=ProjectMembership.Role.MEMBER)
    MembershipFactory(project=vault, user=users["maintainer"], role=ProjectMembership.Role.MAINTAINER)
    MembershipFactory(project=orbit, user=users["other"], role=ProjectMembership.Role.MAINTAINER)
    with django_capture_on_commit_callbacks(execute=True):
        documents_upsert(
            project=vault,
            source="local",
            items=[
                DocumentInput(
                    kind="doc", key="plan.md", path="plan.md", title=f"{MARKER} doc",
                    body=f"All about {MARKER} and {SEARCH_WORD}.",
                )
            ],
        )  # fmt: skip
        document = Document.objects.get(project=vault, key="plan.md")
        note, _ = handoff_note_save(
            project=vault,
            author=users["maintainer"],
            note=NoteInput(text=f"# {MARKER} note\n\nHandover.", is_private=False),
            require_successor=False,
        )
    topic = Topic.objects.create(
        project=vault, slug="zebra", title=f"{MARKER} topic", origin=Topic.Origin.MANUAL
    )
    page = GlacierPage.objects.create(topic=topic, project=vault, title=f"{MARKER} page", content={})
    person = Maintainer.objects.create(
        github_login="keeper-login", display_name=MARKER, user=users["maintainer"]
    )
    ProjectRole.objects.create(project=vault, maintainer=person, role=ProjectRole.Ladder.MAINTAINER)
    plan = SuccessionPlan.objects.create(project=vault, maintainer=person, notes=f"{MARKER} plan")
    checklist = HandoffChecklist.objects.create(plan=plan)
    item = HandoffItem.objects.create(
        checklist=checklist, kind=HandoffItem.Kind.values[0], title=f"{MARKER} item"
    )
    path = OnboardingPath.objects.create(project=vault, title=f"{MARKER} path")
    step = OnboardingStep.objects.create(path=path, title=f"{MARKER} step", position=1)
    enrolment = Enrolment.objects.create(path=path, user=users["member"])
    gap = GapFactory(
        project=vault, rule_id="missing-readme", title=f"{MARKER} gap", evidence={"summary": MARKER}
    )
    stored_file = RepositoryFile.objects.create(
        project=vault, path="notes.txt", size=20, content=f"{MARKER} file".encode(), content_type="text/plain"
    )
    return {
        "users": users,
        "document": document,
        "file": stored_file,
        "note": note,
        "page": page,
        "person": person,
        "plan": plan,
        "checklist": checklist,
        "item": item,
        "path": path,
        "step": step,
        "enrolment": enrolment,
        "gap": gap,
        "token": unsubscribe_token(user=users["member"], project=vault),
        "membership_request": MembershipRequest.objects.create(project=vault, user=users["newcomer"]),
        "invitation": MembershipInvitation.objects.create(
            project=vault,
            email="invited@example.org",
            token="invitation-token",
            invited_by=users["maintainer"],
        ),
    }


def _client(world, role):
    if role == "anonymous":
        return APIClient()
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=world['users'][role])[0].key}"
    )
    client.force_login(world["users"][role])  # pages use the session; the API takes either
    return client


def _body(world, name, body):
    filled = dict(body)
    for key, value in body.items():
        if value is None:  # ids that only exist once the world is built
            filled[key] = {
                "maintainer": world["person"].pk,
                "plan": world["plan"].pk,
                "path": world["path"].pk,
            }[key]
    return filled


def _refused(response, route: Route) -> bool:
    if route.named_in_input and response.status_code == 400:
        return True
    if response.status_code in (301, 302):
        return "/accounts/login/" in response.get("Location", "")
    return response.status_code in REFUSED


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_caller(world, role):
    problems = []
    for name, route in sorted(ROUTES.items()):
        client = _client(world, role)
        url = route.url(world)
        if route.readers is not None:
            response = client.get(url)
            text = response.content.decode(errors="replace")
            if response.status_code >= 500:
                problems.append(f"GET {url}: {response.status_code}")
            elif role in route.readers:
                if response.status_code != 200:
                    problems.append(f"GET {url}: {response.status_code}, expected 200")
            elif not _refused(response, route):
                problems.append(f"GET {url}: {response.status_code}, expected a refusal")
            if role in OUTSIDERS and not route.public and MARKER in text:
                problems.append(f"GET {url}: shows the private marker")
            if (
                route.list_view
                and role in route.row_readers
                and route.readers == set(ROLES)
                and name != "kb:home"
            ):
                if MARKER not in text and name not in {"onboarding:gap-rule", "project-list"}:
                    problems.append(f"GET {url}: an insider does not see the private rows")
        if route.write is not None:
            method, body = route.write
            response = (
                getattr(client, method)(url, _body(world, name, body), format="json")
                if url.startswith("/api/")
                else getattr(client, method)(url, _body(world, name, body))
            )
            if response.status_code >= 500:
                problems.append(f"{method.upper()} {url}: {response.status_code}")
            elif role in route.writers:
                if response.status_code in (401, 403, 404):
                    problems.append(
                        f"{method.upper()} {url}: {response.status_code}, expected to be let through"
                    )
            elif not (_refused(response, route) or (route.public and response.status_code == 400)):
                problems.append(f"{method.upper()} {url}: {response.status_code}, expected a refusal")
            if role in OUTSIDERS and not route.public and MARKER in response.content.decode(errors="replace"):
                problems.append(f"{method.upper()} {url}: shows the private marker")
    assert not problems, "\n".join(problems)
