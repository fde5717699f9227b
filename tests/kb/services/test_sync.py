import logging
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kb.models import Document, Project, SyncRun
from kb.search import get_search_backend
from kb.services.search import search_run
from kb.services.sync import SyncError, project_sync, sync_target
from kb.signals import sync_finished
from kb.tasks import sync_project
from tests.kb.factories import ProjectFactory
from tests.kb.gitrepo import BOB, GitRepo, docs_repo

# Indexing and sync_finished happen on commit, so these tests need real commits.
pytestmark = pytest.mark.django_db(transaction=True)


def paths_found(query, **kw):
    return [hit.path for hit in search_run(user=None, query=query, **kw).hits]


def test_first_sync_creates_project_documents_and_index(tmp_path):
    docs_repo(tmp_path / "widgets")
    run = sync_target(str(tmp_path / "widgets"))
    project = Project.objects.get(slug="widgets")
    assert project.repository == str((tmp_path / "widgets").resolve())
    assert (run.status, run.added, run.updated, run.unchanged, run.deleted, run.skipped) == (
        SyncRun.Status.SUCCEEDED, 4, 0, 0, 0, 0,
    )  # fmt: skip
    assert run.finished_at is not None and run.cursor["head"]
    assert Document.objects.filter(project=project).count() == 4
    assert Document.objects.get(key="OWNERS").kind == "owners"
    assert get_search_backend().status()["documents"] == 4
    assert paths_found("reviewers pull request")[0] == "docs/reviewing.md"


def test_no_change_resync_writes_nothing_and_does_not_reindex(tmp_path, monkeypatch):
    docs_repo(tmp_path / "widgets")
    sync_target(str(tmp_path / "widgets"))
    stamps = dict(Document.objects.values_list("key", "updated_at"))
    indexed = []
    backend = get_search_backend()
    monkeypatch.setattr(backend, "index", lambda entries: indexed.append(list(entries)) or 0)
    with CaptureQueriesContext(connection) as ctx:
        run = sync_target(str(tmp_path / "widgets"))
    document_writes = [
        q["sql"] for q in ctx.captured_queries
        if "kb_document" in q["sql"] and q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]  # fmt: skip
    assert document_writes == []
    assert indexed == []
    assert (run.added, run.updated, run.unchanged, run.deleted) == (0, 0, 4, 0)
    assert dict(Document.objects.values_list("key", "updated_at")) == stamps


def test_modified_file_updates_and_deleted_file_leaves_db_and_search(tmp_path):
    repo = docs_repo(tmp_path / "widgets")
    sync_target(str(repo.path))
    assert paths_found("tests") == ["docs/reviewing.md"]
    repo.remove("docs/reviewing.md")
    repo.commit(
        "Rewrite the guide",
        author=BOB,
        files={"docs/guide.md": "# Contributor Guide\n\nUse the gizmo flux.\n"},
    )
    run = sync_target(str(repo.path))
    assert (run.added, run.updated, run.deleted, run.unchanged) == (0, 1, 1, 2)
    assert not Document.objects.filter(key="docs/reviewing.md").exists()
    assert paths_found("tests") == []
    assert paths_found("gizmo flux") == ["docs/guide.md"]
    guide = Document.objects.get(key="docs/guide.md")
    assert guide.authors[0]["email"] == BOB[1]


def test_skips_are_recorded_on_the_sync_run(tmp_path, settings):
    settings.GLACIER_MAX_FILE_BYTES = 2048
    repo = GitRepo(tmp_path / "mixed")
    repo.commit(
        "files",
        files={
            "ok.md": "# Fine\n",
            "bin.txt": b"\x00\x01binary",
            "big.md": "# Big\n" + "y" * 5000,
            "bad.md": b"# \xff\xfe broken\n",
        },
    )
    run = sync_target(str(repo.path))
    assert run.added == 1 and run.skipped == 3 and run.status == SyncRun.Status.SUCCEEDED
    reasons = {skip["path"]: skip["reason"] for skip in SyncRun.objects.get(pk=run.pk).skips}
    assert set(reasons) == {"bin.txt", "big.md", "bad.md"}
    assert (
        "binary" in reasons["bin.txt"]
        and "larger than 2048" in reasons["big.md"]
        and "UTF-8" in reasons["bad.md"]
    )


def test_front_matter_errors_are_recorded_and_the_document_kept(tmp_path):
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "page.md").write_text("---\ntitle: [oops\n---\n# Page\n\ntext\n")
    run = sync_target(str(tmp_path / "proj"))
    assert run.status == SyncRun.Status.PARTIAL and run.added == 1
    [error] = run.errors
    assert error["item"] == "page.md" and error["line"] and "front matter" in error["error"]
    assert Document.objects.get(key="page.md").title == "Page"


