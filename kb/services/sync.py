"""Syncing a project's repository documentation into the knowledge base.

`sync_target` is what the command line calls with whatever the user typed (a
path, a git URL or "github:OWNER/NAME"); `project_sync` is the service for a
project that already exists (the Celery task calls it). Both return the
SyncRun that records counts, skips with reasons, warnings and errors.

Concurrency and crashes: a sync holds a per-project lock from start to finish
(kb/services/sync_runs.py), so two syncs of the same project run one after the
other and the second finds nothing to do. The lock dies with its process; the
next sync marks a run the dead process left "running" as failed, and checks the
project's search index against the database, repairing what a kill between the
commit and the index write left behind. The document upsert is an
INSERT ... ON CONFLICT as well, so even without the lock no row is duplicated.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from kb.models import Document, Project, SyncRun
from kb.selectors import sync_run_changed
from kb.services.document_links import (
    LINKS_VERSION,
    REFERENCED_FILE_MAX_BYTES,
    document_links_refresh,
    repository_files_fetch_referenced,
    repository_files_sync,
)
from kb.services.documents import documents_delete_missing, documents_upsert
from kb.services.repository_policy import RepositoryPolicyError, RepositorySource, repository_check_for_sync
from kb.services.sync_runs import SyncError, project_lock, run_index_repair, runs_interrupted_fail
from kb.signals import sync_finished
from kb.sources.git import remote_web_url
from kb.sources.local import LocalTree, Progress, other_file_entries, read_file_bytes, read_local_tree
from kb.utils import kill_point_for_tests

logger = logging.getLogger(__name__)

GIT_TIMEOUT_SECONDS = 600
_GITHUB_TARGET = re.compile(r"^github:(?P<owner>[A-Za-z0-9_.-]+)/(?P<name>[A-Za-z0-9_.-]+)$")
_SCP_LIKE_GIT = re.compile(r"^[\w.-]+@[\w.-]+:[\w./~-]+$")  # git@github.com:owner/name.git


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
        # Imported here, not at module level: PyGithub (with cryptography, jwt) costs every
        # process that loads this module, local syncs and `manage.py kb --help` included.
        from kb.services.github_sync import github_sync

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
        from kb.services.github_sync import github_sync

        return github_sync(project=project, full_name=f"{github['owner']}/{github['name']}")
    failure: Exception | None = None
    with project_lock(project, source=Document.Source.LOCAL):
        runs_interrupted_fail(project=project, source=Document.Source.LOCAL)
        sync_run = SyncRun.objects.create(project=project, source=Document.Source.LOCAL, target=target)
        try:
            checkout = _checkout(project=project, target=target)
            tree = read_local_tree(checkout, max_bytes=settings.GLACIER_MAX_FILE_BYTES, progress=progress)
        except (SyncError, OSError, subprocess.SubprocessError) as exc:
            errors = [{"item": target, "error": str(exc)}]
            failure = exc
        else:
            try:
                errors = _store(sync_run, tree)  # its commit indexes what changed (on_commit)
            except Exception as exc:
                # An unexpected error must not leave the run "running": record it, then raise.
                _finish(sync_run, status=SyncRun.Status.FAILED, errors=[{"item": target, "error": repr(exc)}])
                raise
        errors += run_index_repair(sync_run)
        # The run stays "running" until here: killed any earlier, the next sync marks it failed.
        if failure is not None:
            status = SyncRun.Status.FAILED
        else:
            status = SyncRun.Status.PARTIAL if errors else SyncRun.Status.SUCCEEDED
        _finish(sync_run, status=status, errors=errors)
    if failure is not None:
        raise SyncError(str(failure)) from failure
    return sync_run


@transaction.atomic
def _store(sync_run: SyncRun, tree: LocalTree) -> list[dict]:
    """Write what was read, with the run's counts; return the warnings.

    Files skipped this time keep their last good version (nothing is lost).
    """
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
    if tree.origin_url and remote_web_url(tree.origin_url):  # where readers open the upstream files
        sync_run.cursor["upstream"] = remote_web_url(tree.origin_url)
    errors = [
        {"item": w["path"], "line": w["line"], "error": w["error"], "level": "warning"} for w in tree.warnings
    ]
    _refresh_links(sync_run, tree, changed_ids=result.added + result.updated)
    sync_run.save(update_fields=["added", "updated", "unchanged", "deleted", "skipped", "skips", "cursor"])
    kill_point_for_tests("before_commit")
    return errors


def _refresh_links(sync_run: SyncRun, tree: LocalTree, *, changed_ids: list[int]) -> None:
    """Files and links follow the tree, only when it changed (a plain folder has no head to tell).

    The run's cursor records LINKS_VERSION: a project whose last good sync predates it (an
    upgraded installation) has every document's links computed once, changed or not.
    """
    project = sync_run.project
    previous = (
        SyncRun.objects.filter(
            project=project, source=Document.Source.LOCAL,
            status__in=[SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL],
        )
        .exclude(pk=sync_run.pk)
        .order_by("-pk")
        .values_list("cursor", flat=True)
        .first()
    ) or {}  # fmt: skip
    links_current = previous.get("links") == LINKS_VERSION
    sync_run.cursor["links"] = LINKS_VERSION
    if links_current and tree.has_git and not sync_run_changed(sync_run=sync_run):
        return
    files_changed = repository_files_sync(
        project=project, source=Document.Source.LOCAL, entries=other_file_entries(tree)
    )
    if not links_current:
        document_links_refresh(project=project)
    elif changed_ids or sync_run.deleted or files_changed:
        document_links_refresh(project=project, document_ids=changed_ids)
    else:
        return
    repository_files_fetch_referenced(
        project=project,
        source=Document.Source.LOCAL,
        read=lambda path: read_file_bytes(tree.root, path, max_bytes=REFERENCED_FILE_MAX_BYTES),
    )


def _finish(sync_run: SyncRun, *, status: str, errors: list[dict]) -> None:
    with transaction.atomic():
        sync_run.status = status
        sync_run.errors = errors
        sync_run.finished_at = timezone.now()
        sync_run.save(update_fields=["status", "errors", "finished_at", "repaired"])
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
    if repository:
        # The operator typed this target: it is theirs to vouch for (kb.services.repository_policy).
        wanted["repository_approved"] = repository
    project, created = Project.objects.get_or_create(slug=slug, defaults={"name": slug_source, **wanted})
    changed = [name for name, value in wanted.items() if getattr(project, name) != value]
    if not created and changed:
        for name in changed:
            setattr(project, name, wanted[name])
        project.save(update_fields=[*changed, "updated_at"])
    return project


def _checkout(*, project: Project, target: str) -> Path:
    """A directory to read: the local path itself, or a clone under GLACIER_REPOS_DIR kept up to date.

    The repository policy is asked first, every time: the row may predate it or have been
    written around it, and a host's addresses may have changed since it was saved.
    """
    try:
        source = repository_check_for_sync(project=project, target=target)
    except RepositoryPolicyError as exc:
        raise SyncError(f"Refused to sync {target}: {exc}") from exc
    if source.is_local:  # the policy's answer, so what was checked as a URL is never read as a path
        path = Path(target).expanduser()
        if not path.is_dir():
            raise SyncError(f"{target}: no such directory.")
        return path
    clone = Path(settings.GLACIER_REPOS_DIR) / project.slug
    if (clone / ".git").exists() and _origin_url(clone) != target:
        # The project now names another repository: fetch only ever from the URL just checked.
        shutil.rmtree(clone)
    if (clone / ".git").exists():
        _git(["-C", str(clone), "fetch", "--prune", "origin"], source=source, what=f"fetch {target}")
        _git(
            ["-C", str(clone), "reset", "--hard", "--quiet", "@{upstream}"],
            source=source,
            what=f"update {target}",
        )
    else:
        clone.parent.mkdir(parents=True, exist_ok=True)
        _git(["clone", "--quiet", "--", target, str(clone)], source=source, what=f"clone {target}")
    return clone


def _origin_url(clone: Path) -> str:
    proc = subprocess.run(
        ["git", "-C", str(clone), "config", "--get", "remote.origin.url"],
        capture_output=True, text=True, check=False, timeout=60, env=_GIT_ENV,
    )  # fmt: skip
    return proc.stdout.strip()


# No HOME, so no user git config; never a prompt (git's or ssh's) waiting for a terminal.
_GIT_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_SSH_COMMAND": "ssh -o BatchMode=yes",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
}
# What a failed git run is reported as: the raw stderr can quote a remote server's answer
# (the issue saw Redis's), so the sync run keeps a short reason and the log keeps the rest.
_GIT_FAILURES = [
    (re.compile(r"could not resolve host|name or service not known", re.I), "the host could not be resolved"),
    (re.compile(r"connection refused|connection timed out|couldn't connect|network is unreachable", re.I),
     "the host could not be reached"),
    (re.compile(r"authentication failed|permission denied|could not read username", re.I),
     "access was denied (is the repository public, or are credentials configured?)"),
    (re.compile(r"not found|does not appear to be a git repository|does not exist", re.I),
     "no repository there"),
    (re.compile(r"redirect", re.I), "the server redirected elsewhere (redirects are not followed)"),
    (re.compile(r"not allowed|transport .* not allowed", re.I), "that transport is not allowed"),
]  # fmt: skip


def _git(args: list[str], *, source: RepositorySource, what: str) -> None:
    options = ["-c", "protocol.allow=never"]
    for protocol in source.protocols:
        options += ["-c", f"protocol.{protocol}.allow=always"]
    # Never follow an http redirect: it could lead to another host than the one checked.
    options += ["-c", "http.followRedirects=false", "-c", "core.hooksPath=/dev/null"]
    for host, port, addresses in source.pins:
        # Connect to the addresses just checked, not to whatever the name resolves to a moment later.
        listed = ",".join(f"[{a}]" if ":" in a else a for a in addresses)
        options += ["-c", f"http.curloptResolve={host}:{port}:{listed}"]
    try:
        proc = subprocess.run(
            ["git", *options, *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            env=_GIT_ENV,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise SyncError(f"git could not {what}: timed out after {GIT_TIMEOUT_SECONDS}s") from exc
    if proc.returncode != 0:
        detail = (proc.stderr.strip() or proc.stdout.strip())[:2000]
        logger.warning("git could not %s (exit %s): %s", what, proc.returncode, detail)
        reason = next((text for pattern, text in _GIT_FAILURES if pattern.search(detail)), None)
        raise SyncError(f"git could not {what}: {reason or f'git exited with status {proc.returncode}'}")
