"""Shared fixtures. Each test gets its own Whoosh index dir and repos dir.

Services (PostgreSQL, Redis, a Celery worker, Chromium) are checked with
`require_service`: outside CI a missing service skips the test with the reason;
under CI=true it fails it, so a broken CI machine can never pass by skipping.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.test import override_settings

from config.queues import DEFAULT as DEFAULT_QUEUE
from config.queues import queue_names
from kb.search import reset_search_backends

# The `smtp_sink` fixture: a real SMTP server on 127.0.0.1 for tests that send e-mail.
pytest_plugins = ["tests.smtp_sink"]

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_PATH = "/usr/bin/chromium"
WORKER_START_TIMEOUT_SECONDS = 60


@pytest.fixture(autouse=True)
def isolated_var_dirs(settings, tmp_path):
    settings.GLACIER_SEARCH_BACKENDS = {
        "default": {**settings.GLACIER_SEARCH_BACKENDS["default"], "INDEX_DIR": str(tmp_path / "index")}
    }
    settings.GLACIER_REPOS_DIR = tmp_path / "repos"
    reset_search_backends()
    yield
    reset_search_backends()


# Processes the tests start (a Celery worker, manage.py) are not under pytest: give them the
# development key explicitly, as settings refuse to start without one outside DEBUG.
os.environ.setdefault("DJANGO_SECRET_KEY", django_settings.SECRET_KEY)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttle counters live in the cache; one test's requests must not throttle the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def memory_search(settings):
    """Select the in-memory test backend (tests/search_double.py) for this test only."""
    settings.GLACIER_SEARCH_BACKENDS = {"default": {"BACKEND": "tests.search_double"}}
    reset_search_backends()
    yield
    reset_search_backends()


def running_under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def service_problem(name: str) -> str | None:
    """Why service `name` is unusable from this test run, or None when it is there."""
    if name == "postgres":
        from django.db import connection

        if connection.vendor != "postgresql":
            return f"DATABASE_URL does not point at PostgreSQL (database is {connection.vendor})"
        try:
            connection.ensure_connection()
        except Exception as exc:  # any driver error: the database is not reachable
            return f"PostgreSQL unreachable: {exc}"
        return None
    if name == "redis":
        url = django_settings.CELERY_BROKER_URL
        if not url.startswith(("redis://", "rediss://")):
            return "CELERY_BROKER_URL does not point at Redis"
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        except redis.RedisError as exc:
            return f"Redis unreachable: {exc}"
        finally:
            client.close()
        return None
    if name == "chromium":
        return None if os.access(CHROMIUM_PATH, os.X_OK) else f"{CHROMIUM_PATH} is not installed"
    if name == "markdown-link-check":
        if not shutil.which("node"):
            return "node is not installed"
        installed = (REPO_ROOT / "node_modules" / "markdown-link-check").is_dir()
        return None if installed else "node_modules/markdown-link-check is missing: run `npm ci`"
    raise ValueError(f"unknown service {name!r}")


def require_service(name: str) -> None:
    """Fail (under CI=true) or skip (elsewhere) the calling test when service `name` is missing."""
    problem = service_problem(name)
    if problem is None:
        return
    if running_under_ci():
        pytest.fail(f"required service {name!r} is missing under CI: {problem}", pytrace=False)
    pytest.skip(f"needs {name}: {problem}")


def require_binary(name: str, path: str | None) -> str:
    """`path` when it names an executable; else skip the test (fail it under CI=true)."""
    if path and os.access(path, os.X_OK):
        return path
    problem = f"{name} is not installed"
    if running_under_ci():
        pytest.fail(f"required binary {name!r} is missing under CI: {problem}", pytrace=False)
    pytest.skip(f"needs {name}: {problem}")


def _database_url_for_worker() -> str:
    """DATABASE_URL of the database this test session really uses (pytest-django's test_<name>)."""
    db = django_settings.DATABASES["default"]
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real `celery -A config worker` process on the session's test database and broker.

    Started once per session, waited for with a bounded timeout (a ping answered
    by this very worker), terminated at the end.
    """
    with django_db_blocker.unblock():
        require_service("postgres")
        require_service("redis")
    from config.celery import app

    var_dir = tmp_path_factory.mktemp("worker-var")
    session_id = uuid.uuid4().hex[:8]
    hostname = f"glacier-test-{session_id}@localhost"
    # Queues of this session's own (every queue of config/queues.py under a session prefix), so
    # the worker never picks up messages left in the broker by another run (and nobody else's
    # worker picks up ours). The worker consumes them all, the `index` queue included.
    prefix = f"glacier-test-{session_id}-"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url_for_worker(),
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
        "GLACIER_VAR_DIR": str(var_dir),
        "GLACIER_QUEUE_PREFIX": prefix,
        "PYTHONUNBUFFERED": "1",
    }
    log_path = var_dir / "worker.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "-n", hostname,
             "-Q", ",".join(queue_names(prefix))],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = prefix + DEFAULT_QUEUE
    queue_prefix = override_settings(GLACIER_QUEUE_PREFIX=prefix)  # read by config.queues.route_task
    queue_prefix.enable()
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"celery worker exited with {process.returncode}:\n{log_path.read_text()[-4000:]}"
                )
            replies = app.control.ping(destination=[hostname], timeout=1.0)
            if any(hostname in reply for reply in replies):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"celery worker did not answer within {WORKER_START_TIMEOUT_SECONDS}s")
        yield {"hostname": hostname, "log": log_path, "var_dir": var_dir}
    finally:
        queue_prefix.disable()
        app.conf.task_default_queue = previous_queue
        _stop_process_group(process)


def _stop_process_group(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@pytest.fixture
def chromium_path() -> str:
    require_service("chromium")
    return shutil.which(CHROMIUM_PATH) or CHROMIUM_PATH


# A real Chromium (Debian's /usr/bin/chromium) driven by Playwright against live_server.
# `playwright install` cannot download browsers here, so the system Chromium is launched by path;
# one browser per session, shared by every browser test (two sync_playwright loops cannot coexist).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
NAVIGATION_TIMEOUT_MS = 15_000

# Playwright's sync API runs an event loop in this thread; the tests still touch
# the ORM synchronously between browser steps, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium_browser():
    require_service("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser, live_server):
    """A fresh browser page whose relative URLs resolve against the live server."""
    context = chromium_browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(NAVIGATION_TIMEOUT_MS)
    browser_page = context.new_page()
    yield browser_page
    context.close()


@pytest.fixture(autouse=True)
def eager_celery(request):
    """Run .delay() calls in-process, even when a real broker is configured.

    Only tests that ask for the real `celery_worker` send tasks through the broker
    (set explicitly, so no earlier test's leftover setting can make them eager);
    everywhere else a task call would wait for a worker that is not listening.
    """
    from config.celery import app

    eager = "celery_worker" not in request.fixturenames
    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = eager
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous
