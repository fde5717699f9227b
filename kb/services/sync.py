"""Syncing a project's repository documentation into the knowledge base.

`sync_target` is what the command line calls with whatever the user typed (a
path, a git URL or "github:OWNER/NAME"); `project_sync` is the service for a
project that already exists (the Celery task calls it). Both return the
SyncRun that records counts, skips with reasons, warnings and errors.

Concurrency: a sync holds a per-project lock from start to finish, so two
syncs of the same project run one after the other and the second finds
nothing to do. On PostgreSQL the lock is a row lock on the Project
(select_for_update, good across hosts); elsewhere it is a process lock plus
an fcntl lock file, since SQLite has no row locks. The document upsert is an
INSERT ... ON CONFLICT as well, so even without the lock no row is duplicated.
"""

from __future__ import annotations

import logging
import re
import subprocess
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from kb.models import Document, Project, SyncRun
from kb.services.documents import documents_delete_missing, documents_upsert
from kb.services.github_sync import github_sync
from kb.signals import sync_finished
from kb.sources.local import LocalTree, Progress, read_local_tree
from kb.utils import exclusive_file_lock

logger = logging.getLogger(__name__)

GIT_TIMEOUT_SECONDS = 600
LOCK_TIMEOUT_SECONDS = 3600
_GITHUB_TARGET = re.compile(r"^github:(?P<owner>[A-Za-z0-9_.-]+)/(?P<name>[A-Za-z0-9_.-]+)$")
_SCP_LIKE_GIT = re.compile(r"^[\w.-]+@[\w.-]+:[\w./~-]+$")  # git@github.com:owner/name.git
_thread_locks: dict[int, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


class SyncError(Exception):
    """A sync could not run (bad target, clone failed...). The message is meant for the user."""


def is_git_url(target: str) -> bool:
    parsed = urlparse(target)
    if parsed.scheme in {"http", "https", "git", "ssh", "file"} and (
        parsed.netloc or parsed.scheme == "file"
    ):
        return True
    return bool(_SCP_LIKE_GIT.match(target))


def sync_target(target: str, *, slug: str | None = None, progress: Progress | None = None) -> SyncRun:
    """Sync whatever `target` names, creating its Project on first sync."""
    target = (target or "").strip()
    if not target:
        raise SyncError("Nothing to sync: give a path, a git URL or github:OWNER/NAME.")
    github = _GITHUB_TARGET.match(target)
    if github:
        full_name = f"{github['owner']}/{github['name']}"
        project = _project_for(slug or github["name"], github_repo=full_name)
        return github_sync(project=project, full_name=full_name)
    if target.startswith("github:"):
        raise SyncError(f"{target!r} is not of the form github:OWNER/NAME.")
    if is_git_url(target):
        name = re.sub(r"\.git$", "", target.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1])
        project = _project_for(slug or name, repository=target)
        return project_sync(project=project, target=target, progress=progress)
    path = Path(target).expanduser()
    if not path.is_dir():
        raise SyncError(f"{target}: no such directory (and not a git URL or github:OWNER/NAME).")
    path = path.resolve()
    project = _project_for(slug or path.name, repository=str(path))
    return project_sync(project=project, target=str(path), progress=progress)


def project_sync(*, project: Project, target: str | None = None, progress: Progress | None = None) -> SyncRun:
    """Bring the project's documents in step with `target` (default: its repository, else its GitHub repo)."""
    target = target or project.repository or (f"github:{project.github_repo}" if project.github_repo else "")
    if not target:
        raise SyncError(f"Project {project.slug} has no repository to sync.")
    github = _GITHUB_TARGET.match(target)
    if github:
        return github_sync(project=project, full_name=f"{github['owner']}/{github['name']}")
    failure: Exception | None = None
    with _project_lock(project):
        sync_run = SyncRun.objects.create(project=project, source=Document.Source.LOCAL, target=target)
        try:
            checkout = _checkout(project=project, target=target)
            tree = read_local_tree(checkout, max_bytes=settings.GLACIER_MAX_FILE_BYTES, progress=progress)
        except (SyncError, OSError, subprocess.SubprocessError) as exc:
            # Recorded inside the lock's transaction so the failed run is kept; raised after it.
            _finish(sync_run, status=SyncRun.Status.FAILED, errors=[{"item": target, "error": str(exc)}])
            failure = exc
        else:
            _store(sync_run, tree)
    if failure is not None:
        raise SyncError(str(failure)) from failure
    return sync_run


