"""One identity per person, from every way a project names them.

People reach Glacier as git authors (name and e-mail, already rewritten by the
repository's .mailmap), Co-authored-by trailers, GitHub logins (issue comments,
OWNERS files), GitHub noreply addresses (`<id>+<login>@users.noreply.github.com`,
`<login>@users.noreply.github.com`) and the name/e-mail/login triples that maintainer
files state. `IdentityResolver` merges them with a union-find over identifiers:

- a contact's e-mail and login are the same person (a noreply address gives its login);
- a full name (two words or more) joins the identities that carry it, unless two of
  them have different GitHub logins: then the name is ambiguous and joins nothing;
- a one-word git author name that is a known login joins that login, and so does an
  e-mail address whose local part is a known login, when that is distinctive and
  unambiguous (see `_join_local_parts_to_logins`).

Bots (`[bot]` accounts, dependabot, renovate, github-actions, k8s-ci-robot and other
`*-bot`/`*-robot` accounts) are recognised by `is_bot`; they never merge by name, and
the figures list them apart instead of counting them.

Used by the people import (ownership files), risk figures and contributions, so the
three agree on who is who.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

_NOREPLY_RE = re.compile(r"^(?:\d+\+)?(?P<login>[^@+]+)@users\.noreply\.github\.com$")
_LOGIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38})(?:\[bot\])?$")
BOT_LOGINS = frozenset(
    """dependabot dependabot-preview renovate renovate-bot github-actions github-actions-bot
    k8s-ci-robot k8s-merge-robot k8s-github-robot k8s-triage-robot k8s-infra-ci-robot fejta-bot
    k8s-release-robot codecov codecov-io mergify pre-commit-ci snyk-bot greenkeeper imgbot
    allcontributors all-contributors stale netlify coveralls sonarcloud copilot""".split()
)
# "*-bot", "*_robot", "ci.bot", "k8s-ci-robot": a bot word after a separator, or "[bot]".
_BOT_WORD_RE = re.compile(r"(?:^|[-_.+\s])(?:ro)?bots?$|\[bot\]")
_BOT_EMAILS = frozenset({"noreply@github.com", "action@github.com", "bot@renovateapp.com"})
# Names people leave in a default git config; they say nothing about who wrote the commit.
# Shorter local parts ("dev", "john") are too common to say which login they are.
MIN_LOCAL_LOGIN = 5
_PLACEHOLDER_NAMES = frozenset({"your name", "unknown", "root", "user", "admin", "ubuntu", "github"})


def normalise_email(email: str) -> str:
    return email.strip().strip("<>").strip().lower()


def normalise_login(login: str) -> str:
    return login.strip().lstrip("@").strip().lower()


def normalise_name(name: str) -> str:
    """Case-, accent- and spacing-insensitive form of a person's name."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w\s'-]", " ", plain).split())


def login_from_email(email: str) -> str:
    """The GitHub login behind a noreply address; "" for any other address."""
    match = _NOREPLY_RE.match(normalise_email(email))
    return match["login"] if match else ""


def is_bot(*, name: str = "", email: str = "", login: str = "") -> bool:
    login = normalise_login(login) or login_from_email(email)
    email = normalise_email(email)
    local = email.split("@", 1)[0] if "@" in email else ""
    if email in _BOT_EMAILS:
        return True
    for word in (login, local, name.strip().lower()):
        if not word:
            continue
        bare = word.removesuffix("[bot]")
        if bare in BOT_LOGINS or _BOT_WORD_RE.search(word):
            return True
    return False


@dataclass(frozen=True)
class Contact:
    """One way a person was named somewhere, normalised."""

    name: str = ""
    email: str = ""
    login: str = ""

    @classmethod
    def of(cls, *, name: str = "", email: str = "", login: str = "") -> Contact:
        email = normalise_email(email)
        login = normalise_login(login) or login_from_email(email)
        if login and not _LOGIN_RE.match(login):
            login = ""  # teams ("org/team") and odd tokens are not people
        return cls(name=" ".join(name.split()), email=email if "@" in email else "", login=login)

    @property
    def bot(self) -> bool:
        return is_bot(name=self.name, email=self.email, login=self.login)


@dataclass
class Identity:
    """A merged person: every name, e-mail and login seen for them, with commit weights."""

    key: str
    name: str
    email: str
    login: str
    names: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    is_bot: bool = False

    @property
    def aliases(self) -> list[str]:
        return sorted(set(self.names) | set(self.emails) | {f"@{login}" for login in self.logins})


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def add(self, node: str) -> None:
        self.parent.setdefault(node, node)

    def find(self, node: str) -> str:
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:  # path compression
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # Deterministic: the smaller node becomes the root.
            low, high = sorted((ra, rb))
            self.parent[high] = low


