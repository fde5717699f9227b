"""Which organisation a person works for, for the elephant factor.

In order of trust:
1. the project's affiliation map file (`.glacier/affiliations.yaml` in the repository,
   `login: Org`, `email: Org` or `domain: Org`), which maintainers commit to correct
   the rest;
2. the affiliation a maintainer file states for the person;
3. the e-mail domains of their commits, reduced to the registrable domain through the
   public suffix list (`mail.intuit.com` -> `intuit.com`). Free-mail and noreply
   domains give no organisation. A personal domain cannot be told from a one-person
   company, so it counts as an organisation (of one) until the map file says otherwise.

Organisation names and domains merge on one key ("Intuit", "Intuit Inc." and
`intuit.com` are one organisation), shown under the stated name when there is one.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from publicsuffixlist import PublicSuffixList

from onboarding.services.identities import Identity, normalise_email, normalise_login

logger = logging.getLogger(__name__)

AFFILIATION_MAP_PATHS = (".glacier/affiliations.yaml", ".glacier/affiliations.yml")
# The public suffix list says where a registrable domain starts, not who hands out
# private mailboxes; these are the common providers whose users are no organisation.
FREE_MAIL_DOMAINS = frozenset(
    """gmail.com googlemail.com hotmail.com hotmail.co.uk hotmail.fr outlook.com live.com msn.com yahoo.com
    yahoo.co.uk yahoo.co.jp yahoo.fr ymail.com icloud.com me.com mac.com aol.com protonmail.com proton.me
    pm.me protonmail.ch gmx.de gmx.net gmx.com web.de mail.ru yandex.ru yandex.com qq.com 163.com 126.com
    foxmail.com sina.com hey.com fastmail.com fastmail.fm zoho.com posteo.de tutanota.com naver.com
    hanmail.net rediffmail.com mail.com inbox.ru bk.ru list.ru t-online.de free.fr orange.fr laposte.net
    linux.com example.com example.org localhost""".split()
)
_CORPORATE_SUFFIXES = frozenset(
    "inc incorporated llc ltd limited corp corporation co company gmbh ag sa sas bv nv plc oy ab as srl spa kk".split()
)


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    # The list bundled with the package: no network fetch, same answer on every machine.
    return PublicSuffixList()


@lru_cache(maxsize=4096)
def registrable_domain(email_or_domain: str) -> str:
    """ "jane@mail.intuit.com" -> "intuit.com"; "" for free-mail, noreply, local or odd domains."""
    domain = normalise_email(email_or_domain).rsplit("@", 1)[-1].rstrip(".")
    if not domain or "." not in domain or domain.endswith((".local", ".localdomain", ".internal")):
        return ""
    if domain.endswith("noreply.github.com") or domain in FREE_MAIL_DOMAINS:
        return ""
    private = _psl().privatesuffix(domain)
    if not private or private in FREE_MAIL_DOMAINS:
        return ""
    return private


def organisation_key(name_or_domain: str) -> str:
    """One key for an organisation's names and domains: "Intuit Inc." and "intuit.com" -> "intuit"."""
    text = name_or_domain.strip().lower()
    if not text:
        return ""
    if " " not in text and "." in text:
        domain = registrable_domain(text)
        if domain:
            suffix = _psl().publicsuffix(domain) or ""
            return re.sub(r"[^a-z0-9]", "", domain[: -len(suffix) - 1] if suffix else domain)
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w]
    while len(words) > 1 and words[-1] in _CORPORATE_SUFFIXES:
        words.pop()
    return "".join(words)


@dataclass
class AffiliationMap:
    """The maintainers' corrections: login, e-mail or domain -> organisation."""

    logins: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    domains: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str, *, path: str = "") -> AffiliationMap:
        result = cls()
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            result.errors.append(f"{path}: not valid YAML ({exc})")
            return result
        if not isinstance(data, dict):
            result.errors.append(f"{path}: expected a mapping of login/e-mail/domain to organisation")
            return result
        for raw_key, raw_org in data.items():
            key, org = str(raw_key).strip(), str(raw_org or "").strip()
            if not key or not org or isinstance(raw_org, (dict, list)):
                result.errors.append(f"{path}: entry {raw_key!r} needs one organisation name")
                continue
            if "@" in key.lstrip("@"):
                result.emails[normalise_email(key)] = org
            elif "." in key:
                result.domains[key.lower().lstrip("*.").rstrip(".")] = org
            else:
                result.logins[normalise_login(key)] = org
        return result

    @classmethod
    def from_repository(cls, repo_dir: Path | None) -> AffiliationMap:
        if repo_dir is None:
            return cls()
        for relative in AFFILIATION_MAP_PATHS:
            path = Path(repo_dir) / relative
            if path.is_file():
                return cls.parse(path.read_text(encoding="utf-8", errors="replace"), path=relative)
        return cls()

    def domain_org(self, email: str) -> str:
        domain = normalise_email(email).rsplit("@", 1)[-1]
        while domain:
            if domain in self.domains:
                return self.domains[domain]
            domain = domain.partition(".")[2]
        return ""


@dataclass
class Organisations:
    """Assigns each identity an organisation key and names each key once."""

    mapping: AffiliationMap = field(default_factory=AffiliationMap)
    _names: dict[str, Counter] = field(default_factory=dict)

    def of(self, identity: Identity, *, declared: str = "") -> str:
        """The organisation key of a person ("" when unknown); call `name` for its display name."""
        for login in identity.logins:
            if org := self.mapping.logins.get(login):
                return self._named(org, stated=True)
        for email in identity.emails:
            if org := self.mapping.emails.get(email):
                return self._named(org, stated=True)
        if declared.strip():
            return self._named(declared.strip(), stated=True)
        for email in identity.emails:  # most-used address first
            if org := self.mapping.domain_org(email):
                return self._named(org, stated=True)
        for email in identity.emails:
            if domain := registrable_domain(email):
                return self._named(domain, stated=False)
        return ""

    def _named(self, name: str, *, stated: bool) -> str:
        key = organisation_key(name)
        if key:
            # A stated name ("Intuit") beats a domain ("intuit.com") for display.
            self._names.setdefault(key, Counter())[name] += 1000 if stated else 1
        return key

    def name(self, key: str) -> str:
        names = self._names.get(key)
        if not names:
            return key
        return sorted(names.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
