"""SIGKILL at several points of a real `manage.py kb sync`, then a re-run: the end state must
equal an uninterrupted sync's (same documents, every one found by search, no duplicate and
no orphan in the index) and the killed run must be marked failed.

Each case runs real processes on a database of its own (a migrated SQLite file copied per
test, or a PostgreSQL database made from a migrated template), with the kill requested
through the GLACIER_TEST_KILL_AT hook (kb.utils.kill_point_for_tests).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.conftest import REPO_ROOT, require_service
from tests.kb.gitrepo import GitRepo

PROCESS_TIMEOUT = 180  # a re-run blocked by a lock the dead process kept would hit this
FILES = 24
KILL_POINTS = ["before_commit", "after_db_commit", "mid_index"]

STATE_SCRIPT = """
import json
from kb.models import Document, SyncRun
from kb.search import get_search_backend
from kb.search.backends.base import SearchUnavailable
from kb.services.search import search_run

docs = list(Document.objects.filter(project__slug="corpus").values_list("pk", "key", "sha256"))
found = {}
for pk, key, _ in docs:
    word = "marker" + key.split("-")[-1].split(".")[0] + "word"
    try:
        found[key] = [hit.uid for hit in search_run(user=None, query=word, unrestricted=True, via="cli").hits]
    except SearchUnavailable:
        found[key] = None
