"""GitHub ingest: issues, pull requests and their comments, and repository docs read through the API.

`github_sync` is the one entry point (the `kb sync github:OWNER/NAME` command,
the Celery task and webhooks all end here). It is incremental and resumable:

* Issues and comments are read as keyset listings (kb/sources/github.py), one
  page per transaction; the page's items and the project's high-water mark in
  GitHubSyncState commit together, so a sync killed anywhere resumes from what
  is really stored, and the (project, source, key) upsert makes any overlap
  harmless: every issue and comment ends up exactly once.
* Docs (only when the project has no local checkout): one branch call, and when
  the root tree changed, one recursive tree call and a blob fetch for each doc
  whose blob SHA differs from the one stored in Document.metadata["blob_sha"].
* Errors are values: a stream (issues, comments, docs) that fails after its
  retries is recorded on the SyncRun and the other streams still run.
  Rate limits wait for the reset (commands) or raise RateLimited so a Celery
  task can re-schedule itself for the reset time (workers).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kb.models import Document, GitHubSyncState, Project, SyncRun
from kb.services.document_links import FileEntry, document_links_refresh, repository_files_sync
from kb.services.documents import DocumentInput, UpsertResult, documents_delete_missing, documents_upsert
from kb.services.sync_runs import project_lock, run_index_repair, runs_interrupted_fail
from kb.signals import sync_finished
from kb.sources.base import classify_path, document_input, read_sidecar, sidecars_for
from kb.sources.github import (
    GitHubClient,
    GitHubError,
    Page,
    RateLimited,
    RetryPolicy,
)
from kb.sources.issues import comment_metadata, issue_metadata

logger = logging.getLogger(__name__)

SOURCE = Document.Source.GITHUB
_ISSUE_URL = re.compile(r"/issues/(\d+)/?$")
DOC_KINDS = [Document.Kind.DOC, Document.Kind.OWNERS]


@dataclass
class _Tally:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skips: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def add(self, result: UpsertResult) -> None:
        self.added += len(result.added)
        self.updated += len(result.updated)
        self.unchanged += result.unchanged
        self.skips += result.skips
        self.errors += [
            {"item": w["path"], "error": w["reason"], "level": "warning"} for w in result.warnings
        ]


def github_sync(
    *,
    project: Project,
    full_name: str,
    sync_run: SyncRun | None = None,
    wait_on_rate_limit: bool | None = None,
    include_docs: bool | None = None,
    progress: Callable[[str], None] | None = None,
) -> SyncRun:
    """Bring the project's GitHub items up to date with `full_name` ("owner/name").

    `wait_on_rate_limit` defaults to True, except inside a Celery worker, where a
    rate limit raises RateLimited (after the run is saved) so the task can
    re-schedule itself instead of sleeping. `include_docs` defaults to "the
    project has no local checkout or git URL to read docs from".
    """
    full_name = full_name.strip().strip("/")
    if wait_on_rate_limit is None:
        wait_on_rate_limit = not _inside_celery_worker()
    if include_docs is None:
        include_docs = _docs_come_from_the_api(project=project, full_name=full_name)
    say = progress or (lambda message: logger.info("%s", message))
    warn = progress or (lambda message: logger.warning("%s", message))
    # One GitHub sync of a project at a time; a run left "running" by a killed one is failed,
    # and the project's index is checked against the database before the run is finished.
    with project_lock(project, source=SOURCE):
        runs_interrupted_fail(project=project, source=SOURCE, exclude_pk=sync_run.pk if sync_run else None)
        if sync_run is None:
            sync_run = SyncRun.objects.create(project=project, source=SOURCE, target=f"github:{full_name}")
        rate_limited = _github_sync_locked(
            project=project, full_name=full_name, sync_run=sync_run, wait_on_rate_limit=wait_on_rate_limit,
            include_docs=include_docs, say=say, warn=warn,
        )  # fmt: skip
    if rate_limited is not None and not wait_on_rate_limit:
        raise rate_limited
    return sync_run


def _github_sync_locked(
    *, project, full_name, sync_run, wait_on_rate_limit, include_docs, say, warn
) -> RateLimited | None:
    client = GitHubClient(
        policy=RetryPolicy.from_settings(wait_on_rate_limit=wait_on_rate_limit, on_wait=warn)
    )
    tally = _Tally()
    rate_limited: RateLimited | None = None
    fatal = False
    try:
        repo = client.repository(full_name)
        _state_for(project=project, full_name=full_name)
        streams = [("issues", _sync_issues), ("comments", _sync_comments)]
        if include_docs:
            streams.append(("docs", _sync_docs))
        for name, sync_stream in streams:
            try:
                sync_stream(client=client, repo=repo, project=project, tally=tally, say=say)
            except RateLimited:
                raise
            except GitHubError as exc:
                tally.errors.append({"item": name, "error": str(exc)})
    except RateLimited as exc:
        rate_limited = exc
        tally.errors.append({"item": "rate limit", "error": str(exc), "reset_at": exc.reset_at.isoformat()})
    except GitHubError as exc:
        fatal = True
        tally.errors.append({"item": full_name, "error": str(exc)})
    finally:
        client.close()
    _finish(sync_run=sync_run, project=project, tally=tally, client=client, fatal=fatal)
    return rate_limited


# streams -----------------------------------------------------------------
def _sync_issues(*, client, repo, project, tally, say) -> None:
    state = GitHubSyncState.objects.get(project=project)
    for page in client.issue_pages(repo, since=state.issues_since, page=state.issues_page):
        tally.errors += page.errors
        inputs = []
        for issue in page.items:
            try:
                inputs.append(issue_input(issue))
            except (AttributeError, KeyError, TypeError, ValueError) as exc:
                tally.errors.append(
                    {"item": f"issue:{issue.raw_data.get('number')}", "error": f"malformed issue: {exc!r}"}
                )
        _store_page(project=project, stream="issues", page=page, inputs=inputs, tally=tally)
        say(
            f"issues: stored {len(inputs)} (through {page.next_since:%Y-%m-%d %H:%M:%S})"
            if page.next_since
            else "issues: none"
        )


def _sync_comments(*, client, repo, project, tally, say) -> None:
    state = GitHubSyncState.objects.get(project=project)
    for page in client.comment_pages(repo, since=state.comments_since, page=state.comments_page):
        tally.errors += page.errors
        inputs = []
        issue_titles = _issue_titles(project=project, comments=page.items)
        for comment in page.items:
            try:
                inputs.append(comment_input(comment, issue_titles=issue_titles))
            except (AttributeError, KeyError, TypeError, ValueError) as exc:
                tally.errors.append(
                    {"item": f"comment:{comment.raw_data.get('id')}", "error": f"malformed comment: {exc!r}"}
                )
        _store_page(project=project, stream="comments", page=page, inputs=inputs, tally=tally)
        say(f"comments: stored {len(inputs)}")
    _link_orphan_comments(project=project)


@transaction.atomic
def _store_page(
    *, project: Project, stream: str, page: Page, inputs: list[DocumentInput], tally: _Tally
) -> None:
    """Store one page and advance the stream's high-water mark in the same transaction."""
    if inputs:
        # Anyone may open an issue: one over the render limits is kept, shown as plain text.
        tally.add(documents_upsert(project=project, source=SOURCE, items=inputs, unrenderable="text"))
    state = GitHubSyncState.objects.select_for_update().get(project=project)
    since_field, page_field = f"{stream}_since", f"{stream}_page"
    current, current_page = getattr(state, since_field), getattr(state, page_field)
    # Marks only move forward: a slower concurrent sync must not pull them back.
    if page.next_since is None or (
        current is not None and (page.next_since, page.next_page) < (current, current_page)
    ):
        return
    setattr(state, since_field, page.next_since)
    setattr(state, page_field, page.next_page)
    state.save(update_fields=[since_field, page_field, "updated_at"])


