"""Portal pages and their access rules, through Django's test client."""

import pytest
from django.test import Client

from onboarding.models import Enrolment, HandoffItem, Maintainer, OnboardingPath, SuccessionPlan
from onboarding.services.paths import onboarding_paths_draft
from onboarding.services.people import people_import
from onboarding.services.risk import project_risk_compute
from onboarding.services.succession import handoff_checklist_create, succession_plans_refresh
from tests.onboarding.helpers import git_repo, make_project, make_user, put_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tmp_path):
    repo = git_repo(
        tmp_path / "repo",
        [("Alice", "alice@acme.io", ["docs/a.md"])] * 3 + [("Lead", "lead@b.org", ["api/x"])] * 2,
    )
    project = make_project("demo", repository=str(repo))
    secret = make_project("secret", visibility="private")
    users = {name: make_user(name) for name in ("lead", "alice", "bob", "newbie", "outsider")}
    put_files(project, {"OWNERS": "approvers:\n  - lead\n", "docs/OWNERS": "approvers:\n  - alice\nreviewers:\n  - bob\n",
                        "api/OWNERS": "approvers:\n  - lead\n"})  # fmt: skip
    put_files(secret, {"OWNERS": "approvers:\n  - hidden-person\n"})
    for p in (project, secret):
        people_import(project=p)
        project_risk_compute(project=p)
        succession_plans_refresh(project=p)
        onboarding_paths_draft(project=p)
    plan = SuccessionPlan.objects.get(project=project, maintainer__github_login="alice")
    checklist = handoff_checklist_create(plan=plan, successor=Maintainer.objects.get(github_login="bob"))
    return {"project": project, "plan": plan, "checklist": checklist, **users}


def as_user(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_people_page_shows_ladder_and_bus_factor_chart(world):
    html = as_user().get("/projects/demo/people/").content.decode()
    assert 'id="bus-factor"' in html and "<svg" in html and 'class="bar silo"' in html
    assert "Maintainer <span" in html and "Emeritus <span" in html
    assert "docs" in html and "alice" in html
    assert "<script" not in html  # no JavaScript for the chart
    assert as_user().get("/projects/secret/people/").status_code == 404


def test_maintainer_page_shows_plan_and_checklist_only_to_those_allowed(world):
    alice = Maintainer.objects.get(github_login="alice")
    url = f"/projects/demo/people/{alice.pk}/"
    public = as_user().get(url).content.decode()
    assert "docs" in public and "Succession plan" not in public and "Handoff to" not in public
    assert "Handoff to" not in as_user(world["outsider"]).get(url).content.decode()
    lead_view = as_user(world["lead"]).get(url).content.decode()
    assert (
        "Succession plan" in lead_view
        and "Handoff to bob" in lead_view
        and "Complete the handoff" in lead_view
    )
    bob_view = as_user(world["bob"]).get(url).content.decode()
    assert "Handoff to bob" in bob_view and "Check off" in bob_view and "Complete the handoff" not in bob_view


def test_successor_checks_off_items_outsider_cannot(world):
    item = world["checklist"].items.order_by("position").first()
    url = f"/projects/demo/handoff-items/{item.pk}/check/"
    assert as_user().post(url, {"done": "1"}).status_code == 302  # to the login page
    assert as_user(world["outsider"]).post(url, {"done": "1"}).status_code == 403
    assert as_user(world["bob"]).get(url).status_code == 405
    response = as_user(world["bob"]).post(url, {"done": "1"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.done_by == world["bob"] and item.done_at
    page = as_user(world["bob"]).get(response["Location"]).content.decode()
    assert f"{round(100 / world['checklist'].items.count())}%" in page


def test_only_maintainers_start_and_complete_handoffs(world):
    plan, checklist = world["plan"], world["checklist"]
    assert as_user(world["bob"]).post(f"/projects/demo/plans/{plan.pk}/checklist/").status_code == 403
    assert as_user(world["lead"]).post(f"/projects/demo/plans/{plan.pk}/checklist/").status_code == 302
    assert plan.checklists.count() == 2
    assert as_user(world["bob"]).post(f"/projects/demo/handoffs/{checklist.pk}/complete/").status_code == 403
    HandoffItem.objects.filter(checklist=checklist).update(done_at="2026-01-01T00:00:00Z")
    assert as_user(world["lead"]).post(f"/projects/demo/handoffs/{checklist.pk}/complete/").status_code == 302
    checklist.refresh_from_db()
    assert checklist.completed_at and checklist.completed_by == world["lead"]


def test_onboarding_page_progress_is_private_to_each_newcomer(world):
    path = OnboardingPath.objects.get(project=world["project"], track="newcomer")
    anonymous = as_user().get("/projects/demo/onboarding/").content.decode()
    assert "Sign in" in anonymous and path.title in anonymous
    newbie = as_user(world["newbie"])
    assert newbie.post(f"/projects/demo/onboarding/{path.pk}/enrol/").status_code == 302
    step = path.steps.order_by("position").first()
    newbie.post(f"/projects/demo/onboarding/{path.pk}/steps/{step.pk}/tick/", {"done": "1"})
    page = newbie.get("/projects/demo/onboarding/").content.decode()
    assert 'role="progressbar"' in page and "1 of" in page and "Everyone" not in page
    outsider = as_user(world["outsider"])
    assert (
        outsider.post(f"/projects/demo/onboarding/{path.pk}/steps/{step.pk}/tick/", {"done": "1"}).status_code
        == 404
    )
    assert "newbie" not in outsider.get("/projects/demo/onboarding/").content.decode()
    lead_page = as_user(world["lead"]).get("/projects/demo/onboarding/").content.decode()
    assert "Everyone&#x27;s progress" in lead_page or "Everyone's progress" in lead_page
    assert "newbie" in lead_page
    assert Enrolment.objects.filter(user=world["newbie"]).count() == 1
    track = as_user().get("/projects/demo/onboarding/?track=maintainer").content.decode()
    assert "Own an area" in track
    assert as_user(world["newbie"]).get("/projects/secret/onboarding/").status_code == 404
