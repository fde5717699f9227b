"""A sync process killed with SIGKILL mid-way resumes to the same end state (real processes, real commits)."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.github_stub import Fault, GitHubStub

from .conftest import seed

ROOT = Path(__file__).resolve().parents[3]
SYNC = (
    "from kb.models import Project; from kb.services.github_sync import github_sync; "
    "p, _ = Project.objects.get_or_create(slug='widgets', defaults={'name': 'Widgets', 'github_repo': 'acme/widgets'}); "
    "print(github_sync(project=p, full_name='acme/widgets', include_docs=False).status)"
)

INDEX_MATCHES_DATABASE = (
    "from kb.models import Document; from kb.search import get_search_backend; "
    "print(sorted(get_search_backend().stamps('widgets')) == "
    "sorted(f'doc:{pk}' for pk in Document.objects.values_list('pk', flat=True)))"
)


def manage(env, *args, **kwargs):
    return subprocess.Popen(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs,
    )  # fmt: skip


def test_sigkill_mid_sync_then_resume(tmp_path):
    with GitHubStub() as stub:
        repo = stub.add_repo("acme/widgets")
        seed(repo, issues=250, comments_per_issue=2)
        env = {
            # Embedded mode: with a broker, the index writes would wait for an `index` worker.
            **{name: value for name, value in os.environ.items() if not name.startswith("CELERY_")},
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "GLACIER_INDEX_DIR": str(tmp_path / "index"),
            "GITHUB_API_URL": stub.base_url,
            "GITHUB_TOKEN": "t",
            "GITHUB_TIMEOUT": "60",
        }
        assert manage(env, "migrate", "-v0").wait(timeout=120) == 0
        # The third page of comments hangs: the process is killed while waiting for it.
        stub.inject(Fault.slow(path=r"/issues/comments$", skip=2, delay=60))
        victim = manage(env, "shell", "-c", SYNC)
        db = sqlite3.connect(tmp_path / "db.sqlite3")

        def stored_comments() -> int:
            return db.execute("select count(*) from kb_document where kind = 'comment'").fetchone()[0]

        # Kill once two pages are committed and the third is hanging.
        deadline = time.monotonic() + 60
        while (
            stored_comments() < 199 or stub.count(r"/issues/comments$") < 3
        ) and time.monotonic() < deadline:
            assert victim.poll() is None, victim.communicate(timeout=5)
            time.sleep(0.05)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)

        assert stub.count(r"/issues/comments$") == 3
        assert db.execute("select count(*) from kb_document where kind = 'comment'").fetchone() == (
            100 + 99,
        )  # two pages, one overlap
        assert db.execute("select status from kb_syncrun").fetchall() == [("running",)]  # it never finished
        stub.faults.clear()
        stub.clear_log()

        resumed = manage(env, "shell", "-c", SYNC)
        out, err = resumed.communicate(timeout=120)
        assert resumed.returncode == 0, err
        assert out.strip().splitlines()[-1] == "succeeded"
        # The killed run is failed by the next sync, and every stored item is in the index.
        runs = db.execute("select status, errors from kb_syncrun order by id").fetchall()
        assert [status for status, _ in runs] == ["failed", "succeeded"]
        assert "interrupted" in runs[0][1]
        index_check = manage(env, "shell", "-c", INDEX_MATCHES_DATABASE)
        out, err = index_check.communicate(timeout=120)
        assert out.strip().splitlines()[-1] == "True", err

    issues = {f"issue/{n}" for n in repo.issues}
    comments = {f"comment/{c}" for c in repo.comments}
    keys = [key for (key,) in db.execute("select key from kb_document")]
    assert sorted(keys) == sorted(issues | comments)  # every item exactly once
    orphans = db.execute(
        "select count(*) from kb_document where kind = 'comment' and parent_id is null"
    ).fetchone()
    assert orphans == (0,)
    # Resumed from the high-water marks: issues were not listed from scratch.
    first_issue_request = next(r for r in stub.requests if r["path"].endswith("/issues"))
    assert "since" in first_issue_request["query"]
