import pytest

from kb.models import ProjectMembership, SyncRun
from kb.signals import sync_finished
from onboarding.models import Area, AreaOwner, Maintainer, ProjectRole, RoleChange
from onboarding.services.people import people_import
from tests.onboarding.helpers import make_project, make_user, put_files

pytestmark = pytest.mark.django_db

ROOT_OWNERS = """# See the OWNERS docs at https://go.k8s.io/owners
approvers:
  - Alice
  - project-leads   # an alias
reviewers:
  - bob
labels:
  - sig/docs
"""
ALIASES = "aliases:\n  project-leads:\n    - carol\n    - dave\n"
DOCS_OWNERS = """options:
  no_parent_owners: true
approvers:
  - erin
reviewers:
  - bob
emeritus_approvers:
  - frank
"""
CODEOWNERS = "# API\n/api/ @gina docs-lead@example.org\n*.md @bob\n"
MAINTAINERS = """# Maintainers

| Name | GitHub | Affiliation |
|------|--------|-------------|
| Alice Liddell | @alice | Wonderland Inc |
"""


def files(**overrides):
    base = {"OWNERS": ROOT_OWNERS, "OWNERS_ALIASES": ALIASES, "docs/OWNERS": DOCS_OWNERS,
            ".github/CODEOWNERS": CODEOWNERS, "MAINTAINERS.md": MAINTAINERS}  # fmt: skip
    base.update(overrides)
    return base


def roles(project):
    return {
        (r.maintainer.github_login or r.maintainer.email): r.role
        for r in ProjectRole.objects.filter(project=project).select_related("maintainer")
    }


def owners(project, kind, path):
    area = Area.objects.get(project=project, kind=kind, path=path)
    return {
        (o.maintainer.github_login or o.maintainer.email, o.role)
        for o in area.ownerships.select_related("maintainer")
    }


def test_import_builds_ladder_areas_and_owners():
    project = make_project()
    put_files(project, files())
    report = people_import(project=project)
    assert report.errors == []
    assert roles(project) == {
        "alice": "maintainer", "carol": "maintainer", "dave": "maintainer", "bob": "reviewer",
        "erin": "approver", "frank": "emeritus", "gina": "approver", "docs-lead@example.org": "approver",
    }  # fmt: skip
    alice = Maintainer.objects.get(github_login__iexact="alice")
    assert alice.display_name == "Alice Liddell" and alice.affiliation == "Wonderland Inc"
    assert set(Area.objects.filter(project=project).values_list("kind", "path")) == {
        ("directory", ""), ("directory", "docs"), ("directory", "api"), ("label", "sig/docs"),
    }  # fmt: skip
    assert owners(project, "directory", "") == {
        ("alice", "approver"),
        ("carol", "approver"),
        ("dave", "approver"),
        ("bob", "reviewer"),
    }
    assert owners(project, "directory", "docs") == {
        ("erin", "approver"),
        ("bob", "reviewer"),
        ("frank", "emeritus"),
    }
    assert owners(project, "directory", "api") == {
        ("gina", "approver"),
        ("docs-lead@example.org", "approver"),
    }
    assert ("carol", "approver") in owners(project, "label", "sig/docs")
    assert Area.objects.get(project=project, path="docs").owners_document.path == "docs/OWNERS"


def test_reimport_changes_nothing():
    project = make_project()
    put_files(project, files())
    people_import(project=project)
    snapshot = (
        list(AreaOwner.objects.order_by("pk").values_list("pk", "area_id", "maintainer_id", "role")),
        list(ProjectRole.objects.order_by("pk").values_list("pk", "role")),
        list(Area.objects.order_by("pk").values_list("pk", "path")),
        RoleChange.objects.count(),
    )
    again = people_import(project=project)
    assert not again.changed
    assert snapshot == (
        list(AreaOwner.objects.order_by("pk").values_list("pk", "area_id", "maintainer_id", "role")),
        list(ProjectRole.objects.order_by("pk").values_list("pk", "role")),
        list(Area.objects.order_by("pk").values_list("pk", "path")),
        RoleChange.objects.count(),
    )