def test_hostile_html_is_sanitised(tmp_path):
    (tmp_path / "evil").mkdir()
    (tmp_path / "evil" / "x.md").write_text(
        "# Evil\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[link](javascript:alert(3))\n"
    )
    sync_target(str(tmp_path / "evil"))
    html = Document.objects.get(key="x.md").html
    assert "<script" not in html and "onerror" not in html
    # markdown-it refuses the javascript: link, leaving its text as text: no link is made.
    assert "href=" not in html and "[link](javascript:alert(3))" in html
    snippet = search_run(user=None, query="alert").hits[0].highlights
    assert "<script" not in snippet and "onerror" not in snippet


def test_git_url_is_cloned_then_fetched(tmp_path, settings):
    origin = docs_repo(tmp_path / "origin")
    url = f"file://{origin.path}"
    run = sync_target(url, slug="cloned")
    assert run.added == 4
    assert (settings.GLACIER_REPOS_DIR / "cloned" / ".git").exists()
    assert Project.objects.get(slug="cloned").repository == url
    origin.commit("more", files={"docs/new.md": "# Brand new page\n"})
    run = sync_target(url, slug="cloned")
    assert run.added == 1 and run.unchanged == 4


def test_bad_targets_raise_clear_errors(tmp_path):
    with pytest.raises(SyncError, match="no such directory"):
        sync_target(str(tmp_path / "missing"))
    with pytest.raises(SyncError, match="github:OWNER/NAME"):
        sync_target("github:not-a-repo")
    with pytest.raises(SyncError, match="git could not clone"):
        sync_target(f"file://{tmp_path}/nothing-here.git", slug="ghost")
    failed = SyncRun.objects.get(project__slug="ghost")
    assert failed.status == SyncRun.Status.FAILED and failed.errors[0]["error"].startswith(
        "git could not clone"
    )


def test_github_targets_dispatch_to_the_github_sync(monkeypatch):
    from kb.services import github_sync as github_sync_module
    from kb.services import sync

    calls = []

    def github_sync(*, project, full_name, sync_run=None):
        calls.append((project.slug, full_name))
        return SyncRun.objects.create(project=project, source="github", target=full_name)

    monkeypatch.setattr(github_sync_module, "github_sync", github_sync)
    run = sync_target("github:octo/widgets")
    assert calls == [("widgets", "octo/widgets")] and run.source == "github"
    project = Project.objects.get(slug="widgets")
    assert project.github_repo == "octo/widgets" and project.repository == ""
    # A project known only by its GitHub name syncs from GitHub when no target is given.
    sync.project_sync(project=project)
    assert calls[-1] == ("widgets", "octo/widgets")


def test_sync_finished_is_sent_on_commit_and_a_failing_receiver_is_only_logged(tmp_path, caplog):
    docs_repo(tmp_path / "widgets")
    received = []

    def good(sender, project, sync_run, **kw):
        received.append((project.slug, sync_run.status))

    def bad(sender, **kw):
        raise RuntimeError("receiver exploded")

    sync_finished.connect(good, weak=False)
    sync_finished.connect(bad, weak=False)
    try:
        with caplog.at_level(logging.ERROR, logger="kb.services.sync"):
            run = sync_target(str(tmp_path / "widgets"))
    finally:
        sync_finished.disconnect(good)
        sync_finished.disconnect(bad)
    assert received == [("widgets", SyncRun.Status.SUCCEEDED)]
    assert run.status == SyncRun.Status.SUCCEEDED
    assert "receiver exploded" in caplog.text


def test_task_wraps_the_service_and_ignores_missing_projects(tmp_path):
    docs_repo(tmp_path / "widgets")
    project = ProjectFactory(slug="w", name="W", repository=str(tmp_path / "widgets"))
    summary = sync_project.delay(project.pk).get(timeout=60)
    assert summary["added"] == 4 and summary["sync_run"] == SyncRun.objects.get().pk
    assert sync_project.delay(project.pk).get(timeout=60)["unchanged"] == 4  # safe to run twice
    assert sync_project.delay(987654).get(timeout=60) is None


def test_project_sync_without_repository_is_an_error():
    project = Project.objects.create(slug="empty", name="Empty")
    with pytest.raises(SyncError, match="no repository"):
        project_sync(project=project)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_syncs_leave_exactly_one_copy(tmp_path):
    repo = docs_repo(tmp_path / "widgets")
    for n in range(30):
        repo.write(f"docs/page{n}.md", f"# Page {n}\n\nConcurrent body {n}\n")
    repo.commit("many pages")
    project = ProjectFactory(slug="widgets", name="Widgets", repository=str(repo.path))
    errors, barrier = [], threading.Barrier(2)

    def run():
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=30)
            project_sync(project=Project.objects.get(pk=project.pk))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert Document.objects.filter(project=project).count() == 34
    assert Document.objects.values("key").distinct().count() == 34
    runs = list(SyncRun.objects.filter(project=project).order_by("pk"))
    assert [r.added for r in runs] == [34, 0] and runs[1].unchanged == 34
    assert get_search_backend().status()["documents"] == 34
    assert search_run(user=None, query="concurrent body", page_size=50).count == 30


