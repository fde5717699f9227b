from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from onboarding.models import ProjectRisk
from tests.onboarding.helpers import git_repo, make_project, put_files

pytestmark = pytest.mark.django_db


def test_onboarding_people_command_reports_figures_and_broken_files(tmp_path):
    repo = git_repo(
        tmp_path / "repo", [("Alice", "alice@acme.io", ["docs/a.md"]), ("Bob", "bob@b.org", ["x.py"])]
    )
    project = make_project("demo", repository=str(repo))
    put_files(project, {"OWNERS": "approvers:\n  - alice\n", "docs/OWNERS": "approvers: {oops: 1}\n"})
    out, err = StringIO(), StringIO()
    call_command("onboarding", "people", "--project", "demo", stdout=out, stderr=err)
    assert "demo: 2 ownership files" in out.getvalue() and "2 commits by 2 people" in out.getvalue()
    assert "docs/OWNERS:1: 'approvers' must be a list of names, not a mapping" in err.getvalue()
    assert ProjectRisk.objects.get(project=project).bus_factor == 1
    with pytest.raises(CommandError, match="No project with slug 'nope'"):
        call_command("onboarding", "people", "--project", "nope")


def test_people_command_counts_bots_apart_and_reports_a_broken_affiliation_map(tmp_path):
    repo = git_repo(tmp_path / "repo", [
        ("Alice", "alice@acme.io", ["a.md"]),
        ("renovate[bot]", "29139614+renovate[bot]@users.noreply.github.com", ["go.mod"]),
    ])  # fmt: skip
    (repo / ".glacier").mkdir()
    (repo / ".glacier" / "affiliations.yaml").write_text("- not a mapping\n")
    make_project("demo", repository=str(repo))
    out, err = StringIO(), StringIO()
    call_command("onboarding", "people", "--project", "demo", stdout=out, stderr=err)
    assert "2 commits by 1 people" in out.getvalue() and "1 bots left out" in out.getvalue()
    assert ".glacier/affiliations.yaml: expected a mapping" in err.getvalue()
