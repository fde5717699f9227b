"""Bus factor, elephant factor and silos against hand-computed cases."""

import pytest

from kb.models import Document, GlacierPage, Topic
from kb.services.documents import DocumentInput
from onboarding.models import Area, Contribution, Maintainer, ProjectRisk
from onboarding.services.people import people_import
from onboarding.services.risk import affiliation_from_email, bus_factor, identity_for, project_risk_compute
from tests.onboarding.helpers import git_repo, make_project, put_files, put_github


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([], None),
        ([0, 0], None),
        ([7], 1),
        ([5, 3, 1, 1], 1),  # 5 of 10 is exactly half
        ([4, 3, 2, 1], 2),  # 4 < 5, 4+3 = 7 >= 5
        ([1] * 10, 5),
        ([3, 3, 3, 1], 2),
        ([1, 1, 10, 1, 1], 1),  # order of input does not matter
    ],
)
def test_bus_factor_hand_computed(counts, expected):
    assert bus_factor(counts) == expected


@pytest.mark.parametrize(
    ("email", "org"),
    [
        ("jane@gmail.com", ""),
        ("12345+jane@users.noreply.github.com", ""),
        ("jane@redhat.com", "redhat.com"),
        ("jane@corp.google.com", "google.com"),
        ("jane@bbc.co.uk", "bbc.co.uk"),
        ("not-an-email", ""),
        ("root@localhost", ""),
    ],
)
def test_affiliation_from_email(email, org):
    assert affiliation_from_email(email) == org


def test_noreply_address_gives_the_login():
    assert identity_for("Jane", "12345+JaneDoe@users.noreply.github.com") == "janedoe"
    assert identity_for("Jane", "Jane@Example.org") == "jane@example.org"
    assert identity_for("Jane", "jane@example.org", "JaneD") == "janed"


@pytest.fixture
def project_with_history(tmp_path, db):
    # Hand-computed: 10 commits. alice@acme.io 5 (4 docs, 1 api), bob@acme.io 2 (api),
    # carol@gmail.com 2 (api) but declared affiliation Initech in MAINTAINERS, dave@gmail.com 1 (root file).
    commits = (
        [("Alice", "alice@acme.io", ["docs/a.md"])] * 4
        + [("Alice", "alice@acme.io", ["api/x.go", "api/y.go"])]
        + [("Bob", "bob@acme.io", ["api/x.go"])] * 2
        + [("Carol", "carol@gmail.com", ["api/z.go"])] * 2
        + [("Dave", "dave@gmail.com", ["setup.py"])]
    )
    repo = git_repo(tmp_path / "repo", commits)
    project = make_project(repository=str(repo))
    put_files(project, {
        "OWNERS": "approvers:\n  - alice\n",
        "docs/OWNERS": "approvers:\n  - alice\n",
        "api/OWNERS": "approvers:\n  - bob\n  - carol\nlabels:\n  - area/api\n",
        "MAINTAINERS.md": "- Alice (@alice) <alice@acme.io>\n- Carol (@carol) <carol@gmail.com>, Initech\n",
    })  # fmt: skip
    people_import(project=project)
    return project


def test_project_and_area_figures_from_git_history(project_with_history):
    project = project_with_history
    report = project_risk_compute(project=project)
    assert report.commits == 10 and report.contributors == 4
    risk = ProjectRisk.objects.get(project=project)
    # alice 5 of 10 -> bus factor 1.
    assert risk.bus_factor == 1
    # Organisations: acme.io 7 (alice 5 + bob 2), Initech 2; dave@gmail.com unknown, left out. 7 of 9 -> 1.
    assert risk.elephant_factor == 1
    assert [a["name"] for a in risk.top_affiliations] == ["acme.io", "Initech"]
    areas = {a.path: a for a in Area.objects.filter(project=project)}
    # api: alice 1, bob 2, carol 2 commits = 5; sorted 2,2,1 -> 2 then 4 >= 2.5 -> 2.
    assert areas["api"].contributions == 5 and areas["api"].bus_factor == 2
    # api orgs: acme.io 3, Initech 2 -> 3 of 5 -> 1.
    assert areas["api"].elephant_factor == 1
    assert areas["docs"].contributions == 4 and areas["docs"].bus_factor == 1
    assert areas[""].contributions == 10 and areas[""].bus_factor == 1
    assert areas["docs"].is_silo and areas[""].is_silo and not areas["api"].is_silo
    carol = Contribution.objects.get(project=project, identity="carol")
    assert carol.commits == 2 and carol.affiliation == "Initech"
    assert carol.maintainer == Maintainer.objects.get(github_login="carol")


def test_docs_and_glacier_pages_lift_silo_status(project_with_history):
    project = project_with_history
    put_files(project, {"docs/guide.md": "# Guide", "docs/faq.md": "# FAQ"}, kind=Document.Kind.DOC)
    topic = Topic.objects.create(project=project, slug="root", title="Root", origin="folder", signature="")
    GlacierPage.objects.create(topic=topic, project=project, title="Root")
    project_risk_compute(project=project)
    areas = {a.path: a for a in Area.objects.filter(project=project)}
    assert areas["docs"].doc_count == 2 and not areas["docs"].is_silo
    assert areas[""].glacier_count == 1 and not areas[""].is_silo


def test_github_comments_and_closes_count(project_with_history):
    project = project_with_history
    put_github(project, [
        DocumentInput(kind="issue", key="issue/1", title="Crash", body="", metadata={"labels": ["area/api"], "closed_by": "erin", "state": "closed"}),
        *[DocumentInput(kind="comment", key=f"comment/{i}", title="c", body="", parent_key="issue/1", metadata={"author": "erin"}) for i in range(9)],
    ])  # fmt: skip
    report = project_risk_compute(project=project)
    # erin: 9 comments + 1 close = 10 of 20 -> bus factor 1 with erin on top.
    assert report.contributors == 5 and report.bus_factor == 1
    assert ProjectRisk.objects.get(project=project).top_contributors[0]["key"] == "erin"
    label = Area.objects.get(project=project, kind="label", path="area/api")
    assert label.contributions == 10 and label.bus_factor == 1
    erin = Contribution.objects.get(project=project, identity="erin")
    assert (erin.comments, erin.closes) == (9, 1)


def test_recompute_is_stable_and_drops_departed_contributors(project_with_history):
    project = project_with_history
    project_risk_compute(project=project)
    first = list(
        Contribution.objects.filter(project=project).order_by("identity").values_list("identity", "commits")
    )
    project_risk_compute(project=project)
    assert first == list(
        Contribution.objects.filter(project=project).order_by("identity").values_list("identity", "commits")
    )
    project_risk_compute(project=project, commits=[])
    assert not Contribution.objects.filter(project=project).exists()
    assert ProjectRisk.objects.get(project=project).bus_factor is None
