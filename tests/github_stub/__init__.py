"""A stand-in for the GitHub REST API: a real HTTP server on 127.0.0.1 that PyGithub talks to.

It serves the endpoints Glacier's GitHub source calls, with real pagination `Link`
headers and `X-RateLimit-*` headers, records every request (so tests can count
them), and can inject the faults GitHub produces in the wild: primary and
secondary rate limits, 5xx, slow responses and truncated JSON.

    with GitHubStub() as stub:
        repo = stub.add_repo("acme/widgets")
        repo.add_issue(1, "Crash on start", updated_at=...)
        stub.inject(Fault.bad_gateway(path="/issues", times=2))
        Github(base_url=stub.base_url, ...)
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def git_blob_sha(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


@dataclass
class Fault:
    """One injected misbehaviour, applied to the next `times` requests whose path matches `path`."""

    kind: str  # rate_limit | secondary | status | slow | truncated
    path: str = ""  # regex searched in the request path (without query)
    times: int = 1
    status: int = 502
    reset_in: int = 2  # seconds until X-RateLimit-Reset (rate_limit)
    retry_after: int = 1  # Retry-After seconds (secondary)
    delay: float = 0.0  # seconds to stall before answering (slow)
    skip: int = 0  # let this many matching requests through first

    @classmethod
    def rate_limit(cls, path: str = "", reset_in: int = 2, **kw) -> Fault:
        return cls("rate_limit", path=path, reset_in=reset_in, **kw)

    @classmethod
    def secondary(cls, path: str = "", retry_after: int = 1, **kw) -> Fault:
        return cls("secondary", path=path, retry_after=retry_after, **kw)

    @classmethod
    def bad_gateway(cls, path: str = "", **kw) -> Fault:
        return cls("status", path=path, status=502, **kw)

    @classmethod
    def slow(cls, path: str = "", delay: float = 2.0, **kw) -> Fault:
        return cls("slow", path=path, delay=delay, **kw)

    @classmethod
    def truncated(cls, path: str = "", **kw) -> Fault:
        return cls("truncated", path=path, **kw)


@dataclass
class StubRepo:
    full_name: str
    default_branch: str = "main"
    issues: dict[int, dict] = field(default_factory=dict)
    comments: dict[int, dict] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    base_url: str = ""
    html_base: str = "https://github.example"
    _next_comment_id: int = 1000

    def add_issue(
        self,
        number: int,
        title: str,
        *,
        body: str = "",
        updated_at: datetime,
        created_at: datetime | None = None,
        state: str = "open",
        labels: tuple[str, ...] = (),
        user: str = "octocat",
        assignees: tuple[str, ...] = (),
        pull_request: bool = False,
        closed_at: datetime | None = None,
    ) -> dict:
        api = f"{self.base_url}/repos/{self.full_name}"
        issue = {
            "id": 100000 + number,
            "number": number,
            "title": title,
            "body": body,
            "state": state,
            "url": f"{api}/issues/{number}",
            "html_url": f"{self.html_base}/{self.full_name}/{'pull' if pull_request else 'issues'}/{number}",
            "comments_url": f"{api}/issues/{number}/comments",
            "labels": [{"name": name, "color": "ededed", "url": f"{api}/labels/{name}"} for name in labels],
            "user": self._user(user),
            "assignees": [self._user(login) for login in assignees],
            "assignee": self._user(assignees[0]) if assignees else None,
            "created_at": iso(created_at or updated_at),
            "updated_at": iso(updated_at),
            "closed_at": iso(closed_at) if closed_at else None,
            "comments": 0,
        }
        if pull_request:
            issue["pull_request"] = {
                "url": f"{api}/pulls/{number}",
                "html_url": issue["html_url"],
                "diff_url": issue["html_url"] + ".diff",
                "patch_url": issue["html_url"] + ".patch",
            }
        self.issues[number] = issue
        return issue

    def add_comment(
        self,
        issue_number: int,
        body: str,
        *,
        updated_at: datetime,
        user: str = "octocat",
        comment_id: int | None = None,
    ) -> dict:
        if comment_id is None:
            comment_id = self._next_comment_id
            self._next_comment_id += 1
        api = f"{self.base_url}/repos/{self.full_name}"
        comment = {
            "id": comment_id,
            "body": body,
            "user": self._user(user),
            "url": f"{api}/issues/comments/{comment_id}",
            "html_url": f"{self.html_base}/{self.full_name}/issues/{issue_number}#issuecomment-{comment_id}",
            "issue_url": f"{api}/issues/{issue_number}",
            "created_at": iso(updated_at),
            "updated_at": iso(updated_at),
        }
        self.comments[comment_id] = comment
        if issue_number in self.issues:
            self.issues[issue_number]["comments"] += 1
        return comment

    def set_files(self, files: dict[str, bytes | str]) -> None:
        self.files = {path: data.encode() if isinstance(data, str) else data for path, data in files.items()}

    @property
    def tree_sha(self) -> str:
        listing = "\n".join(f"{path} {git_blob_sha(data)}" for path, data in sorted(self.files.items()))
        return hashlib.sha1(listing.encode()).hexdigest()

    @property
    def commit_sha(self) -> str:
        return hashlib.sha1(f"commit {self.tree_sha}".encode()).hexdigest()

    def _user(self, login: str) -> dict:
        return {
            "login": login,
            "id": abs(hash(login)) % 10**8,
            "type": "User",
            "url": f"{self.base_url}/users/{login}",
            "html_url": f"{self.html_base}/{login}",
        }


class GitHubStub:
    """Owns the server thread, the repositories it serves, the fault queue and the request log."""

    def __init__(self, *, rate_limit: int = 5000, latency: float = 0.0):
        self.latency = latency  # seconds added to every answer, like a real round trip to GitHub
        self.repos: dict[str, StubRepo] = {}
        self.requests: list[dict] = []
        self.faults: list[Fault] = []
        self.rate_limit = rate_limit
        self.remaining = rate_limit
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="github-stub", daemon=True)

    # lifecycle ------------------------------------------------------------
    def start(self) -> GitHubStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> GitHubStub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # setup ----------------------------------------------------------------
    def add_repo(self, full_name: str, **kw) -> StubRepo:
        repo = StubRepo(full_name=full_name, base_url=self.base_url, **kw)
        self.repos[full_name.lower()] = repo
        return repo

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def count(self, pattern: str = "") -> int:
        """Requests whose path matches `pattern` (a regex over the path without query)."""
        return sum(1 for entry in self.requests if re.search(pattern, entry["path"]))

    # request handling -----------------------------------------------------
    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if not re.search(fault.path, path):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    return None
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def handle(self, method: str, raw_path: str, headers) -> tuple[int, dict[str, str], bytes, float]:
        split = urlsplit(raw_path)
        path, query = split.path, {k: v[-1] for k, v in parse_qs(split.query).items()}
        with self._lock:
            self.requests.append({"method": method, "path": path, "query": query, "at": time.time()})
            self.remaining = max(self.remaining - 1, 0)
        reset = int(time.time()) + 3600
        rate_headers = {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(reset),
            "X-RateLimit-Used": str(self.rate_limit - self.remaining),
            "X-RateLimit-Resource": "core",
        }
        fault = self._take_fault(path)
        delay = self.latency
        if fault is not None:
            if fault.kind == "rate_limit":
                reset_at = int(time.time()) + fault.reset_in
                body = {
                    "message": "API rate limit exceeded for 127.0.0.1.",
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                }
                return (
                    403,
                    {**rate_headers, "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset_at)},
                    _json(body),
                    0.0,
                )
            if fault.kind == "secondary":
                body = {
                    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                }
                return 403, {**rate_headers, "Retry-After": str(fault.retry_after)}, _json(body), 0.0
            if fault.kind == "status":
                return fault.status, rate_headers, _json({"message": "Server Error"}), 0.0
            if fault.kind == "slow":
                delay += fault.delay
        status, extra, body = self._route(method, path, query)
        if fault is not None and fault.kind == "truncated" and status == 200:
            body = body[: max(len(body) // 2, 1)]
        return status, {**rate_headers, **extra}, body, delay

    def _route(self, method: str, path: str, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if method != "GET":
            return 405, {}, _json({"message": "Method not allowed"})
        if path == "/rate_limit":
            core = {
                "limit": self.rate_limit,
                "remaining": self.remaining,
                "reset": int(time.time()) + 3600,
                "used": 0,
            }
            return 200, {}, _json({"resources": {"core": core, "search": core}, "rate": core})
        match = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/.*)?", path)
        if not match:
            return 404, {}, _json({"message": "Not Found"})
        repo = self.repos.get(f"{match.group(1)}/{match.group(2)}".lower())
        if repo is None:
            return 404, {}, _json({"message": "Not Found"})
        rest = match.group(3) or ""
        if rest == "":
            return 200, {}, _json(self._repo_json(repo))
        if rest == "/issues":
            items = [i for i in repo.issues.values() if query.get("state", "open") in ("all", i["state"])]
            return self._page(path, query, _since(items, query))
        if rest == "/issues/comments":
            return self._page(path, query, _since(list(repo.comments.values()), query))
        if m := re.fullmatch(r"/issues/(\d+)/comments", rest):
            wanted = f"/issues/{m.group(1)}"
            items = [c for c in repo.comments.values() if c["issue_url"].endswith(wanted)]
            return self._page(path, query, _since(items, query))
        if m := re.fullmatch(r"/issues/(\d+)", rest):
            issue = repo.issues.get(int(m.group(1)))
            return (200, {}, _json(issue)) if issue else (404, {}, _json({"message": "Not Found"}))
        if m := re.fullmatch(r"/branches/(.+)", rest):
            if m.group(1) != repo.default_branch:
                return 404, {}, _json({"message": "Branch not found"})
            return 200, {}, _json(self._branch_json(repo))
        if m := re.fullmatch(r"/git/trees/(.+)", rest):
            if m.group(1) not in (repo.tree_sha, repo.default_branch, repo.commit_sha):
                return 404, {}, _json({"message": "Not Found"})
            return 200, {}, _json(self._tree_json(repo))
        if m := re.fullmatch(r"/git/blobs/([0-9a-f]{40})", rest):
            for data in repo.files.values():
                if git_blob_sha(data) == m.group(1):
                    return (
                        200,
                        {},
                        _json(
                            {
                                "sha": m.group(1),
                                "size": len(data),
                                "encoding": "base64",
                                "content": base64.encodebytes(data).decode(),
                                "url": f"{self.base_url}{path}",
                            }
                        ),
                    )
            return 404, {}, _json({"message": "Not Found"})
        return 404, {}, _json({"message": "Not Found"})

    def _page(self, path: str, query: dict[str, str], items: list[dict]) -> tuple[int, dict[str, str], bytes]:
        direction = query.get("direction", "desc")
        items.sort(key=lambda i: (i["updated_at"], i["id"]), reverse=direction == "desc")
        per_page = min(int(query.get("per_page", 30)), 100)
        page = max(int(query.get("page", 1)), 1)
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []

        def link(number: int, rel: str) -> str:
            return f'<{self.base_url}{path}?{urlencode({**query, "page": number})}>; rel="{rel}"'

        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links += [link(1, "first"), link(page - 1, "prev")]
        return 200, ({"Link": ", ".join(links)} if links else {}), _json(chunk)

    def _repo_json(self, repo: StubRepo) -> dict:
        owner, name = repo.full_name.split("/")
        return {
            "id": abs(hash(repo.full_name)) % 10**8,
            "name": name,
            "full_name": repo.full_name,
            "owner": repo._user(owner),
            "private": False,
            "html_url": f"{repo.html_base}/{repo.full_name}",
            "url": f"{self.base_url}/repos/{repo.full_name}",
            "default_branch": repo.default_branch,
            "has_issues": True,
        }

    def _branch_json(self, repo: StubRepo) -> dict:
        api = f"{self.base_url}/repos/{repo.full_name}"
        return {
            "name": repo.default_branch,
            "commit": {
                "sha": repo.commit_sha,
                "url": f"{api}/commits/{repo.commit_sha}",
                "commit": {
                    "tree": {"sha": repo.tree_sha, "url": f"{api}/git/trees/{repo.tree_sha}"},
                    "committer": {
                        "name": "Stub",
                        "email": "stub@example.com",
                        "date": "2024-05-01T12:00:00Z",
                    },
                    "author": {"name": "Stub", "email": "stub@example.com", "date": "2024-05-01T12:00:00Z"},
                    "message": "Update docs",
                    "url": f"{api}/git/commits/{repo.commit_sha}",
                },
            },
            "protected": False,
        }

    def _tree_json(self, repo: StubRepo) -> dict:
        api = f"{self.base_url}/repos/{repo.full_name}"
        entries, dirs = [], set()
        for path, data in sorted(repo.files.items()):
            parts = path.split("/")
            for depth in range(1, len(parts)):
                dirs.add("/".join(parts[:depth]))
            sha = git_blob_sha(data)
            entries.append(
                {
                    "path": path,
                    "mode": "100644",
                    "type": "blob",
                    "sha": sha,
                    "size": len(data),
                    "url": f"{api}/git/blobs/{sha}",
                }
            )
        for directory in sorted(dirs):
            sha = hashlib.sha1(directory.encode()).hexdigest()
            entries.append(
                {
                    "path": directory,
                    "mode": "040000",
                    "type": "tree",
                    "sha": sha,
                    "url": f"{api}/git/trees/{sha}",
                }
            )
        return {
            "sha": repo.tree_sha,
            "url": f"{api}/git/trees/{repo.tree_sha}",
            "tree": entries,
            "truncated": False,
        }


def _since(items: list[dict], query: dict[str, str]) -> list[dict]:
    if "since" not in query:
        return list(items)
    since = parse_iso(query["since"])
    return [item for item in items if parse_iso(item["updated_at"]) >= since]


def _json(data) -> bytes:
    return json.dumps(data).encode()


def _make_handler(stub: GitHubStub):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 (http.server's naming)
            self._answer("GET")

        def do_POST(self):  # noqa: N802
            self._answer("POST")

        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            status, headers, body, delay = stub.handle(method, self.path, self.headers)
            if delay:
                time.sleep(delay)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test); nothing to tell it

        def log_message(self, format, *args):  # keep test output quiet
            pass

    return Handler
