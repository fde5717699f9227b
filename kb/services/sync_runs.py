"""The per-project sync lock, and what a sync does first once it holds it.

One lock per (project, source): two syncs of the same source run one after the
other. The lock dies with its process, so a killed sync never blocks the next:

* PostgreSQL: a session advisory lock (pg_try_advisory_lock), held by the
  connection rather than by a transaction, so a long sync is never "idle in
  transaction" and the server drops the lock when the client's connection goes.
  Good across hosts.
* Elsewhere (SQLite): a threading lock for the threads of this process plus an
  flock on a file under GLACIER_REPOS_DIR/.locks, which the kernel releases when
  the process dies.

Holding the lock also proves that no other sync of that source is alive, so a
SyncRun still "running" for it was left by a process that died:
`runs_interrupted_fail` marks those failed (and `runs_interrupted_sweep`, run
by Celery beat, does the same between syncs). Before it records its final
status, a sync checks the project's search index against the database
(`run_index_repair`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from kb.models import Project, SyncRun
from kb.search.backends.base import SearchUnavailable
from kb.services.search_index import index_writes_queued, project_index_repair
from kb.utils import exclusive_file_lock

LOCK_TIMEOUT_SECONDS = 3600
INTERRUPTED_MESSAGE = "interrupted: the process running this sync died before it finished"
POLL_SECONDS = 0.1

_thread_locks: dict[tuple[int, str], threading.Lock] = {}
_thread_locks_guard = threading.Lock()


class SyncError(Exception):
    """A sync could not run (bad target, clone failed, lock busy...). The message is meant for the user."""


@contextmanager
def project_lock(
    project: Project,
    *,
    source: str,
    timeout: float = LOCK_TIMEOUT_SECONDS,
    on_timeout: Callable[[], Exception] | None = None,
) -> Iterator[None]:
    """Hold the (project, source) sync lock; wait at most `timeout` seconds, then raise SyncError."""
    on_timeout = on_timeout or (
        lambda: SyncError(f"Another {source} sync of {project.slug} has held the lock for over an hour.")
    )
    if connection.vendor == "postgresql":
        with _advisory_lock(f"glacier:sync:{source}:{project.pk}", timeout=timeout, on_timeout=on_timeout):
            yield
        return
    with _thread_locks_guard:
        thread_lock = _thread_locks.setdefault((project.pk, source), threading.Lock())
    if not thread_lock.acquire(timeout=timeout):
        raise on_timeout()
    try:
        with exclusive_file_lock(
            Path(settings.GLACIER_REPOS_DIR) / ".locks" / f"project-{project.pk}-{source}.lock",
            timeout=timeout,
            on_timeout=on_timeout,
            poll=POLL_SECONDS,
        ):
            yield
    finally:
        thread_lock.release()


@contextmanager
def _advisory_lock(name: str, *, timeout: float, on_timeout: Callable[[], Exception]) -> Iterator[None]:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [name])
            if cursor.fetchone()[0]:
                break
            if time.monotonic() > deadline:
                raise on_timeout()
            time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        # A session lock survives a rolled-back transaction, so it is released explicitly
        # (a persistent connection would otherwise keep it after the sync).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [name])


def runs_interrupted_fail(*, project: Project, source: str, exclude_pk: int | None = None) -> int:
    """Mark failed the project's runs of `source` still "running": call only while holding its lock."""
    stale = SyncRun.objects.filter(project=project, source=source, status=SyncRun.Status.RUNNING)
    if exclude_pk is not None:
        stale = stale.exclude(pk=exclude_pk)
    return stale.update(
        status=SyncRun.Status.FAILED,
        finished_at=timezone.now(),
        errors=[{"item": "sync", "error": INTERRUPTED_MESSAGE}],
    )


def runs_interrupted_sweep() -> int:
    """Fail the runs whose (project, source) lock nobody holds: their process died.

    The periodic twin of what each sync does first. One query when nothing is running;
    a lock that is held (a live sync) is skipped at once, never waited for.
    """
    failed = 0
    running = SyncRun.objects.filter(status=SyncRun.Status.RUNNING).values_list("project_id", "source")
    for project_id, source in sorted(set(running)):
        project = Project.objects.filter(pk=project_id).first()
        if project is None:
            continue
        try:
            with project_lock(project, source=source, timeout=0):
                failed += runs_interrupted_fail(project=project, source=source)
        except SyncError:
            continue  # held: that run is alive
    return failed


def run_index_repair(sync_run: SyncRun) -> list[dict]:
    """Verify and repair the project's index entries; set sync_run.repaired (unsaved) and return warnings.

    Called after the sync's own writes and before its final status is saved, so that a run
    killed anywhere before that stays "running" and is failed by the next sync. An
    unreadable index does not fail the sync (the documents are stored): it becomes a
    warning that tells the operator to rebuild it.

    When index writes go through the `index` queue, the sync's own entries are not written
    yet at this point: the check is queued behind them once the run has finished
    (`sync_run_index_repair`, from the sync_finished receiver in kb/apps.py).
    """
    if index_writes_queued():
        return []
    try:
        sync_run.repaired = project_index_repair(project=sync_run.project).total
    except SearchUnavailable as exc:
        return [{"item": "search index", "error": str(exc), "level": "warning"}]
    return []


def sync_run_index_repair(*, sync_run: SyncRun) -> int:
    """The queued form of `run_index_repair`, run by the `index` worker after the sync finished.

    Stores how many entries it fixed on the run; an unreadable index is added to the run's
    errors as a warning (the run's status, already final, is kept).
    """
    try:
        repaired = project_index_repair(project=sync_run.project).total
    except SearchUnavailable as exc:
        errors = [*sync_run.errors, {"item": "search index", "error": str(exc), "level": "warning"}]
        SyncRun.objects.filter(pk=sync_run.pk).update(errors=errors)
        return 0
    SyncRun.objects.filter(pk=sync_run.pk).update(repaired=repaired)
    return repaired
