import pytest
from django.core.exceptions import ValidationError

from kb.models import GlacierPage, ProjectMembership, Topic
from kb.services.documents import DocumentInput
from onboarding.models import (
    AccessTransferItem,
    AreaOwner,
    HandoffItem,
    Maintainer,
    ProjectRole,
    RoleChange,
    SuccessionPlan,
)
from onboarding.services.people import people_import
from onboarding.services.risk import project_risk_compute
from onboarding.services.succession import (
    checklist_completeness,
    handoff_checklist_create,
    handoff_complete,
    handoff_item_add,
    handoff_item_check,
    succession_plans_refresh,
    successor_designate,
)
from tests.onboarding.helpers import git_repo, make_project, make_user, put_files, put_github

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(tmp_path):
    # alice alone commits to docs/ and ops/ (silos); api/ is shared three ways (bus factor 2)
    # and has a glacier page, which also covers the root area.
    commits = (
        [("Alice", "alice@acme.io", ["docs/a.md", "ops/run.sh"])] * 3
        + [("Bob", "bob@b.org", ["api/x"])] * 3
        + [("Carol", "carol@c.org", ["api/x"])] * 3
        + [("Alice", "alice@acme.io", ["api/x"])] * 3
    )
    repo = git_repo(tmp_path / "repo", commits)
    project = make_project(repository=str(repo))
    put_files(project, {
        "OWNERS": "approvers:\n  - alice\nreviewers:\n  - bob\n",
        "docs/OWNERS": "approvers:\n  - alice\n",
        "ops/OWNERS": "approvers:\n  - alice\n",
        "api/OWNERS": "approvers:\n  - alice\n  - bob\n",
    })  # fmt: skip
    put_github(project, [
        DocumentInput(kind="issue", key="issue/7", title="Flaky deploy", body="", url="https://github.com/o/r/issues/7",
                      metadata={"state": "open", "assignees": ["Alice"]}),
        DocumentInput(kind="issue", key="issue/8", title="Old one", body="", metadata={"state": "closed", "assignees": ["alice"]}),
    ])  # fmt: skip
    topic = Topic.objects.create(
        project=project, slug="api", title="The API", origin="owners", signature="api"
    )
    GlacierPage.objects.create(topic=topic, project=project, title="The API")
    people_import(project=project)
    project_risk_compute(project=project)
    plans = succession_plans_refresh(project=project)
    alice = Maintainer.objects.get(github_login="alice")
    bob = Maintainer.objects.get(github_login="bob")
    return project, alice, bob, {p.maintainer_id: p for p in plans}


def test_plans_exist_for_area_holders_with_risk(setup):
    project, alice, bob, plans = setup
    assert set(plans) == {alice.pk, bob.pk}
    assert plans[alice.pk].risk_score > plans[bob.pk].risk_score > 0
    successor_designate(plan=plans[alice.pk], maintainer=bob, readiness="ready")
    plans[alice.pk].refresh_from_db()
    before = plans[alice.pk].risk_score
    assert before == pytest.approx(succession_plans_refresh(project=project)[0].risk_score or before)
    with pytest.raises(ValidationError):
        successor_designate(plan=plans[alice.pk], maintainer=alice)


def test_checklist_generated_from_silo_areas(setup):
    project, alice, bob, plans = setup
    checklist = handoff_checklist_create(plan=plans[alice.pk], successor=bob)
    items = list(checklist.items.order_by("position"))
    kinds = [i.kind for i in items]
    silo_items = [i for i in items if i.kind == HandoffItem.Kind.DOCUMENT_AREA]
    assert sorted(i.area.path for i in silo_items) == ["docs", "ops"]
    assert all(i.link for i in silo_items)
    assert [i.title for i in items if i.kind == HandoffItem.Kind.TRANSFER_ACCESS] == [
        "Transfer access: Release signing keys", "Transfer access: CI secrets",
        "Transfer access: Package registry", "Transfer access: Domains and DNS",
    ]  # fmt: skip
    reassign = [i for i in items if i.kind == HandoffItem.Kind.REASSIGN_ISSUES]
    assert [(i.title, i.link) for i in reassign] == [
        ("Reassign Flaky deploy", "https://github.com/o/r/issues/7")
    ]
    assert [i.title for i in items if i.kind == HandoffItem.Kind.REVIEW_GLACIER] == [
        "Review the glacier page “The API”"
    ]
    assert kinds[-2:] == [HandoffItem.Kind.HANDOFF_NOTE, HandoffItem.Kind.INTRODUCE]
    assert items[-2].link == f"/projects/{project.slug}/handoff-notes/new/"
    assert all(i.due_date for i in items)
    assert checklist_completeness(checklist) == 0