def test_removed_owner_loses_area_and_role_falls_back():
    project = make_project()
    put_files(project, files())
    people_import(project=project)
    put_files(
        project, files(**{"docs/OWNERS": "approvers:\n  - bob\n", ".github/CODEOWNERS": "/api/ @gina\n"})
    )
    report = people_import(project=project)
    assert report.ownerships_removed >= 3
    assert owners(project, "directory", "docs") == {("bob", "approver")}
    current = roles(project)
    assert current["erin"] == "contributor" and current["bob"] == "approver"
    assert current["frank"] == "contributor"
    assert RoleChange.objects.filter(
        maintainer__github_login="erin", from_role="approver", to_role="contributor"
    ).exists()


def test_deleted_owners_file_removes_its_area():
    project = make_project()
    put_files(project, files())
    people_import(project=project)
    project.documents.filter(path="docs/OWNERS").delete()
    report = people_import(project=project)
    assert report.areas_deleted == 1
    assert not Area.objects.filter(project=project, path="docs").exists()


def test_users_are_linked_and_maintainers_mirrored_into_memberships():
    project = make_project()
    alice_user = make_user("alice")
    erin_user = make_user("someone", email="erin@example.org")
    put_files(project, files(**{"MAINTAINERS.md": MAINTAINERS + "| Erin E | @erin | |\n"}))
    Maintainer.objects.create(github_login="erin", email="erin@example.org")
    people_import(project=project)
    alice = Maintainer.objects.get(github_login__iexact="alice")
    assert alice.user == alice_user
    assert Maintainer.objects.get(github_login="erin").user == erin_user
    assert ProjectMembership.objects.get(project=project, user=alice_user).role == "maintainer"
    assert ProjectMembership.objects.get(project=project, user=erin_user).role == "maintainer"
    put_files(project, files())  # erin back to a docs approver only
    people_import(project=project)
    assert ProjectMembership.objects.get(project=project, user=erin_user).role == "member"
    assert ProjectMembership.objects.get(project=project, user=alice_user).role == "maintainer"


def test_broken_file_is_reported_and_keeps_previous_state():
    project = make_project()
    put_files(project, files())
    people_import(project=project)
    put_files(project, files(**{"docs/OWNERS": "approvers:\n  - erin\n  - [oops]\n"}))
    report = people_import(project=project)
    assert report.errors == [
        {"path": "docs/OWNERS", "line": 3, "error": "'approvers' entries must be names, found a list"}
    ]
    assert ("erin", "approver") in owners(project, "directory", "docs")
    assert roles(project)["erin"] == "approver"


def test_manual_roles_survive_import():
    project = make_project()
    put_files(project, files())
    people_import(project=project)
    role = ProjectRole.objects.get(project=project, maintainer__github_login="bob")
    role.role, role.origin = "approver", "manual"
    role.save()
    people_import(project=project)
    assert roles(project)["bob"] == "approver"


def test_sync_finished_receiver_imports_and_records_parse_errors():
    project = make_project()
    put_files(project, files(**{"docs/OWNERS": "- just\n- a list\n"}))
    run = SyncRun.objects.create(project=project, source="local")
    sync_finished.send(sender=SyncRun, project=project, sync_run=run)
    assert roles(project)["carol"] == "maintainer"
    run.refresh_from_db()
    assert run.errors == [
        {
            "item": "docs/OWNERS",
            "error": "line 1: an OWNERS file must be a mapping, not a list",
            "stage": "people",
        }
    ]


def test_receiver_never_raises(caplog, monkeypatch):
    project = make_project()

    def broken_import(*, project):
        raise RuntimeError("database went away")

    monkeypatch.setattr("onboarding.services.refresh.people_import", broken_import)
    sync_finished.send(sender=SyncRun, project=project, sync_run=None)
    assert "people refresh failed for project demo" in caplog.text


def test_import_of_real_kubernetes_community_owners_files():
    from tests.kb.ownership.golden import FIXTURES
    from tests.kb.ownership.test_golden import CORPUS

    project = make_project("k8s")
    community = CORPUS / "kubernetes__community"
    if community.is_dir():
        files_ = {
            p.relative_to(community).as_posix(): p.read_text(encoding="utf-8")
            for p in community.rglob("OWNERS*")
            if p.is_file()
        }
    else:  # the shipped copies of real files
        files_ = {
            "OWNERS": (FIXTURES / "k8s-community-root.OWNERS").read_text(),
            "OWNERS_ALIASES": (FIXTURES / "k8s-community.OWNERS_ALIASES").read_text(),
            "mentoring/OWNERS": (FIXTURES / "k8s-mentoring.OWNERS").read_text(),
        }
    put_files(project, files_)
    report = people_import(project=project)
    assert report.errors == []
    assert report.files == len(files_)
    root = Area.objects.get(project=project, kind="directory", path="")
    root_approvers = set(
        root.ownerships.filter(role="approver").values_list("maintainer__github_login", flat=True)
    )
    assert {"cblecker", "nikhita"} <= root_approvers
    assert "sig-contributor-experience-leads" not in root_approvers  # alias expanded
    assert Area.objects.filter(project=project, kind="label").exists()
    assert ProjectRole.objects.get(project=project, maintainer__github_login="cblecker").role == "maintainer"
    assert not people_import(project=project).changed


