"""CODEOWNERS files (GitHub, and GitLab's [Section] headers).

Each line is a gitignore-style pattern followed by owners: @user, @org/team or an
e-mail address. For a given path the *last* matching line wins. A pattern with no
owners is allowed (it makes matching files unowned). Lines starting with # are
comments; "\\#" escapes a pattern that starts with #. Negation ("!") is not supported
by GitHub, so it is reported as an error rather than silently misread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from onboarding.parsers import ParseError

_OWNER = re.compile(r"^(@[A-Za-z0-9][A-Za-z0-9-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?|[^@\s]+@[^@\s]+\.[^@\s]+)$")
_SECTION = re.compile(r"^\^?\[(?P<name>[^\]]+)\](\[\d+\])?(?P<owners>(\s+\S+)*)\s*$")


@dataclass
class CodeownersRule:
    pattern: str
    owners: list[str]
    line: int
    section: str = ""

    @cached_property
    def regex(self) -> re.Pattern:
        return compile_pattern(self.pattern)

    def matches(self, path: str) -> bool:
        return bool(self.regex.match(path.lstrip("/")))

    @property
    def directory(self) -> str | None:
        """The directory this rule covers, when it is a plain directory ("" for "*"), else None."""
        pattern = self.pattern.strip("/")
        for suffix in ("/**", "/*"):
            if pattern.endswith(suffix):
                pattern = pattern[: -len(suffix)]
        if pattern in {"*", "**", ""}:
            return ""
        if any(ch in pattern for ch in "*?["):
            return None
        if self.pattern.endswith("/") or self.pattern.endswith("*"):
            return pattern
        # "/docs" or "docs" may name a file or a directory; a dot in the last part means a file.
        return None if "." in pattern.rsplit("/", 1)[-1] else pattern


@dataclass
class CodeownersFile:
    path: str
    rules: list[CodeownersRule] = field(default_factory=list)

    def owners_for(self, path: str) -> list[str]:
        """Owners of `path`: the last matching rule wins."""
        for rule in reversed(self.rules):
            if rule.matches(path):
                return rule.owners
        return []

    @property
    def everyone(self) -> list[str]:
        seen: dict[str, str] = {}
        for rule in self.rules:
            for owner in rule.owners:
                seen.setdefault(owner.lower(), owner)
        return list(seen.values())


def compile_pattern(pattern: str) -> re.Pattern:
    """gitignore-style pattern -> regex over repository-relative paths (no leading slash).

    A leading or inner "/" anchors the pattern to the root, otherwise it matches at any
    depth; "*" stays within one directory, "**" crosses them; a pattern matching a
    directory matches everything beneath it.
    """
    directory_only = pattern.endswith("/")
    body = pattern.strip("/") if pattern != "/" else ""
    anchored = pattern.startswith("/") or "/" in body
    out = []
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif body.startswith("/**", i) and i + 3 == len(body):
            out.append("/.*")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        elif body[i] == "*":
            out.append("[^/]*")
            i += 1
        elif body[i] == "?":
            out.append("[^/]")
            i += 1
        elif body[i] == "\\" and i + 1 < len(body):
            out.append(re.escape(body[i + 1]))
            i += 2
        else:
            out.append(re.escape(body[i]))
            i += 1
    prefix = "^" if anchored else "^(?:.*/)?"
    last_segment = body.rsplit("/", 1)[-1]
    if directory_only:
        tail = "/.*$"
    elif "*" in last_segment and "**" not in last_segment:
        # GitHub: "docs/*" owns docs/a.md but not docs/sub/b.md.
        tail = "$"
    else:
        tail = "(?:/.*)?$"
    return re.compile(prefix + "".join(out) + tail)


def _split(line: str) -> list[str]:
    """Split on whitespace, honouring "\\ " escapes in patterns and dropping a trailing comment."""
    tokens, current, i = [], "", 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line):
            current += line[i : i + 2]
            i += 2
            continue
        if ch == "#" and not current:
            break
        if ch.isspace():
            if current:
                tokens.append(current)
                current = ""
        else:
            current += ch
        i += 1
    if current:
        tokens.append(current)
    return tokens


def parse_codeowners(text: str, *, path: str = "CODEOWNERS") -> CodeownersFile:
    result = CodeownersFile(path=path)
    section, section_owners = "", []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        section_match = _SECTION.match(line)
        if section_match:
            section = section_match["name"].strip()
            section_owners = (section_match["owners"] or "").split()
            for owner in section_owners:
                _check_owner(owner, path=path, line=number)
            continue
        tokens = _split(line)
        if not tokens:
            continue
        pattern, owners = tokens[0], tokens[1:]
        if pattern.startswith("\\#"):
            pattern = pattern[1:]
        if pattern.startswith("!"):
            raise ParseError(
                f"negated pattern {pattern!r} is not supported in CODEOWNERS", path=path, line=number
            )
        if "[" in pattern.replace("\\[", ""):
            raise ParseError(
                f"character ranges in {pattern!r} are not supported in CODEOWNERS", path=path, line=number
            )
        if pattern.startswith("@"):
            raise ParseError(
                f"line starts with an owner ({pattern}) but a path pattern must come first",
                path=path,
                line=number,
            )
        for owner in owners:
            _check_owner(owner, path=path, line=number)
        result.rules.append(CodeownersRule(pattern, owners or list(section_owners), number, section))
    return result


def _check_owner(owner: str, *, path: str, line: int) -> None:
    if not _OWNER.match(owner):
        raise ParseError(
            f"{owner!r} is not an owner (expected @user, @org/team or an e-mail address)",
            path=path,
            line=line,
        )


def owner_login(owner: str) -> tuple[str, str]:
    """("login", "") for @user, ("", "email") for an e-mail, ("org/team", "") for a team."""
    if owner.startswith("@"):
        return owner[1:], ""
    return "", owner
