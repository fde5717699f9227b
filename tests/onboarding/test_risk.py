"""Bus factor, elephant factor and silos against hand-computed cases."""

from datetime import UTC, datetime, timedelta

import pytest

from kb.models import Document, GlacierPage, Topic
from kb.services.documents import DocumentInput
from kb.sources.git import Commit
from onboarding.models import Area, Contribution, Maintainer, ProjectRisk
from onboarding.services.people import people_import
from onboarding.services.risk import bus_factor, project_risk_compute
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


def commit(name, email, paths=("README.md",), co_authors=(), day=0):
    return Commit(
        f"{day:040x}",
        name,
        email,
        datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=day),
        tuple(paths),
        tuple(co_authors),
    )


def test_ingesting_comments_leaves_the_commit_figures_unchanged(db):
    project = make_project()
    put_files(project, {"OWNERS": "approvers:\n  - alice\nlabels:\n  - area/api\n"})
    people_import(project=project)
    # Four people, one commit each: bus factor 2 (2 of 4 is half).
    history = [
        commit(n, f"{n.lower()}@acme.io", day=i) for i, n in enumerate(["Alice", "Bob", "Carol", "Dave"])
    ]
    before = project_risk_compute(project=project, commits=history)
    assert (before.bus_factor, before.contributors, before.commits) == (2, 4, 4)
    put_github(project, [
        DocumentInput(kind="issue", key="issue/1", title="Crash", body="", metadata={"labels": ["area/api"], "closed_by": "erin", "state": "closed"}),
        *[DocumentInput(kind="comment", key=f"comment/{i}", title="c", body="", parent_key="issue/1", metadata={"author": "erin"}) for i in range(19)],
    ])  # fmt: skip
    after = project_risk_compute(project=project, commits=history)
    # Counting erin's 20 comments and closes like commits would make the bus factor 1.
    assert (after.bus_factor, after.contributors, after.commits) == (2, 4, 4)
    risk = ProjectRisk.objects.get(project=project)
    assert (risk.bus_factor, risk.contributions, risk.engagement, risk.engaged_people) == (2, 4, 20, 1)
    assert "erin" not in [row["key"] for row in risk.top_contributors]
    root = Area.objects.get(project=project, kind="directory", path="")
    assert root.contributions == 4 and root.bus_factor == 2
    # A label has no commits: its figures are the engagement on its issues.
    label = Area.objects.get(project=project, kind="label", path="area/api")
    assert label.contributions == 20 and label.bus_factor == 1
    erin = Contribution.objects.get(project=project, identity="erin")
    assert (erin.commits, erin.comments, erin.closes) == (0, 19, 1)


def test_comments_land_on_the_committer_they_belong_to(db):
    project = make_project()
    history = [
        commit("Erin Example", "7+erin@users.noreply.github.com"),
        commit("Erin Example", "erin@acme.io", day=1),
    ]
    put_github(
        project,
        [DocumentInput(kind="issue", key="issue/1", title="x", body="", metadata={"closed_by": "Erin"})],
    )
    report = project_risk_compute(project=project, commits=history)
    assert report.identities == 1 and report.contacts == 3
    erin = Contribution.objects.get(project=project)
    assert (erin.identity, erin.commits, erin.closes) == ("erin", 2, 1)
    assert set(erin.aliases) == {"@erin", "Erin Example", "erin@acme.io", "7+erin@users.noreply.github.com"}


def test_bots_are_left_out_of_the_figures_and_listed_apart(db):
    project = make_project()
    history = (
        [
            commit("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com", day=i)
            for i in range(10)
        ]
        + [commit("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com", day=20)]
        + [commit("Alice", "alice@acme.io", day=30), commit("Bob", "bob@acme.io", day=31)]
    )
    put_github(
        project,
        [
            DocumentInput(
                kind="issue", key="issue/1", title="x", body="", metadata={"closed_by": "k8s-ci-robot"}
            )
        ],
    )
    report = project_risk_compute(project=project, commits=history)
    # Without the bots: alice 1, bob 1 -> bus factor 1; elephant factor 1 (acme 2 of 2).
    assert (report.contributors, report.bus_factor, report.elephant_factor) == (2, 1, 1)
    assert report.bots == ["dependabot[bot]", "github-actions[bot]", "k8s-ci-robot"]
    risk = ProjectRisk.objects.get(project=project)
    assert [b["key"] for b in risk.bots] == report.bots and risk.bots[0]["count"] == 10
    assert {r["key"] for r in risk.top_contributors} == {"alice@acme.io", "bob@acme.io"}
    assert risk.top_affiliations == [{"name": "acme.io", "key": "acme", "count": 2}]
    assert set(
        Contribution.objects.filter(project=project, is_bot=True).values_list("identity", flat=True)
    ) == set(report.bots)