class IdentityResolver:
    """Collect contacts with `observe`, then ask `identity_of` for the merged person.

    Resolution is lazy and recomputed after new observations, so callers can observe
    everything first (commits, logins, maintainer files) and look up afterwards.
    """

    def __init__(self) -> None:
        self._weights: Counter[Contact] = Counter()
        self._resolved: dict[str, Identity] | None = None
        self._root_of: dict[Contact, str] = {}

    def observe(self, *, name: str = "", email: str = "", login: str = "", weight: int = 0) -> Contact:
        contact = Contact.of(name=name, email=email, login=login)
        self._weights[contact] += weight
        self._resolved = None
        return contact

    def observe_many(self, contacts: Iterable[tuple[Contact, int]]) -> None:
        for contact, weight in contacts:
            self._weights[contact] += weight
        self._resolved = None

    @staticmethod
    def _nodes(contact: Contact) -> list[str]:
        nodes = [f"l:{contact.login}"] if contact.login else []
        if contact.email:
            nodes.append(f"e:{contact.email}")
        if not nodes and contact.name:
            nodes.append(f"n:{normalise_name(contact.name)}")
        return nodes

    def _resolve(self) -> dict[str, Identity]:
        uf = _UnionFind()
        contacts = [c for c in self._weights if self._nodes(c)]
        for contact in contacts:
            nodes = self._nodes(contact)
            for node in nodes:
                uf.add(node)
            for node in nodes[1:]:
                uf.union(nodes[0], node)
        # Names join identities only when they cannot be two different people.
        logins_of_root: dict[str, set[str]] = {}
        for contact in contacts:
            if contact.login:
                logins_of_root.setdefault(uf.find(self._nodes(contact)[0]), set()).add(contact.login)
        by_name: dict[str, set[str]] = {}
        for contact in contacts:
            if contact.bot or not contact.name:
                continue
            name = normalise_name(contact.name)
            root = uf.find(self._nodes(contact)[0])
            if len(name.split()) >= 2 and name not in _PLACEHOLDER_NAMES:
                by_name.setdefault(name, set()).add(root)
            elif (
                len(name.split()) == 1
                and not contact.login
                and f"l:{name}" in uf.parent
                and not is_bot(login=name)
            ):
                uf.union(f"l:{name}", self._nodes(contact)[0])
        for roots in by_name.values():
            roots = {uf.find(r) for r in roots}
            logins = set().union(*(logins_of_root.get(r, set()) for r in roots))
            if len(roots) > 1 and len(logins) <= 1:
                first, *rest = sorted(roots)
                for other in rest:
                    uf.union(first, other)
        self._join_local_parts_to_logins(uf, contacts)
        members: dict[str, list[Contact]] = {}
        self._root_of = {}
        for contact in contacts:
            root = uf.find(self._nodes(contact)[0])
            self._root_of[contact] = root
            members.setdefault(root, []).append(contact)
        return {root: self._identity(group) for root, group in members.items()}

    def _join_local_parts_to_logins(self, uf: _UnionFind, contacts: list[Contact]) -> None:
        """`justinsb@google.com` is login `justinsb` when that login is known (OWNERS, comments)
        and nobody else could be meant: the local part is long enough to be distinctive
        (MIN_LOCAL_LOGIN), no address carrying it belongs to another login, and the
        addresses carrying it share one first name."""
        known = {c.login for c in contacts if c.login and not c.bot}
        candidates: dict[str, list[Contact]] = {}
        for contact in contacts:
            if not contact.email or contact.login or contact.bot:
                continue
            local = contact.email.split("@", 1)[0]
            if len(local) >= MIN_LOCAL_LOGIN and local in known:
                candidates.setdefault(local, []).append(contact)
        for login, group in candidates.items():
            target = f"l:{login}"
            roots = {uf.find(f"e:{c.email}") for c in group}
            other_logins = {
                c.login
                for c in contacts
                if c.login and c.login != login and uf.find(self._nodes(c)[0]) in roots
            }
            # "Justin Santa Barbara" and "Justin SB" can be one person; "John" and "Jane" cannot.
            first_names = {normalise_name(c.name).split()[0] for c in group if normalise_name(c.name)}
            if other_logins or len(first_names) > 1:
                continue
            for root in roots:
                uf.union(target, root)

    def _identity(self, group: list[Contact]) -> Identity:
        names: Counter[str] = Counter()
        emails: Counter[str] = Counter()
        logins: Counter[str] = Counter()
        bot_weight = person_weight = 0
        for contact in group:
            weight = self._weights[contact] + 1  # +1: a contact stated in a file still counts
            if contact.name:
                names[contact.name] += weight
            if contact.email:
                emails[contact.email] += weight
            if contact.login:
                logins[contact.login] += weight
            if contact.bot:
                bot_weight += weight
            else:
                person_weight += weight

        def ranked(counter: Counter[str]) -> list[str]:
            return [value for value, _ in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]

        login_list, email_list, name_list = ranked(logins), ranked(emails), ranked(names)
        login = login_list[0] if login_list else ""
        email = next((e for e in email_list if not login_from_email(e)), email_list[0] if email_list else "")
        name = next((n for n in name_list if normalise_name(n) not in _PLACEHOLDER_NAMES), "")
        return Identity(
            key=login or email or normalise_name(name),
            name=name or login or email,
            email=email,
            login=login,
            names=name_list,
            emails=email_list,
            logins=login_list,
            is_bot=bot_weight >= person_weight,
        )

    def identities(self) -> list[Identity]:
        if self._resolved is None:
            self._resolved = self._resolve()
        return list(self._resolved.values())

    def identity_of(self, contact: Contact) -> Identity | None:
        if self._resolved is None:
            self._resolved = self._resolve()
        root = self._root_of.get(contact)
        return self._resolved.get(root) if root is not None else None

    def lookup(self, *, name: str = "", email: str = "", login: str = "") -> Identity | None:
        """The identity of a contact, observing it first when it is new."""
        contact = Contact.of(name=name, email=email, login=login)
        if contact not in self._weights:
            self.observe(name=name, email=email, login=login)
        return self.identity_of(contact)
