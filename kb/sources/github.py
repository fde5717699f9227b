"""Reading a repository from the GitHub REST API through PyGithub.

This module fetches and parses; kb/services/github_sync.py decides what is stored.

PyGithub's own retry (which sleeps inside the HTTP adapter, even on rate limits)
and its request throttling are turned off: this client owns the policy, so that
a management command can wait for a rate-limit reset while a Celery worker gets
a `RateLimited` exception and re-schedules itself instead of sleeping.

Listings (issues, comments) are walked by *keyset*: sorted by `updated_at`
ascending, and each next request asks `since=` the last timestamp seen instead
of following page numbers, so items that change during a sync cannot shift
between pages and be skipped, and a resumed sync needs nothing but a timestamp.
Page numbers (from the `Link` header) are only used to step through a run of
more than a page of items sharing one timestamp.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import requests
from django.conf import settings
from github import Auth, Github, GithubException
from github.Branch import Branch
from github.Issue import Issue
from github.IssueComment import IssueComment
from github.Repository import Repository

from kb.sources.base import decode_file

logger = logging.getLogger(__name__)

PER_PAGE = 100
# GitHub's `since` has one-second resolution and its docs do not promise it is inclusive,
# so every keyset request steps back a second; the overlap is absorbed by the idempotent upsert.
SINCE_OVERLAP = timedelta(seconds=1)
DEFAULT_SECONDARY_WAIT = 60  # seconds, when a secondary limit names no Retry-After


class GitHubError(Exception):
    """Base of the errors this source raises; the message is fit for a SyncRun error list."""


class RateLimited(GitHubError):
    """GitHub refused for rate reasons; try again at `reset_at` (timezone-aware)."""

    def __init__(self, *, reset_at: datetime, secondary: bool, message: str = ""):
        kind = "secondary rate limit" if secondary else "rate limit"
        super().__init__(f"GitHub {kind} hit; resets at {reset_at:%Y-%m-%d %H:%M:%S} UTC. {message}".strip())
        self.reset_at = reset_at
        self.secondary = secondary


class GitHubUnavailable(GitHubError):
    """5xx, timeouts or malformed bodies persisted through every retry."""


class NotFound(GitHubError):
    pass


@dataclass
class RetryPolicy:
    attempts: int
    backoff: float
    backoff_max: float
    wait_on_rate_limit: bool  # True in a command; False in a worker (raise RateLimited)
    rate_limit_max_wait: float
    sleep: Callable[[float], None] = time.sleep
    on_wait: Callable[[str], None] | None = None  # progress messages ("waiting 30s for ...")

    @classmethod
    def from_settings(cls, *, wait_on_rate_limit: bool, on_wait=None) -> RetryPolicy:
        return cls(
            attempts=max(settings.GITHUB_RETRY_ATTEMPTS, 1),
            backoff=settings.GITHUB_RETRY_BACKOFF,
            backoff_max=settings.GITHUB_RETRY_BACKOFF_MAX,
            wait_on_rate_limit=wait_on_rate_limit,
            rate_limit_max_wait=settings.GITHUB_RATE_LIMIT_MAX_WAIT,
            on_wait=on_wait,
        )

    def delay(self, attempt: int) -> float:
        return min(self.backoff * (2**attempt), self.backoff_max)


@dataclass
class Page:
    """One page of a keyset listing, and where to continue after it is stored."""

    items: list
    errors: list[dict]
    next_since: datetime | None  # the listing's position once this page is committed
    next_page: int
    done: bool


@dataclass
class TreeFile:
    path: str
    sha: str
    size: int


@dataclass
class Tree:
    sha: str
    files: list[TreeFile]
    truncated: bool


@dataclass
class BlobText:
    text: str | None
    skip_reason: str | None = None


@dataclass
class RequestLog:
    count: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    by_kind: dict[str, int] = field(default_factory=dict)


class GitHubClient:
    def __init__(
        self,
        *,
        policy: RetryPolicy,
        token: str | None = None,
        base_url: str | None = None,
        timeout: int | None = None,
    ):
        token = settings.GITHUB_TOKEN if token is None else token
        self.github = Github(
            auth=Auth.Token(token) if token else None,
            base_url=(base_url or settings.GITHUB_API_URL).rstrip("/"),
            timeout=int(timeout or settings.GITHUB_TIMEOUT),
            per_page=PER_PAGE,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
            user_agent="Glacier-knowledge-base",
        )
        self.policy = policy
        self.log = RequestLog()

    def close(self) -> None:
        self.github.close()

    # single resources -----------------------------------------------------
    def repository(self, full_name: str) -> Repository:
        return self._call("repository", lambda: self.github.get_repo(full_name))

    def branch(self, repo: Repository, name: str) -> Branch:
        return self._call("branch", lambda: repo.get_branch(name))

    def tree(self, repo: Repository, sha: str) -> Tree:
        def fetch():
            git_tree = repo.get_git_tree(sha, recursive=True)
            files = [
                TreeFile(path=entry.path, sha=entry.sha, size=entry.size or 0)
                for entry in git_tree.tree
                if entry.type == "blob"
            ]
            return Tree(sha=git_tree.sha, files=files, truncated=bool(git_tree.raw_data.get("truncated")))

        return self._call("tree", fetch)

    def blob_text(self, repo: Repository, sha: str) -> BlobText:
        blob = self._call("blob", lambda: repo.get_git_blob(sha))
        try:
            data = (
                base64.b64decode(blob.content or "")
                if blob.encoding == "base64"
                else (blob.content or "").encode()
            )
        except (binascii.Error, ValueError) as exc:
            raise GitHubUnavailable(f"blob {sha}: undecodable base64 ({exc})") from exc
        return decode_text(data)

    # keyset listings ------------------------------------------------------
    def issue_pages(self, repo: Repository, *, since: datetime | None, page: int = 1) -> Iterator[Page]:
        yield from self._keyset(
            kind="issues",
            url=f"{repo.url}/issues",
            params={"state": "all"},
            build=Issue,
            since=since,
            page=page,
        )

    def comment_pages(self, repo: Repository, *, since: datetime | None, page: int = 1) -> Iterator[Page]:
        """Every issue and pull-request comment in the repository: one listing, not one per issue."""
        yield from self._keyset(
            kind="comments",
            url=f"{repo.url}/issues/comments",
            params={},
            build=IssueComment,
            since=since,
            page=page,
        )

    def _keyset(self, *, kind: str, url: str, params: dict, build, since, page: int) -> Iterator[Page]:
        requester = self.github.requester

        def fetch(since, page):
            query = {**params, "sort": "updated", "direction": "asc", "per_page": PER_PAGE}
            if since is not None:
                query["since"] = _iso(since - SINCE_OVERLAP)
            if page > 1:
                query["page"] = page
            return self._call(kind, lambda: requester.requestJsonAndCheck("GET", url, parameters=query))

        # The next page is requested while the caller stores this one (one request in flight
        # at a time), so GitHub's latency hides behind the database work instead of adding to it.
        prefetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"github-{kind}")
        try:
            pending: Future | None = prefetcher.submit(fetch, since, page)
            while pending is not None:
                headers, data = pending.result()
                pending = None
                if not isinstance(data, list):
                    raise GitHubUnavailable(f"{kind}: expected a JSON list, got {type(data).__name__}")
                items, errors, newest = self._build_items(
                    kind=kind, build=build, headers=headers, data=data, since=since
                )
                if 'rel="next"' not in str(headers.get("link", "")):
                    yield Page(items=items, errors=errors, next_since=newest, next_page=1, done=True)
                    return
                if newest is not None and (since is None or newest > since):
                    since, page = newest, 1
                else:
                    page += 1  # a full page of one timestamp: step through it by page number
                pending = prefetcher.submit(fetch, since, page)
                yield Page(items=items, errors=errors, next_since=since, next_page=page, done=False)
        finally:
            # If the caller stops early, do not wait for a request nobody will read.
            prefetcher.shutdown(wait=False, cancel_futures=True)

    def _build_items(self, *, kind: str, build, headers, data: list, since):
        items, errors, newest = [], [], since
        for raw in data:
            try:
                updated = _parse_time(raw["updated_at"])
                items.append(build(self.github.requester, headers, raw, completed=True))
            except (KeyError, TypeError, ValueError) as exc:
                item_id = raw.get("id") if isinstance(raw, dict) else "?"
                errors.append({"item": f"{kind}:{item_id}", "error": f"malformed item: {exc!r}"})
                continue
            newest = updated if newest is None or updated > newest else newest
        return items, errors, newest

    # the retry loop -------------------------------------------------------
    def _call(self, kind: str, fetch):
        """Run one request with bounded retries; rate limits wait (command) or raise (worker)."""
        attempt = 0
        while True:
            self.log.count += 1
            self.log.by_kind[kind] = self.log.by_kind.get(kind, 0) + 1
            try:
                return fetch()
            except GithubException as exc:
                limited = rate_limit_from(exc)
                if limited is not None:
                    self._wait_for_reset(limited)
                    continue
                if exc.status == 404:
                    raise NotFound(f"{kind}: not found ({exc.data})") from exc
                if exc.status < 500:
                    raise GitHubError(f"{kind}: GitHub answered {exc.status}: {exc.data}") from exc
                failure = f"{kind}: GitHub answered {exc.status}"
            except (requests.Timeout, requests.ConnectionError) as exc:
                failure = f"{kind}: {type(exc).__name__}: {exc}"
            except ValueError as exc:  # json.JSONDecodeError: a truncated or garbled body
                failure = f"{kind}: malformed JSON from GitHub ({exc})"
            attempt += 1
            if attempt >= self.policy.attempts:
                raise GitHubUnavailable(f"{failure} (gave up after {attempt} attempts)")
            pause = self.policy.delay(attempt - 1)
            self.log.retries += 1
            logger.warning("%s; retrying in %.2fs", failure, pause)
            self._sleep(pause)

    def _wait_for_reset(self, limited: RateLimited) -> None:
        wait = max((limited.reset_at - datetime.now(UTC)).total_seconds(), 0) + 0.5  # reset is whole seconds
        if not self.policy.wait_on_rate_limit or wait > self.policy.rate_limit_max_wait:
            raise limited
        if self.policy.on_wait:
            self.policy.on_wait(f"{limited} Waiting {wait:.0f}s before resuming.")
        self._sleep(wait)

    def _sleep(self, seconds: float) -> None:
        self.log.waited_seconds += seconds
        self.policy.sleep(seconds)


def rate_limit_from(exc: GithubException) -> RateLimited | None:
    """A RateLimited for primary (remaining 0 + reset) or secondary (Retry-After / message) limits."""
    if exc.status not in (403, 429):
        return None
    headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
    message = exc.data.get("message", "") if isinstance(exc.data, dict) else str(exc.data or "")
    now = datetime.now(UTC)
    retry_after = headers.get("retry-after")
    if retry_after:
        return RateLimited(
            reset_at=now + timedelta(seconds=_retry_after_seconds(retry_after)),
            secondary=True,
            message=message,
        )
    if str(headers.get("x-ratelimit-remaining", "")) == "0" and headers.get("x-ratelimit-reset"):
        reset = datetime.fromtimestamp(int(headers["x-ratelimit-reset"]), tz=UTC)
        return RateLimited(reset_at=max(reset, now), secondary=False, message=message)
    if "secondary rate limit" in message.lower() or exc.status == 429:
        return RateLimited(
            reset_at=now + timedelta(seconds=DEFAULT_SECONDARY_WAIT), secondary=True, message=message
        )
    return None


def _retry_after_seconds(value: str) -> float:
    try:
        return max(float(value), 0.0)
    except ValueError:
        try:
            return max((parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds(), 0.0)
        except (TypeError, ValueError):
            return DEFAULT_SECONDARY_WAIT


def decode_text(data: bytes) -> BlobText:
    """The same skip rules as a local checkout (kb.sources.base.decode_file)."""
    decoded = decode_file(data, max_bytes=settings.GLACIER_MAX_FILE_BYTES)
    return BlobText(decoded.text, decoded.skip_reason)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