def _link_orphan_comments(*, project: Project) -> None:
    """Comments stored before their issue (it was opened mid-sync) get their parent once it exists."""
    orphans = list(
        Document.objects.filter(
            project=project, source=SOURCE, kind=Document.Kind.COMMENT, parent__isnull=True
        ).values_list("pk", "metadata")
    )
    if not orphans:
        return
    wanted = {f"issue/{meta.get('issue_number')}" for _, meta in orphans}
    parents = dict(
        Document.objects.filter(project=project, source=SOURCE, key__in=wanted).values_list("key", "pk")
    )
    for pk, meta in orphans:
        parent_pk = parents.get(f"issue/{meta.get('issue_number')}")
        if parent_pk:
            Document.objects.filter(pk=pk).update(parent_id=parent_pk)


def _sync_docs(*, client, repo, project, tally: _Tally, say) -> None:
    state = GitHubSyncState.objects.get(project=project)
    branch = client.branch(repo, repo.default_branch)
    commit_sha = branch.commit.sha
    tree_sha = branch.commit.commit.tree.sha
    if tree_sha == state.tree_sha:
        say("docs: tree unchanged")
        return
    tree = client.tree(repo, tree_sha)
    stored = {
        key: _blob_marks(meta or {})
        for key, meta in Document.objects.filter(
            project=project, source=SOURCE, kind__in=DOC_KINDS
        ).values_list("key", "metadata")
    }
    previous_skips = dict(state.skipped_blobs or {})
    skipped_blobs: dict[str, dict] = {}
    keep: set[str] = set()
    inputs: list[DocumentInput] = []
    fetch_failed = False
    blob_of = {entry.path: entry.sha for entry in tree.files}
    for entry in tree.files:
        if classify_path(entry.path) is None:
            continue
        keep.add(entry.path)
        sidecar_paths = sidecars_for(entry.path, listed=set(blob_of))
        marks = (entry.sha, {name: blob_of[path] for name, path in sidecar_paths.items()})
        if stored.get(entry.path) == marks:
            tally.unchanged += 1
            continue
        earlier = previous_skips.get(entry.path)
        if earlier and earlier.get("sha") == entry.sha:
            skipped_blobs[entry.path] = earlier
            tally.skips.append({"path": entry.path, "reason": earlier["reason"]})
            continue
        if entry.size > settings.GLACIER_MAX_FILE_BYTES:
            reason = f"too large ({entry.size} bytes > {settings.GLACIER_MAX_FILE_BYTES})"
        else:
            try:
                blob = client.blob_text(repo, entry.sha)
                sidecars = _read_sidecars(client=client, repo=repo, paths=sidecar_paths, blob_of=blob_of, tally=tally)
            except RateLimited:
                raise
            except GitHubError as exc:
                fetch_failed = True
                tally.errors.append({"item": entry.path, "error": str(exc)})
                continue
            reason = blob.skip_reason
        if reason:
            skipped_blobs[entry.path] = {"sha": entry.sha, "reason": reason}
            tally.skips.append({"path": entry.path, "reason": reason})
            continue
        item, warnings = document_input(
            path=entry.path,
            text=blob.text,
            size=entry.size,
            url=f"{repo.html_url}/blob/{repo.default_branch}/{entry.path}",
            metadata={"blob_sha": entry.sha, "sidecar_blobs": marks[1]} if marks[1] else {"blob_sha": entry.sha},
            sidecars=sidecars,
        )
        # Keep the whole file as text; a broken header is reported, not fatal.
        tally.errors += [{"item": w["path"], "error": f"line {w['line']}: {w['error']}"} for w in warnings]
        inputs.append(item)
    with transaction.atomic():
        upserted = documents_upsert(project=project, source=SOURCE, items=inputs)
        tally.add(upserted)
        if tree.truncated:
            tally.errors.append(
                {"item": "tree", "error": "GitHub truncated the tree listing; deleted files were not swept"}
            )
        else:
            tally.deleted += documents_delete_missing(
                project=project, source=SOURCE, keep_keys=keep, kinds=DOC_KINDS
            )
            # Images, YAML and code the docs may link to; their bytes stay upstream.
            repository_files_sync(
                project=project, source=SOURCE,
                entries=[FileEntry(f.path, f.size, f.sha) for f in tree.files if classify_path(f.path) is None],
            )  # fmt: skip
        document_links_refresh(project=project, document_ids=upserted.added + upserted.updated)
        locked = GitHubSyncState.objects.select_for_update().get(pk=state.pk)
        locked.commit_sha = commit_sha
        # A blob that failed to download is fetched again next time: keep the old tree mark.
        locked.tree_sha = "" if fetch_failed or tree.truncated else tree_sha
        locked.skipped_blobs = skipped_blobs
        locked.save(update_fields=["commit_sha", "tree_sha", "skipped_blobs", "updated_at"])
    say(f"docs: stored {len(inputs)} changed of {len(keep)} in the tree")