print(json.dumps({
    "documents": sorted([key, sha] for _, key, sha in docs),
    "uids": {key: f"doc:{pk}" for pk, key, _ in docs},
    "index": sorted(get_search_backend().stamps("corpus")),
    "found": found,
    "runs": list(SyncRun.objects.filter(project__slug="corpus").order_by("pk").values_list("status", "errors")),
}))
"""


def corpus_repo(path: Path) -> GitRepo:
    repo = GitRepo(path)
    repo.commit(
        "Docs",
        files={
            f"docs/page-{n:03d}.md": f"# Page {n}\n\nThis page explains marker{n:03d}word and shared topics.\n"
            for n in range(FILES)
        },
    )
    return repo


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_", "GLACIER_"))}
    return {**env, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(REPO_ROOT)}


def manage(env: dict, *args: str, kill_at: str | None = None) -> subprocess.CompletedProcess:
    run_env = {**env, **({"GLACIER_TEST_KILL_AT": kill_at} if kill_at else {})}
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / "manage.py"), *args],
        env=run_env, capture_output=True, text=True, timeout=PROCESS_TIMEOUT, check=False,
    )  # fmt: skip


def _state(env: dict) -> dict:
    proc = manage(env, "shell", "-c", STATE_SCRIPT)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


class Installation:
    """One throwaway Glacier: database, index and repos directories, run as subprocesses."""

    def __init__(self, env: dict, root: Path):
        self.root = root
        self.env = {
            **env,
            "GLACIER_INDEX_DIR": str(root / "index"),
            "GLACIER_REPOS_DIR": str(root / "repos"),
        }

    def sync(self, repo: GitRepo, *, kill_at: str | None = None) -> subprocess.CompletedProcess:
        return manage(
            self.env, "kb", "sync", str(repo.path), "--project", "corpus", "--no-progress", kill_at=kill_at
        )

    def state(self) -> dict:
        return _state(self.env)


# Database makers: a migrated template once per module, a fresh copy per test.


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory):
    root = tmp_path_factory.mktemp("sqlite-template")
    env = {**_base_env(), "DATABASE_URL": f"sqlite:///{root / 'template.sqlite3'}"}
    proc = manage(env, "migrate", "--no-input", "-v", "0")
    assert proc.returncode == 0, proc.stderr
    return root / "template.sqlite3"


def _pg_admin():
    import psycopg

    db = django_settings.DATABASES["default"]
    return psycopg.connect(
        host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432, user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None, dbname="postgres", autocommit=True,
    )  # fmt: skip


def _pg_url(name: str) -> str:
    db = django_settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db.get('USER') or 'postgres'}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


@pytest.fixture(scope="module")
def postgres_template(django_db_blocker):
    with django_db_blocker.unblock():  # only to ask whether the server answers
        require_service("postgres")
    name = f"glacier_kill_tmpl_{uuid.uuid4().hex[:8]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {**_base_env(), "DATABASE_URL": _pg_url(name)}
        proc = manage(env, "migrate", "--no-input", "-v", "0")
        assert proc.returncode == 0, proc.stderr
        yield name
    finally:
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(
    params=[
        pytest.param("embedded", id="sqlite-whoosh"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.services),
    ]
)
def installation_factory(request, tmp_path):
    """Makes fresh installations of one kind: SQLite + Whoosh, or PostgreSQL + its search backend."""
    made: list[str] = []

    def make(label: str) -> Installation:
        root = tmp_path / label
        root.mkdir()
        if request.param == "embedded":
            template = request.getfixturevalue("sqlite_template")
            shutil.copy(template, root / "db.sqlite3")
            env = {**_base_env(), "DATABASE_URL": f"sqlite:///{root / 'db.sqlite3'}"}
        else:
            template = request.getfixturevalue("postgres_template")
            name = f"glacier_kill_{uuid.uuid4().hex[:8]}"
            with _pg_admin() as admin:
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            made.append(name)
            env = {
                **_base_env(), "DATABASE_URL": _pg_url(name), "GLACIER_SEARCH_BACKEND": "kb.search.backends.postgres",
            }  # fmt: skip
        return Installation(env, root)

    yield make
    if made:
        with _pg_admin() as admin:
            for name in made:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def comparable(state: dict) -> dict:
    """What must match an uninterrupted sync: documents and, for each, the one search hit."""
    return {
        "documents": state["documents"],
        "found_exactly_itself": sorted(k for k, uids in state["found"].items() if uids == [state["uids"][k]]),
        "index_is_the_documents": state["index"] == sorted(state["uids"].values()),
    }


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return corpus_repo(tmp_path_factory.mktemp("corpus") / "corpus")


_references: dict[str, dict] = {}


@pytest.fixture
def reference(installation_factory, repo, request):
    """The end state of an uninterrupted sync of the corpus (once per kind of installation)."""
    kind = request.node.callspec.params["installation_factory"]
    if kind not in _references:
        clean = installation_factory("clean")
        proc = clean.sync(repo)
        assert proc.returncode == 0, proc.stderr
        state = comparable(clean.state())
        assert len(state["documents"]) == FILES
        assert state["index_is_the_documents"] is True and len(state["found_exactly_itself"]) == FILES
        _references[kind] = state
    return repo, _references[kind]


@pytest.mark.parametrize("kill_at", KILL_POINTS)
def test_a_sync_killed_anywhere_is_repaired_by_the_next_run(kill_at, reference, installation_factory):
    repo, expected = reference
    victim = installation_factory("victim")
    killed = victim.sync(repo, kill_at=kill_at)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    damaged = victim.state()
    if kill_at != "before_commit":  # the documents committed but the index lacks some of them
        assert damaged["documents"] == expected["documents"]
        assert comparable(damaged)["index_is_the_documents"] is False
    else:  # nothing of the sync's transaction survived
        assert damaged["documents"] == []

    rerun = victim.sync(repo)  # would time out if the dead process still held the project lock
    assert rerun.returncode == 0, rerun.stderr
    repaired = victim.state()
    assert comparable(repaired) == expected
    runs = repaired["runs"]
    assert [status for status, _ in runs] == ["failed", "succeeded"]
    assert "interrupted" in runs[0][1][0]["error"]
    if kill_at != "before_commit":
        assert re.search(rf"^Unchanged +{FILES}$", rerun.stdout, re.MULTILINE), rerun.stdout
        assert int(re.search(r"^Index repaired +(\d+)$", rerun.stdout, re.MULTILINE)[1]) > 0