def test_one_transaction_indexes_in_one_write(tmp_path, monkeypatch):
    repo = docs_repo(tmp_path / "widgets")
    for n in range(12):
        repo.write(f"docs/extra{n}.md", f"# Extra {n}\n")
    repo.commit("extras")
    backend = get_search_backend()
    writes = []
    original = backend.index
    monkeypatch.setattr(backend, "index", lambda entries: writes.append(1) or original(entries))
    from kb.services import documents

    monkeypatch.setattr(
        documents.documents_upsert,
        "__kwdefaults__",
        {**documents.documents_upsert.__kwdefaults__, "batch_size": 5},
    )
    run = sync_target(str(repo.path))
    assert run.added == 16 and writes == [1]
    assert backend.status()["documents"] == 16


def test_sync_refuses_a_local_row_nobody_approved_and_records_why(tmp_path):
    (tmp_path / "server").mkdir()
    (tmp_path / "server" / "env.txt").write_text("DB_PASSWORD=hunter2\n")
    # As a row written before the repository policy, or straight through the ORM.
    project = Project.objects.create(slug="sneaky", name="Sneaky", repository=str(tmp_path / "server"))
    with pytest.raises(SyncError, match="Refused to sync .*Only staff"):
        project_sync(project=project)
    run = SyncRun.objects.get(project=project)
    assert run.status == SyncRun.Status.FAILED and run.finished_at is not None
    assert "Only staff" in run.errors[0]["error"]
    assert not Document.objects.filter(project=project).exists()
    summary = sync_project.delay(project.pk).get(timeout=60)
    assert summary["status"] == "failed" and "Only staff" in summary["error"]
    assert not SyncRun.objects.filter(status=SyncRun.Status.RUNNING).exists()


def test_sync_refuses_forbidden_urls_on_rows_nobody_approved(tmp_path, settings):
    origin = docs_repo(tmp_path / "origin")
    for n, url in enumerate([f"file://{origin.path}", "http://127.0.0.1:6379/x.git", "https://[::1]/x.git"]):
        project = Project.objects.create(slug=f"p{n}", name=f"P{n}", repository=url)
        with pytest.raises(SyncError, match="Refused"):
            project_sync(project=project)
    assert not any((settings.GLACIER_REPOS_DIR / f"p{n}").exists() for n in range(3))
    assert not Document.objects.exists()


def test_task_answers_a_project_without_repository_without_a_run():
    project = Project.objects.create(slug="empty", name="Empty")
    summary = sync_project.delay(project.pk).get(timeout=60)
    assert summary["status"] == "failed" and "no repository" in summary["error"]
    assert not SyncRun.objects.exists()


def test_git_refuses_the_file_transport_unless_the_target_was_approved(tmp_path):
    from kb.services import sync
    from kb.services.repository_policy import RepositorySource

    origin = docs_repo(tmp_path / "origin")
    url = f"file://{origin.path}"
    untrusted = RepositorySource(target=url, is_local=False)
    with pytest.raises(SyncError, match="git could not clone .*transport is not allowed"):
        sync._git(["clone", "--quiet", "--", url, str(tmp_path / "a")], source=untrusted, what=f"clone {url}")
    assert not (tmp_path / "a").exists()
    trusted = RepositorySource(target=url, is_local=False, trusted=True)
    sync._git(["clone", "--quiet", "--", url, str(tmp_path / "b")], source=trusted, what=f"clone {url}")
    assert (tmp_path / "b" / "docs" / "guide.md").exists()


@pytest.fixture
def chatty_git_server():
    """An http server on 127.0.0.1 whose git answer is an error quoting something internal."""
    import http.server

    secret = "INTERNAL-SECRET requirepass hunter2"

    def pkt(line: str) -> bytes:
        return f"{len(line) + 4:04x}{line}".encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = pkt("# service=git-upload-pack\n") + b"0000" + pkt(f"ERR {secret}\n")
            self.send_response(200)
            self.send_header("Content-Type", "application/x-git-upload-pack-advertisement")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/x.git", secret
    finally:
        server.shutdown()
        server.server_close()