# item conversion ---------------------------------------------------------
def issue_input(issue) -> DocumentInput:
    raw = issue.raw_data
    if not isinstance(issue.number, int) or not isinstance(issue.title, str):
        raise ValueError("an issue needs an integer number and a title")
    is_pull = bool(raw.get("pull_request"))
    login = issue.user.login if issue.user else ""
    return DocumentInput(
        kind=Document.Kind.PULL_REQUEST if is_pull else Document.Kind.ISSUE,
        key=f"issue/{issue.number}",  # issues and pull requests share GitHub's number space
        title=f"#{issue.number} {issue.title}",
        body=issue.body or "",
        url=issue.html_url,
        last_changed_at=issue.updated_at,
        authors=[{"login": login}] if login else [],
        metadata=issue_metadata(issue),
    )


def _issue_titles(*, project: Project, comments: list) -> dict[int, str]:
    """Titles of the issues a page of comments belongs to (one query), so a hit reads "Re: #12 Crash on start"."""
    numbers = set()
    for comment in comments:
        match = _ISSUE_URL.search(comment.raw_data.get("issue_url") or "")
        if match:
            numbers.add(int(match.group(1)))
    rows = Document.objects.filter(project=project, source=SOURCE, key__in=[f"issue/{n}" for n in numbers])
    return {int(key.split("/", 1)[1]): title for key, title in rows.values_list("key", "title")}


