"""Where a project's content may come from: the one policy every edge and the sync service ask.

A project's `repository` is read by the server (a directory walked, or a URL
cloned), so choosing it is choosing what the server reads. The rules:

- The command-line operator (`manage.py kb sync TARGET`) is trusted: whatever
  they type is recorded as approved and synced as typed.
- Staff may also point a project at any absolute local path.
- Everyone else may name a local path only under GLACIER_LOCAL_REPOSITORY_ROOTS,
  and otherwise only `github:OWNER/NAME` or a git URL over https or ssh
  (`ssh://` or scp-like `git@host:owner/repo`) on GLACIER_ALLOWED_REPOSITORY_HOSTS,
  with no credentials, no odd port, no `..`, nothing that looks like an option,
  and a host that is not (and does not resolve to) a loopback, private,
  link-local or otherwise non-public address.

`repository_validate` answers for a user setting the value (API, admin).
`repository_check_for_sync` answers again right before the server reads, for
whatever the row holds now: a row written before these rules, or through the
ORM, is held to the same rules unless `Project.repository_approved` still equals
it. Names are resolved at both moments (DNS can change in between) and the
https fetch is pinned to the addresses checked (see `git_pins`).
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings

GITHUB_TARGET = re.compile(r"^github:[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
# user@host:path, as git reads it: no "://", and no slash before the colon.
_SCP_LIKE = re.compile(r"^(?P<user>[^@/:]+)@(?P<host>[^/:]+):(?P<path>.*)$")
_HOSTNAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
_USER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_DEFAULT_PORTS = {"https": 443, "ssh": 22}
# Transports git may use: remote ones for everyone; the operator's approved targets may also be
# local clones (file://) or plain http/git servers on their own network. Never ext:: or fd::.
UNTRUSTED_PROTOCOLS = ("https", "ssh")
TRUSTED_PROTOCOLS = ("https", "ssh", "http", "git", "file")


class RepositoryPolicyError(ValueError):
    """The repository may not be used; the message says why and what is allowed instead."""


@dataclass(frozen=True)
class RepositorySource:
    """What a sync may read: a local directory or a remote URL, and how far it is trusted."""

    target: str
    is_local: bool
    trusted: bool = False
    # For a checked https URL: (host, port, addresses) to pin git's connection to.
    pins: tuple[tuple[str, int, tuple[str, ...]], ...] = field(default=())

    @property
    def protocols(self) -> tuple[str, ...]:
        return TRUSTED_PROTOCOLS if self.trusted else UNTRUSTED_PROTOCOLS


def user_is_trusted_with_paths(user) -> bool:
    """Staff may point a project at any local path."""
    return bool(user is not None and getattr(user, "is_active", False) and getattr(user, "is_staff", False))


def is_local_path(repository: str) -> bool:
    """A repository value that names a directory on this machine rather than a remote."""
    value = repository.strip()
    if not value or GITHUB_TARGET.match(value) or value.startswith("github:") or "://" in value:
        return False
    return not (_SCP_LIKE.match(value) and not value.startswith(("/", ".", "~")))


def repository_validate(repository: str, *, user) -> str:
    """The repository `user` may set on a project, stripped; raises RepositoryPolicyError if not allowed."""
    value = (repository or "").strip()
    if not value:
        return ""
    _check_common(value)
    if is_local_path(value):
        _check_local(value, trusted=user_is_trusted_with_paths(user))
    else:
        _check_remote(value, strict_dns=False)
    return value


def repository_approval(repository: str, *, user) -> str:
    """What to store in Project.repository_approved when `user` sets `repository` (already validated).

    Only a staff member's local path needs vouching for: remote URLs are held to the
    same rules at every sync whoever set them.
    """
    value = (repository or "").strip()
    if value and is_local_path(value) and user_is_trusted_with_paths(user):
        return value
    return ""


def repository_check_for_sync(*, project, target: str, strict_dns: bool = True) -> RepositorySource:
    """Check `target` right before the server reads it; raises RepositoryPolicyError if it may not.

    `target` is what the sync is about to read (normally `project.repository`). With
    `strict_dns=False` (a pre-flight check in a request) a name that does not resolve
    yet passes; the sync itself always resolves strictly.
    """
    value = (target or "").strip()
    if not value:
        raise RepositoryPolicyError(f"Project {project.slug} has no repository to sync.")
    if value.startswith("-"):
        raise RepositoryPolicyError("A repository may not start with '-' (it would be read as an option).")
    if project.repository_approved and value == project.repository_approved:
        return RepositorySource(target=value, is_local=is_local_path(value), trusted=True)
    _check_common(value)
    if is_local_path(value):
        _check_local(value, trusted=False)
        return RepositorySource(target=value, is_local=True)
    pins = _check_remote(value, strict_dns=strict_dns)
    return RepositorySource(target=value, is_local=False, pins=pins)


def repository_local_dir(project, *, include_clone: bool = True) -> Path | None:
    """The directory on this machine holding the project's repository, if the policy lets it be read.

    A local path the project may use (approved, or under an allowed root), else (with
    `include_clone`) the project's own clone under GLACIER_REPOS_DIR; never another
    project's clone. For readers other than the sync (gap rules, risk figures).
    """
    value = (project.repository or "").strip()
    candidates: list[Path] = []
    if value and is_local_path(value):
        try:
            source = repository_check_for_sync(project=project, target=value)
        except RepositoryPolicyError:
            source = None
        if source is not None:
            path = Path(value).expanduser()
            candidates.append(path if path.is_absolute() else Path(settings.BASE_DIR) / path)
    if include_clone:
        candidates.append(Path(settings.GLACIER_REPOS_DIR) / project.slug)
    for candidate in candidates:
        try:
            if candidate.is_dir():
                return candidate
        except OSError:
            continue
    return None


def allowed_hosts() -> list[str]:
    return [host.lower().rstrip(".") for host in settings.GLACIER_ALLOWED_REPOSITORY_HOSTS]


def _check_common(value: str) -> None:
    if value.startswith("-"):
        raise RepositoryPolicyError("A repository may not start with '-' (it would be read as an option).")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise RepositoryPolicyError("A repository may not contain spaces or control characters.")


def _has_dotdot(path: str) -> bool:
    return ".." in PurePosixPath(unquote(path)).parts or ".." in unquote(path).split("\\")


def _check_local(value: str, *, trusted: bool) -> None:
    if not value.startswith("/"):
        raise RepositoryPolicyError("A local repository must be an absolute path (starting with '/').")
    if _has_dotdot(value):
        raise RepositoryPolicyError("A repository path may not contain '..'.")
    if trusted:
        return
    roots = [Path(root) for root in settings.GLACIER_LOCAL_REPOSITORY_ROOTS if root]
    if not roots:
        raise RepositoryPolicyError(
            "Only staff may point a project at a directory on the server; "
            f"use an https or ssh git URL on {', '.join(allowed_hosts()) or 'an allowed host'}."
        )
    # realpath: a symlink inside a root must not lead out of it.
    resolved = Path(os.path.realpath(value))
    for root in roots:
        real_root = Path(os.path.realpath(root))
        if resolved == real_root or real_root in resolved.parents:
            return
    raise RepositoryPolicyError(
        "A directory on the server must lie under one of the allowed roots "
        f"({', '.join(str(root) for root in roots)})."
    )


def _check_remote(value: str, *, strict_dns: bool) -> tuple[tuple[str, int, tuple[str, ...]], ...]:
    """Check a remote repository; returns the (host, port, addresses) of an https URL to pin git to."""
    if value.startswith("github:"):
        if not GITHUB_TARGET.match(value):
            raise RepositoryPolicyError(f"{value!r} is not of the form github:OWNER/NAME.")
        return ()
    scp = None if "://" in value else _SCP_LIKE.match(value)
    if scp:
        scheme, user, password, host, port, path = "ssh", scp["user"], None, scp["host"], None, scp["path"]
    else:
        try:
            parts = urlsplit(value)
            scheme, user, password, port = parts.scheme.lower(), parts.username, parts.password, parts.port
        except ValueError as exc:
            raise RepositoryPolicyError(f"Not a valid URL: {exc}.") from exc
        host, path = parts.hostname or "", parts.path
        if parts.query or parts.fragment:
            raise RepositoryPolicyError("A repository URL may not have a query or a fragment.")
        if scheme not in _DEFAULT_PORTS:
            raise RepositoryPolicyError(
                f"Only https:// and ssh:// git URLs (or git@host:owner/repo) are allowed, not {scheme or 'this'}."
            )
    if password is not None or (user is not None and scheme == "https"):
        raise RepositoryPolicyError("A repository URL may not carry credentials.")
    if user is not None and not _USER.match(user):
        raise RepositoryPolicyError("The user name in the repository URL is not allowed.")
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        raise RepositoryPolicyError(f"A {scheme} repository URL may only use port {_DEFAULT_PORTS[scheme]}.")
    if not path.strip("/") or path.startswith("-") or _has_dotdot(path):
        raise RepositoryPolicyError(
            "The repository path is missing or not allowed (no '..', no leading '-')."
        )
    host = host.lower().rstrip(".")
    if not _is_public_literal_or_name(host) and not _HOSTNAME.match(host):
        raise RepositoryPolicyError(f"{host or 'The host'} is not a valid host name.")
    if host not in allowed_hosts():
        raise RepositoryPolicyError(
            f"{host} is not an allowed repository host (allowed: {', '.join(allowed_hosts()) or 'none'})."
        )
    effective_port = port or _DEFAULT_PORTS[scheme]
    addresses = _resolve_public(host, effective_port, strict=strict_dns)
    return ((host, effective_port, addresses),) if scheme == "https" and addresses else ()


def _is_public_literal_or_name(host: str) -> bool:
    """True for a public IP literal; False for a name; raises for a non-public IP literal."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if not _is_public(address):
        raise RepositoryPolicyError(f"{host} is a loopback, private or reserved address.")
    return True


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None) or getattr(address, "sixtofour", None)
    if mapped is not None and not _is_public(mapped):
        return False
    return address.is_global and not address.is_multicast


def resolve_host(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to (a seam for tests, which never use the network)."""
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)})


def _resolve_public(host: str, port: int, *, strict: bool) -> tuple[str, ...]:
    try:
        addresses = resolve_host(host, port)
    except (OSError, UnicodeError) as exc:
        if strict:
            raise RepositoryPolicyError(f"Could not resolve {host}.") from exc
        return ()  # checked again, strictly, before any fetch
    for raw in addresses:
        try:
            address = ipaddress.ip_address(raw.split("%", 1)[0])
        except ValueError as exc:
            raise RepositoryPolicyError(f"{host} resolves to an unusable address.") from exc
        if not _is_public(address):
            raise RepositoryPolicyError(f"{host} resolves to a loopback, private or reserved address.")
    if strict and not addresses:
        raise RepositoryPolicyError(f"Could not resolve {host}.")
    return tuple(addresses)
