"""The onboarding API through its public endpoints, with the access rules for each."""

import pytest
from rest_framework.test import APIClient

from onboarding.models import (
    Enrolment,
    HandoffChecklist,
    Maintainer,
    OnboardingPath,
    ProjectRole,
    SuccessionPlan,
)
from onboarding.services.paths import onboarding_paths_draft
from onboarding.services.people import people_import
from onboarding.services.risk import project_risk_compute
from onboarding.services.succession import handoff_checklist_create, succession_plans_refresh
from tests.onboarding.helpers import make_project, make_user, put_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    project = make_project("demo")
    secret = make_project("secret", visibility="private")
    lead = make_user("lead")  # a project maintainer through the OWNERS import (login = username)
    bob = make_user("bob")  # reviewer, designated successor of alice
    alice = make_user("alice")
    newbie = make_user("newbie")
    outsider = make_user("outsider")
    put_files(project, {"OWNERS": "approvers:\n  - lead\n  - alice\nreviewers:\n  - bob\n",
                        "docs/OWNERS": "approvers:\n  - alice\n"})  # fmt: skip
    put_files(secret, {"OWNERS": "approvers:\n  - hidden-person\n"})
    for p in (project, secret):
        people_import(project=p)
        project_risk_compute(project=p, commits=[])
        succession_plans_refresh(project=p)
        onboarding_paths_draft(project=p)
    plan = SuccessionPlan.objects.get(project=project, maintainer__github_login="alice")
    checklist = handoff_checklist_create(plan=plan, successor=Maintainer.objects.get(github_login="bob"))
    return {"project": project, "secret": secret, "lead": lead, "bob": bob, "alice": alice, "newbie": newbie,
            "outsider": outsider, "plan": plan, "checklist": checklist}  # fmt: skip