def comment_input(comment, *, issue_titles: dict[int, str] | None = None) -> DocumentInput:
    if not isinstance(comment.id, int):
        raise ValueError("a comment needs an integer id")
    match = _ISSUE_URL.search(comment.issue_url or "")
    if match is None:
        raise ValueError(f"no issue number in issue_url {comment.issue_url!r}")
    issue_number = int(match.group(1))
    login = comment.user.login if comment.user else ""
    return DocumentInput(
        kind=Document.Kind.COMMENT,
        key=f"comment/{comment.id}",
        title=f"Re: {issue_titles[issue_number]}"
        if issue_titles and issue_number in issue_titles
        else f"Comment on #{issue_number}",
        body=comment.body or "",
        url=comment.html_url,
        last_changed_at=comment.updated_at,
        authors=[{"login": login}] if login else [],
        metadata=comment_metadata(comment, issue_number=issue_number),
        parent_key=f"issue/{issue_number}",
    )


def _blob_marks(metadata: dict) -> tuple[str | None, dict]:
    """What a stored document was read from: its blob and its sidecars' blobs."""
    return metadata.get("blob_sha"), metadata.get("sidecar_blobs") or {}


def _read_sidecars(*, client, repo, paths: dict[str, str], blob_of: dict[str, str], tally: _Tally) -> dict:
    found = {}
    for name, path in paths.items():
        data, problem = read_sidecar(name, client.blob_text(repo, blob_of[path]).text)
        if data is None:
            tally.errors.append({"item": path, "error": f"{name} not read: {problem}"})
        else:
            found[name] = data
    return found


# bookkeeping -------------------------------------------------------------
def _state_for(*, project: Project, full_name: str) -> GitHubSyncState:
    state, _ = GitHubSyncState.objects.get_or_create(project=project, defaults={"full_name": full_name})
    if state.full_name.lower() != full_name.lower():
        # A different repository: its marks mean nothing here, start over.
        GitHubSyncState.objects.filter(pk=state.pk).update(
            full_name=full_name, issues_since=None, issues_page=1, comments_since=None, comments_page=1,
            commit_sha="", tree_sha="", skipped_blobs={},
        )  # fmt: skip
        state.refresh_from_db()
    return state


def _finish(*, sync_run: SyncRun, project: Project, tally: _Tally, client: GitHubClient, fatal: bool) -> None:
    state = GitHubSyncState.objects.filter(project=project).first()
    sync_run.added, sync_run.updated, sync_run.unchanged = tally.added, tally.updated, tally.unchanged
    sync_run.deleted = tally.deleted
    sync_run.skipped = len(tally.skips)
    sync_run.skips = tally.skips
    # Before the final status: a run killed earlier stays "running" and the next sync fails it.
    tally.errors += run_index_repair(sync_run)
    sync_run.errors = tally.errors
    sync_run.cursor = {
        "issues_since": _iso(state.issues_since) if state else None,
        "comments_since": _iso(state.comments_since) if state else None,
        "tree_sha": state.tree_sha if state else "",
        "requests": client.log.count,
        "requests_by_kind": client.log.by_kind,
        "retries": client.log.retries,
        "waited_seconds": round(client.log.waited_seconds, 3),
    }
    if fatal:
        sync_run.status = SyncRun.Status.FAILED
    elif tally.errors:
        sync_run.status = SyncRun.Status.PARTIAL
    else:
        sync_run.status = SyncRun.Status.SUCCEEDED
    sync_run.finished_at = timezone.now()
    with transaction.atomic():
        sync_run.save()
        transaction.on_commit(
            lambda: sync_finished.send_robust(sender=SyncRun, project=project, sync_run=sync_run)
        )


def _docs_come_from_the_api(*, project: Project, full_name: str) -> bool:
    """True unless the project names a checkout or git URL of its own to read docs from."""
    repository = project.repository.strip().lower()
    return repository in {"", full_name.lower(), f"github:{full_name.lower()}"}


def _inside_celery_worker() -> bool:
    from celery import current_task

    return bool(current_task and not current_task.request.is_eager and current_task.request.id)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