@transaction.atomic
def _store(sync_run: SyncRun, tree: LocalTree) -> None:
    """Write what was read. Files skipped this time keep their last good version (nothing is lost)."""
    project = sync_run.project
    result = documents_upsert(project=project, source=Document.Source.LOCAL, items=tree.items)
    deleted = documents_delete_missing(
        project=project,
        source=Document.Source.LOCAL,
        keep_keys={item.key for item in tree.items} | {skip["path"] for skip in tree.skips},
    )
    sync_run.added, sync_run.updated = len(result.added), len(result.updated)
    sync_run.unchanged, sync_run.deleted = result.unchanged, deleted
    skips = tree.skips + result.skips  # unreadable files, then files that could not be rendered
    sync_run.skipped, sync_run.skips = len(skips), skips
    sync_run.cursor = {"head": tree.head_sha} if tree.head_sha else {}
    errors = [
        {"item": w["path"], "line": w["line"], "error": w["error"], "level": "warning"} for w in tree.warnings
    ]
    _finish(sync_run, status=SyncRun.Status.PARTIAL if errors else SyncRun.Status.SUCCEEDED, errors=errors)


def _finish(sync_run: SyncRun, *, status: str, errors: list[dict]) -> None:
    with transaction.atomic():
        sync_run.status = status
        sync_run.errors = errors
        sync_run.finished_at = timezone.now()
        sync_run.save()
        transaction.on_commit(lambda: _announce(sync_run))


def _announce(sync_run: SyncRun) -> None:
    responses = sync_finished.send_robust(sender=SyncRun, project=sync_run.project, sync_run=sync_run)
    for receiver, response in responses:
        if isinstance(response, Exception):
            logger.error(
                "sync_finished receiver %r failed for %s",
                receiver,
                sync_run,
                exc_info=(type(response), response, response.__traceback__),
            )


def _project_for(slug_source: str, *, repository: str = "", github_repo: str = "") -> Project:
    """The project for a target, created on first sync; records where its content comes from."""
    slug = slugify(slug_source)[:100]
    if not slug:
        raise SyncError(f"Cannot make a project slug from {slug_source!r}; pass --project SLUG.")
    wanted = {
        name: value for name, value in (("repository", repository), ("github_repo", github_repo)) if value
    }
    project, created = Project.objects.get_or_create(slug=slug, defaults={"name": slug_source, **wanted})
    changed = [name for name, value in wanted.items() if getattr(project, name) != value]
    if not created and changed:
        for name in changed:
            setattr(project, name, wanted[name])
        project.save(update_fields=[*changed, "updated_at"])
    return project


def _checkout(*, project: Project, target: str) -> Path:
    """A directory to read: the local path itself, or a clone under GLACIER_REPOS_DIR kept up to date."""
    if not is_git_url(target):
        path = Path(target).expanduser()
        if not path.is_dir():
            raise SyncError(f"{target}: no such directory.")
        return path
    clone = Path(settings.GLACIER_REPOS_DIR) / project.slug
    if (clone / ".git").exists():
        _git(["-C", str(clone), "fetch", "--prune", "origin"], what=f"fetch {target}")
        _git(["-C", str(clone), "reset", "--hard", "--quiet", "@{upstream}"], what=f"update {clone}")
    else:
        clone.parent.mkdir(parents=True, exist_ok=True)
        _git(["clone", "--quiet", "--", target, str(clone)], what=f"clone {target}")
    return clone


def _git(args: list[str], *, what: str) -> None:
    try:
        proc = subprocess.run(
            ["git", *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            env={"GIT_TERMINAL_PROMPT": "0", "PATH": "/usr/local/bin:/usr/bin:/bin"},
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise SyncError(f"git could not {what}: timed out after {GIT_TIMEOUT_SECONDS}s") from exc
    if proc.returncode != 0:
        raise SyncError(f"git could not {what}: {proc.stderr.strip() or proc.stdout.strip()}")


@contextmanager
def _project_lock(project: Project):
    if connection.vendor == "postgresql":
        with transaction.atomic():
            # Held until this transaction ends; the inner atomics become savepoints, and
            # on_commit hooks (indexing, sync_finished) run after the lock is released.
            Project.objects.select_for_update().filter(pk=project.pk).first()
            yield
        return
    with _thread_locks_guard:
        thread_lock = _thread_locks.setdefault(project.pk, threading.Lock())
    if not thread_lock.acquire(timeout=LOCK_TIMEOUT_SECONDS):
        raise SyncError(f"Another sync of {project.slug} has been running for over an hour.")
    try:
        with exclusive_file_lock(
            Path(settings.GLACIER_REPOS_DIR) / ".locks" / f"project-{project.pk}.lock",
            timeout=LOCK_TIMEOUT_SECONDS,
            on_timeout=lambda: SyncError(f"Another sync of {project.slug} holds the lock."),
            poll=0.1,
        ):
            yield
    finally:
        thread_lock.release()
