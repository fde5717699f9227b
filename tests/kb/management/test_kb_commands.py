import json
import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kb.models import Document, Project, SyncRun
from tests.kb.gitrepo import docs_repo

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args):
    out = StringIO()
    call_command("kb", *args, stdout=out)
    return out.getvalue()


def test_sync_prints_a_summary_with_skip_reasons(tmp_path, settings):
    settings.GLACIER_MAX_FILE_BYTES = 100
    repo = docs_repo(tmp_path / "widgets")
    repo.commit("big", files={"docs/big.md": "# Big\n" + "z" * 500})
    output = run("sync", str(repo.path), "--project", "wid")
    assert "Project          wid" in output and "Added            4" in output
    assert "Skipped          1" in output and "larger than 100 bytes" in output and "docs/big.md" in output
    assert Document.objects.filter(project__slug="wid").count() == 4
    assert "Unchanged        4" in run("sync", str(repo.path), "--project", "wid")


def test_sync_errors_are_command_errors(tmp_path):
    with pytest.raises(CommandError, match="no such directory"):
        run("sync", str(tmp_path / "nope"))


def test_the_operator_vouches_for_what_they_sync_and_a_vanished_source_is_a_command_error(tmp_path):
    repo = docs_repo(tmp_path / "widgets")
    run("sync", str(repo.path), "--project", "wid")
    project = Project.objects.get(slug="wid")
    assert project.repository == project.repository_approved == str(repo.path.resolve())
    origin = f"file://{repo.path}"
    run("sync", origin, "--project", "wid")
    shutil.rmtree(repo.path)
    with pytest.raises(CommandError, match="no such directory"):
        run("sync", str(repo.path), "--project", "wid")
    with pytest.raises(CommandError, match=f"git could not fetch {origin}: no repository there"):
        run("sync", origin, "--project", "wid")
    assert not SyncRun.objects.filter(status=SyncRun.Status.RUNNING).exists()
    assert SyncRun.objects.filter(project=project, status=SyncRun.Status.FAILED).count() == 1


def test_search_prints_results_and_json(tmp_path):
    docs_repo(tmp_path / "widgets")
    run("sync", str(tmp_path / "widgets"))
    text = run("search", "pull request")
    assert "result(s)" in text and "docs/reviewing.md" in text
    payload = json.loads(run("search", "reviewng", "--json"))
    assert payload["suggestion"] == "reviewing"
    assert payload["results"][0]["path"] == "docs/reviewing.md"
    assert set(payload["results"][0]) == {"title", "path", "url", "kind", "project", "score", "highlights"}
    assert payload["facets"]["project"] == {"widgets": payload["count"]}
    assert (
        json.loads(run("search", "approvers", "--kind", "owners", "--json"))["results"][0]["path"] == "OWNERS"
    )


def test_search_with_unknown_project_is_a_command_error():
    with pytest.raises(CommandError, match="No project with slug"):
        run("search", "x", "--project", "missing")


def test_reindex_rebuilds_from_the_database(tmp_path):
    docs_repo(tmp_path / "widgets")
    run("sync", str(tmp_path / "widgets"))
    assert "Indexed 4 entries" in run("reindex")
    assert json.loads(run("search", "contributor guide", "--json"))["count"] >= 1


class FakeTerminal(StringIO):
    def isatty(self):
        return True


def test_sync_draws_a_progress_bar_on_a_terminal(tmp_path, capsys):
    docs_repo(tmp_path / "widgets")
    out = FakeTerminal()
    call_command("kb", "sync", str(tmp_path / "widgets"), stdout=out)
    assert "4/4" in capsys.readouterr().err  # tqdm draws on stderr
    assert "Took" in out.getvalue()