def test_access_list_is_editable_per_project(setup):
    project, alice, bob, plans = setup
    AccessTransferItem.objects.create(project=project, title="Twitter account", position=10)
    checklist = handoff_checklist_create(plan=plans[alice.pk], successor=bob)
    assert checklist.items.filter(title="Transfer access: Twitter account").exists()
    item = handoff_item_add(checklist=checklist, title="Hand over the conference talk")
    assert item.position == checklist.items.count() - 1
    with pytest.raises(ValidationError):
        handoff_item_add(checklist=checklist, title="  ")


def test_check_off_records_who_and_when_and_completeness(setup):
    project, alice, bob, plans = setup
    user = make_user("bob")
    checklist = handoff_checklist_create(plan=plans[alice.pk], successor=bob)
    items = list(checklist.items.all())
    handoff_item_check(item=items[0], user=user)
    items[0].refresh_from_db()
    assert items[0].done_by == user and items[0].done_at is not None
    assert checklist_completeness(checklist) == round(100 / len(items))
    handoff_item_check(item=items[0], user=user, done=False)
    assert checklist_completeness(checklist) == 0


def test_completing_a_handoff_moves_roles(setup):
    project, alice, bob, plans = setup
    alice_user, bob_user, lead = make_user("alice"), make_user("bob"), make_user("lead")
    Maintainer.objects.filter(pk=alice.pk).update(user=alice_user)
    Maintainer.objects.filter(pk=bob.pk).update(user=bob_user)
    ProjectMembership.objects.create(project=project, user=alice_user, role="maintainer")
    bob.refresh_from_db()
    checklist = handoff_checklist_create(plan=plans[alice.pk], successor=bob)
    with pytest.raises(ValidationError) as caught:
        handoff_complete(checklist=checklist, actor=lead)
    assert "not done yet" in str(caught.value)
    assert ProjectRole.objects.get(project=project, maintainer=alice).role == "maintainer"
    for item in checklist.items.all():
        handoff_item_check(item=item, user=bob_user)
    handoff_complete(checklist=checklist, actor=lead)
    assert ProjectRole.objects.get(project=project, maintainer=alice).role == "emeritus"
    assert ProjectRole.objects.get(project=project, maintainer=bob).role == "maintainer"
    moves = {
        (c.maintainer.github_login, c.from_role, c.to_role)
        for c in RoleChange.objects.filter(checklist=checklist)
    }
    assert moves == {("alice", "maintainer", "emeritus"), ("bob", "approver", "maintainer")}
    assert all(c.changed_by == lead for c in RoleChange.objects.filter(checklist=checklist))
    assert not AreaOwner.objects.filter(maintainer=alice, role="approver", area__project=project).exists()
    assert AreaOwner.objects.filter(maintainer=bob, role="approver", area__path="api").exists()
    assert ProjectMembership.objects.get(project=project, user=alice_user).role == "member"
    assert ProjectMembership.objects.get(project=project, user=bob_user).role == "maintainer"
    checklist.refresh_from_db()
    assert checklist.completed_by == lead and checklist.completed_at
    with pytest.raises(ValidationError):
        handoff_complete(checklist=checklist, actor=lead)
    # The handoff's rungs are not undone by the next owners import.
    people_import(project=project)
    assert ProjectRole.objects.get(project=project, maintainer=alice).role == "emeritus"
    assert (
        SuccessionPlan.objects.get(project=project, maintainer=alice).successor_links.get().readiness
        == "ready"
    )