def test_mailmap_and_co_authors_in_a_real_repository(tmp_path, db):
    trailer = (
        "Fix\n\nCo-authored-by: Bea Old <bea@old.example>\nCo-authored-by: Cy <3+cy@users.noreply.github.com>"
    )
    repo = git_repo(tmp_path / "repo", [
        ("Ann", "ann@acme.io", ["a.go"]),
        ("Ann Old", "ann@old.example", ["a.go"]),
        ("Bea", "bea@acme.io", ["b/b.go"], trailer),
        ("Bea", "bea@acme.io", ["b/b.go"]),
        ("Cy", "cy@acme.io", ["c.go"]),
    ])  # fmt: skip
    (repo / ".mailmap").write_text(
        "Ann <ann@acme.io> <ann@old.example>\nBea <bea@acme.io> <bea@old.example>\n"
    )
    project = make_project(repository=str(repo))
    report = project_risk_compute(project=project)
    rows = {r.identity: r for r in Contribution.objects.filter(project=project)}
    # ann: 2 (her old address through .mailmap); bea: 2, her own commit naming her old
    # address as co-author still counts once; cy: 1 authored + 1 co-authored (the noreply
    # address gives login "cy", and the one-word author name "Cy" is that login).
    assert set(rows) == {"ann@acme.io", "bea@acme.io", "cy"}
    assert rows["ann@acme.io"].commits == 2 and rows["bea@acme.io"].commits == 2 and rows["cy"].commits == 2
    assert report.commits == 5 and report.identities == 3 and report.bus_factor == 2


def test_co_author_credit_and_affiliation_merge(tmp_path, db):
    repo = git_repo(tmp_path / "repo", [
        ("Mia Park", "mia@mail.intuit.com", ["x.go"], "Pair\n\nCo-authored-by: Noel Ray <noel@intuit.com>"),
        ("Noel Ray", "noel@gmail.com", ["x.go"]),
        ("Olga Sand", "olga@bigco.example", ["y.go"]),
        ("Pia Hart", "pia@bigco.example", ["y.go"]),
        ("Solo Dev", "solo@gmail.com", ["z.go"]),
    ])  # fmt: skip
    project = make_project(repository=str(repo))
    put_files(project, {"MAINTAINERS.md": "- Noel Ray (@noelr) <noel@gmail.com>, Intuit\n"})
    people_import(project=project)
    report = project_risk_compute(project=project)
    noel = Contribution.objects.get(project=project, identity="noelr")
    assert noel.commits == 2 and noel.affiliation == "Intuit" and noel.maintainer.github_login == "noelr"
    assert report.contributors == 5
    risk = ProjectRisk.objects.get(project=project)
    # Intuit: mia 1 (mail.intuit.com) + noel 2 (stated, and intuit.com as co-author) = 3; bigco 2;
    # gmail.com is free mail: no organisation.
    assert [(o["name"], o["count"]) for o in risk.top_affiliations] == [("Intuit", 3), ("bigco.example", 2)]
    assert risk.elephant_factor == 1


def test_affiliation_map_file_in_the_repository(tmp_path, db):
    repo = git_repo(tmp_path / "repo", [
        ("Pat Lee", "pat@patlee.example", ["x.go"]), ("Pat Lee", "pat@patlee.example", ["x.go"]),
        ("Quinn Ho", "quinn@bigco.example", ["y.go"]),
    ])  # fmt: skip
    (repo / ".glacier").mkdir()
    (repo / ".glacier" / "affiliations.yaml").write_text("patlee.example: BigCo\n")
    project = make_project(repository=str(repo))
    project_risk_compute(project=project)
    risk = ProjectRisk.objects.get(project=project)
    assert [(o["name"], o["count"]) for o in risk.top_affiliations] == [("BigCo", 3)]


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


def test_contributors_selector_lists_bots_apart(db):
    from onboarding.selectors import project_contributors

    project = make_project()
    history = [
        commit("renovate[bot]", "29139614+renovate[bot]@users.noreply.github.com", day=i) for i in range(3)
    ]
    project_risk_compute(project=project, commits=history + [commit("Alice", "alice@acme.io", day=9)])
    assert [c.identity for c in project_contributors(project)] == ["alice@acme.io"]
    assert [c.identity for c in project_contributors(project, bots=True)] == ["renovate[bot]"]