def test_one_person_from_login_email_and_noreply_address_across_files():
    project = make_project()
    put_files(project, {
        "MAINTAINERS.md": "| Name | GitHub | Email |\n|---|---|---|\n| Nic Cope | @negz | negz@upbound.io |\n"
                          "| Ann Lee | | ann@acme.example |\n",
        "OWNERS": "approvers:\n  - negz\n  - annlee\n",
        "CODEOWNERS": "/api/ 123+NEGZ@users.noreply.github.com\n/web/ ann@acme.example\n",
    })  # fmt: skip
    report = people_import(project=project)
    assert report.errors == []
    negz = Maintainer.objects.get(github_login__iexact="negz")
    assert (negz.display_name, negz.email) == ("Nic Cope", "negz@upbound.io")
    assert set(Area.objects.get(project=project, path="api").owners.all()) == {negz}
    # Ann has no login in MAINTAINERS.md; CODEOWNERS names her by the same e-mail.
    ann = Maintainer.objects.get(email="ann@acme.example")
    assert set(Area.objects.get(project=project, path="web").owners.all()) == {ann}
    assert Maintainer.objects.count() == 3  # negz, ann, annlee (a login nobody ties to Ann)


def test_owners_md_role_sections_give_the_ladder():
    """Issue 14: a Crossplane-style OWNERS.md used to give 0 maintainers and 0 emeritus."""
    from tests.kb.ownership.golden import FIXTURES

    project = make_project()
    put_files(project, {"OWNERS.md": (FIXTURES / "crossplane.OWNERS.md").read_text()})
    put_files(project, {"GOVERNANCE.md": (FIXTURES / "steering.GOVERNANCE.md").read_text()}, kind="doc")
    report = people_import(project=project)
    assert report.errors == [] and report.files == 2
    ladder = roles(project)
    assert [login for login, role in sorted(ladder.items()) if role == "maintainer"] == [
        "bobh66", "negz", "phisco", "turkenh",
    ]  # fmt: skip
    assert [login for login, role in sorted(ladder.items()) if role == "emeritus"] == [
        "bassam", "cbabbage", "jbw976", "muvaf",
    ]  # fmt: skip
    assert ladder["ada"] == ladder["ltor"] == "lead"
    assert ladder["ghopper"] == "member"
    negz = Maintainer.objects.get(github_login="negz")
    assert (negz.display_name, negz.email) == ("Nic Cope", "negz@upbound.io")


def test_ownership_files_under_testdata_and_vendor_are_ignored():
    project = make_project()
    put_files(project, {
        "OWNERS": "approvers:\n  - alice\n",
        "charts/testdata/OWNERS": "approvers:\n  - chart-author\n",
        "vendor/github.com/x/y/MAINTAINERS.md": "- Someone Else <someone@example.org>\n",
        "src/CODEOWNERS": "* @not-read-by-github\n",
    })  # fmt: skip
    report = people_import(project=project)
    assert report.files == 1
    assert roles(project) == {"alice": "maintainer"}


def test_codeowners_file_patterns_are_file_areas_and_filters_give_approvers():
    project = make_project()
    put_files(project, {
        ".github/CODEOWNERS": "* @root\nMakefile @builder\n/docs/ @writer\n*.md @writer\n",
        "CODEOWNERS": "* @ignored-second-file\n",
        "OWNERS": 'owners:\n  - alice\nfilters:\n  "\\\\.go$":\n    approvers:\n      - gopher\n',
    })  # fmt: skip
    assert people_import(project=project).errors == []
    assert owners(project, "file", "Makefile") == {("builder", "approver")}
    assert owners(project, "directory", "docs") == {("writer", "approver")}
    assert not Area.objects.filter(project=project, path="Makefile", kind="directory").exists()
    assert roles(project) == {"root": "maintainer", "builder": "approver", "writer": "approver",
                              "alice": "maintainer", "gopher": "approver"}  # fmt: skip