def client_for(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_maintainers_list_hides_private_projects(world):
    data = client_for().get("/api/maintainers/").json()
    logins = {m["github_login"] for m in data["results"]}
    assert logins == {"lead", "alice", "bob"}
    alice = next(m for m in data["results"] if m["github_login"] == "alice")
    assert {(a["path"], a["role"]) for a in alice["areas"]} == {("", "approver"), ("docs", "approver")}
    assert client_for().get("/api/maintainers/?project=secret").json()["count"] == 0
    assert "email" not in alice


def test_succession_plans_visibility(world):
    def plan_ids(user):
        return {p["id"] for p in client_for(user).get("/api/succession-plans/").json()["results"]}

    assert plan_ids(None) == set()
    assert plan_ids(world["outsider"]) == set()
    assert world["plan"].pk in plan_ids(world["lead"])
    assert plan_ids(world["bob"]) == {world["plan"].pk}  # successor sees the plan they are named in
    assert world["plan"].pk in plan_ids(world["alice"])  # alice is also a maintainer of the project
    assert client_for(world["outsider"]).get(f"/api/succession-plans/{world['plan'].pk}/").status_code == 404


def test_only_maintainers_create_and_edit_plans(world):
    project, lead, bob = world["project"], world["lead"], world["bob"]
    bob_m = Maintainer.objects.get(github_login="bob")
    body = {"project": project.slug, "maintainer": bob_m.pk, "notes": "just in case"}
    assert client_for(bob).post("/api/succession-plans/", body, format="json").status_code == 403
    response = client_for(lead).post("/api/succession-plans/", body, format="json")
    assert response.status_code == 201 and response.json()["notes"] == "just in case"
    bad = client_for(lead).post(
        "/api/succession-plans/", {"project": "nope", "maintainer": "x"}, format="json"
    )
    assert bad.status_code == 400 and set(bad.json()) == {"project", "maintainer"}
    url = f"/api/succession-plans/{world['plan'].pk}/"
    assert client_for(bob).patch(url, {"notes": "mine"}, format="json").status_code == 403
    assert client_for(lead).patch(url, {"notes": "agreed"}, format="json").json()["notes"] == "agreed"
    successors = f"{url}successors/"
    assert (
        client_for(bob)
        .post(successors, {"maintainer": bob_m.pk, "readiness": "ready"}, format="json")
        .status_code
        == 403
    )
    bad = client_for(lead).post(successors, {"maintainer": bob_m.pk, "readiness": "soon"}, format="json")
    assert bad.status_code == 400 and "readiness" in bad.json()
    ok = client_for(lead).post(successors, {"maintainer": bob_m.pk, "readiness": "ready"}, format="json")
    assert ok.json()["successors"] == [{"maintainer_id": bob_m.pk, "maintainer": "bob", "readiness": "ready"}]
    own = client_for(lead).post(successors, {"maintainer": world["plan"].maintainer_id}, format="json")
    assert own.status_code == 400 and "maintainer" in own.json()


def test_checklists_successor_ticks_outsider_cannot(world):
    checklist, bob, lead, newbie = world["checklist"], world["bob"], world["lead"], world["newbie"]
    url = f"/api/handoff-checklists/{checklist.pk}/"
    assert client_for().get("/api/handoff-checklists/").status_code in (401, 403)
    assert client_for(newbie).get(url).status_code == 404
    data = client_for(bob).get(url).json()
    assert data["completeness"] == 0 and data["successor"] == "bob"
    item = data["items"][0]["id"]
    ticked = client_for(bob).post(f"{url}check/", {"item": item}, format="json").json()
    first = next(i for i in ticked["items"] if i["id"] == item)
    assert first["done_by"] == "bob" and first["done_at"] and ticked["completeness"] > 0
    bad = client_for(bob).post(f"{url}check/", {"item": 999999}, format="json")
    assert bad.status_code == 400 and "item" in bad.json()
    assert client_for(bob).post(f"{url}items/", {"title": "x"}, format="json").status_code == 403
    assert client_for(bob).post(f"{url}complete/", {}, format="json").status_code == 403
    added = client_for(lead).post(
        f"{url}items/", {"title": "Hand over the blog", "kind": "transfer_access"}, format="json"
    )
    assert added.status_code == 201 and added.json()["items"][-1]["title"] == "Hand over the blog"
    assert client_for(lead).post(f"{url}items/", {"kind": "nope"}, format="json").json().keys() == {
        "title",
        "kind",
    }
    incomplete = client_for(lead).post(f"{url}complete/", {}, format="json")
    assert incomplete.status_code == 400 and "items" in incomplete.json()
    done = client_for(lead).post(f"{url}complete/", {"force": True}, format="json")
    assert done.status_code == 200 and done.json()["completed_at"]
    assert (
        ProjectRole.objects.get(project=world["project"], maintainer__github_login="alice").role == "emeritus"
    )


def test_only_maintainers_create_checklists(world):
    body = {"plan": world["plan"].pk}
    assert client_for(world["bob"]).post("/api/handoff-checklists/", body, format="json").status_code == 403
    response = client_for(world["lead"]).post("/api/handoff-checklists/", body, format="json")
    assert response.status_code == 201 and response.json()["successor"] == "bob"
    assert HandoffChecklist.objects.count() == 2
    bad = client_for(world["lead"]).post("/api/handoff-checklists/", {"plan": 0}, format="json")
    assert bad.status_code == 400 and "plan" in bad.json()


def test_paths_edit_enrol_tick_and_progress(world):
    project, lead, newbie, bob = world["project"], world["lead"], world["newbie"], world["bob"]
    path = OnboardingPath.objects.get(project=project, track="newcomer")
    assert client_for().get(f"/api/onboarding-paths/?project={project.slug}").json()["count"] == 2
    assert client_for().get("/api/onboarding-paths/?project=secret").json()["count"] == 0
    url = f"/api/onboarding-paths/{path.pk}/"
    steps = {"steps": [{"title": "Read the README", "link": "/documents/1/", "expected_outcome": "You know the project"},
                       {"title": "Say hello"}]}  # fmt: skip
    assert client_for(newbie).patch(url, steps, format="json").status_code == 403
    edited = client_for(lead).patch(url, steps, format="json").json()
    assert [s["title"] for s in edited["steps"]] == ["Read the README", "Say hello"] and edited["edited_at"]
    bad = client_for(lead).patch(
        url, {"steps": [{"title": ""}, {"title": "x", "ladder_role": "king"}]}, format="json"
    )
    assert bad.status_code == 400 and "steps" in bad.json()
    enrolment = client_for(newbie).post(f"{url}enrol/", {}, format="json").json()
    assert client_for().post(f"{url}enrol/", {}, format="json").status_code in (401, 403)
    tick_url = f"/api/enrolments/{enrolment['id']}/tick/"
    first_step = edited["steps"][0]["id"]
    assert client_for(bob).post(tick_url, {"step": first_step}, format="json").status_code == 404
    ticked = client_for(newbie).post(tick_url, {"step": first_step}, format="json").json()
    assert ticked["progress"] == {"done": 1, "total": 2, "percent": 50, "next_step": edited["steps"][1]["id"]}
    other_path_step = OnboardingPath.objects.get(project=project, track="maintainer").steps.first().pk
    bad = client_for(newbie).post(tick_url, {"step": other_path_step}, format="json")
    assert bad.status_code == 400 and "step" in bad.json()
    assert client_for(newbie).get(f"{url}progress/").status_code == 403
    progress = client_for(lead).get(f"{url}progress/").json()
    assert progress["enrolments"][0]["user"] == "newbie" and progress["enrolments"][0]["percent"] == 50
    assert progress["stalls"] == []


def test_enrolments_are_private_to_the_enrolee_and_maintainers(world):
    project, lead, newbie, outsider = world["project"], world["lead"], world["newbie"], world["outsider"]
    path = OnboardingPath.objects.get(project=project, track="newcomer")
    created = client_for(newbie).post("/api/enrolments/", {"path": path.pk}, format="json")
    assert created.status_code == 201
    client_for(outsider).post("/api/enrolments/", {"path": path.pk}, format="json")
    assert [e["user"] for e in client_for(newbie).get("/api/enrolments/").json()["results"]] == ["newbie"]
    assert {e["user"] for e in client_for(lead).get("/api/enrolments/").json()["results"]} == {
        "newbie",
        "outsider",
    }
    assert client_for(outsider).get(f"/api/enrolments/{created.json()['id']}/").status_code == 404
    secret_path = OnboardingPath.objects.get(project=world["secret"], track="newcomer")
    hidden = client_for(newbie).post("/api/enrolments/", {"path": secret_path.pk}, format="json")
    assert hidden.status_code == 400 and "path" in hidden.json()
    assert not Enrolment.objects.filter(path=secret_path).exists()


@pytest.mark.parametrize("link", ["javascript:alert(1)", " data:text/html,x", "vbscript:x"])
def test_unsafe_links_are_refused_with_a_field_error(world, link):
    lead, checklist = world["lead"], world["checklist"]
    path = OnboardingPath.objects.get(project=world["project"], track="newcomer")
    bad_step = client_for(lead).patch(
        f"/api/onboarding-paths/{path.pk}/", {"steps": [{"title": "Read", "link": link}]}, format="json"
    )
    assert bad_step.status_code == 400 and "link" in str(bad_step.json()["steps"])
    bad_item = client_for(lead).post(
        f"/api/handoff-checklists/{checklist.pk}/items/", {"title": "Keys", "link": link}, format="json"
    )
    assert bad_item.status_code == 400 and "link" in bad_item.json()
    good = client_for(lead).post(
        f"/api/handoff-checklists/{checklist.pk}/items/", {"title": "Keys", "link": "https://x.example/k"},
        format="json",
    )  # fmt: skip
    assert good.status_code == 201


def test_services_refuse_unsafe_links_whatever_the_edge(world):
    from django.core.exceptions import ValidationError

    from onboarding.services.paths import onboarding_path_update
    from onboarding.services.succession import handoff_item_add

    path = OnboardingPath.objects.get(project=world["project"], track="newcomer")
    with pytest.raises(ValidationError) as step_error:
        onboarding_path_update(path=path, steps=[{"title": "Read", "link": "javascript:alert(1)"}])
    assert "steps[0].link" in step_error.value.message_dict
    with pytest.raises(ValidationError) as item_error:
        handoff_item_add(checklist=world["checklist"], title="Keys", link="javascript:alert(1)")
    assert "link" in item_error.value.message_dict