def test_a_failed_clone_stores_a_short_reason_not_the_remote_answer(chatty_git_server, caplog):
    url, secret = chatty_git_server
    # The operator may sync a plain-http URL (trusted); what the server said still stays out of the run.
    with caplog.at_level(logging.WARNING, logger="kb.services.sync"):
        with pytest.raises(SyncError, match="git could not clone") as raised:
            sync_target(url, slug="chatty")
    assert "INTERNAL-SECRET" in caplog.text  # the operator's log keeps the detail
    assert "INTERNAL-SECRET" not in str(raised.value)
    run = SyncRun.objects.get(project__slug="chatty")
    assert run.status == SyncRun.Status.FAILED
    assert run.errors[0]["error"].startswith(f"git could not clone {url}: ")
    assert "INTERNAL-SECRET" not in str(run.errors) and "hunter2" not in str(run.errors)


def test_a_changed_repository_is_cloned_afresh_not_fetched_from_the_old_origin(tmp_path, settings):
    first = docs_repo(tmp_path / "first")
    second = GitRepo(tmp_path / "second")
    second.commit("other", files={"README.md": "# Second project\n"})
    sync_target(f"file://{first.path}", slug="moving")
    run = sync_target(f"file://{second.path}", slug="moving")
    assert run.deleted == 3
    assert list(Document.objects.filter(project__slug="moving").values_list("title", flat=True)) == [
        "Second project"
    ]


def test_git_connects_to_the_pinned_addresses_not_to_a_fresh_lookup(chatty_git_server, tmp_path, caplog):
    from kb.services import sync
    from kb.services.repository_policy import RepositorySource

    url, _secret = chatty_git_server
    port = int(url.split(":")[2].split("/")[0])
    unresolvable = f"http://pinned.invalid:{port}/x.git"
    pinned = RepositorySource(
        target=unresolvable, is_local=False, trusted=True, pins=(("pinned.invalid", port, ("127.0.0.1",)),)
    )
    with caplog.at_level(logging.WARNING, logger="kb.services.sync"):
        with pytest.raises(SyncError, match="git could not clone"):
            sync._git(
                ["clone", "--quiet", "--", unresolvable, str(tmp_path / "c")], source=pinned, what="clone"
            )
    # The name does not resolve, so only the pin can have taken git to the server.
    assert "INTERNAL-SECRET" in caplog.text


def test_what_the_policy_checked_as_a_url_is_cloned_never_read_as_a_path(tmp_path, monkeypatch):
    from kb.services import repository_policy, sync

    monkeypatch.setattr(repository_policy, "resolve_host", lambda host, port: ["140.82.112.3"])
    calls = []

    def fake_git(args, *, source, what):
        calls.append((args, source.protocols))
        raise SyncError(f"git could not {what}: stopped by the test")

    monkeypatch.setattr(sync, "_git", fake_git)
    url = "git@github.com:acme/wid+x.git"  # not the command line's idea of a git URL, but a remote
    project = Project.objects.create(slug="odd", name="Odd", repository=url)
    with pytest.raises(SyncError, match="stopped by the test"):
        project_sync(project=project)
    assert calls == [
        (["clone", "--quiet", "--", url, str(sync.settings.GLACIER_REPOS_DIR / "odd")], ("https", "ssh"))
    ]


def test_a_file_over_the_render_limits_is_skipped_with_its_reason_and_keeps_its_last_version(tmp_path):
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "good.md").write_text("# Good\n\nfine\n")
    (tmp_path / "proj" / "bomb.md").write_text("# Bomb\n\nharmless for now\n")
    first = sync_target(str(tmp_path / "proj"))
    assert first.added == 2
    (tmp_path / "proj" / "bomb.md").write_text("[" * 200_000 + "x" + "]" * 200_000)
    (tmp_path / "proj" / "good.md").write_text("# Good\n\nbetter\n")
    run = sync_target(str(tmp_path / "proj"))
    assert (run.status, run.updated, run.skipped) == (SyncRun.Status.SUCCEEDED, 1, 1)
    [skip] = run.skips
    assert skip["path"] == "bomb.md" and "too much Markdown markup" in skip["reason"]
    assert Document.objects.get(key="bomb.md").body == "# Bomb\n\nharmless for now\n"
    assert "better" in Document.objects.get(key="good.md").html


def test_a_file_over_the_render_time_budget_is_skipped_and_the_rest_stored(tmp_path, settings):
    settings.GLACIER_RENDER_BUDGET_SECONDS = 0.3
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "slow.md").write_text("![" * 19_000)  # within the markup limit, seconds of work
    for n in range(3):
        (tmp_path / "proj" / f"p{n}.md").write_text(f"# P{n}\n")
    run = sync_target(str(tmp_path / "proj"))
    assert (run.status, run.added, run.skipped) == (SyncRun.Status.SUCCEEDED, 3, 1)
    assert run.skips[0]["path"] == "slow.md" and "time budget" in run.skips[0]["reason"]
    assert not Document.objects.filter(key="slow.md").exists()
