"""CODEOWNERS files (GitHub, and GitLab's [Section] headers).

Each line is a gitignore-style pattern followed by owners: @user, @org/team or an e-mail
address; for a given path the *last* matching line wins, and a pattern with no owners
makes matching files unowned. Patterns are matched by `pathspec` with gitignore semantics,
plus the one rule where GitHub's documentation departs from gitignore: an anchored pattern
whose last part is a `*` wildcard ("docs/*", "/*") owns the files at that level only, not
files in folders below it ("docs/*" owns docs/a.md, not docs/sub/b.md).

Negation ("!") and character ranges ("[a-z]") are ignored by GitHub, so they are reported as
errors rather than silently read differently.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from functools import cached_property

from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

from kb.ownership import CODEOWNERS_DIRECTORIES, ParseError

_OWNER = re.compile(r"^(@[A-Za-z0-9][A-Za-z0-9-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?|[^@\s]+@[^@\s]+\.[^@\s]+)$")
_SECTION = re.compile(r"^\^?\[(?P<name>[^\]]+)\](\[\d+\])?(?P<owners>(\s+\S+)*)\s*$")
# A name no pattern spells out, standing for "any file directly in this folder".
_ANY_FILE_NAME = "\uffff"
# Extension-less names that are files by convention (a CODEOWNERS line "Makefile" owns a file).
_FILE_NAMES = {"makefile", "dockerfile", "jenkinsfile", "vagrantfile", "gemfile", "procfile", "rakefile",
               "license", "copying", "notice", "authors", "owners", "codeowners", "maintainers"}  # fmt: skip


@dataclass
class CodeownersRule:
    pattern: str
    owners: list[str]
    line: int
    section: str = ""

    @cached_property
    def _compiled(self) -> GitIgnoreSpecPattern:
        return GitIgnoreSpecPattern(self.pattern)

    @cached_property
    def _this_level_only(self) -> bool:
        body = self.pattern.rstrip("/")
        last = body.rsplit("/", 1)[-1]
        return "/" in body and "*" in last and "**" not in last and not self.pattern.endswith("/")

    def matches(self, path: str) -> bool:
        path = path.strip("/")
        if self._compiled.match_file(path) is None:
            return False
        if self._this_level_only:
            # Matched only because a folder above it matched: GitHub does not own nested files.
            parent = posixpath.dirname(path)
            while parent:
                if self._compiled.match_file(parent) is not None:
                    return False
                parent = posixpath.dirname(parent)
        return True

    @property
    def area(self) -> tuple[str, str] | None:
        """("directory", path) or ("file", path) for a rule naming one folder ("" for the whole
        repository) or one file; None for a glob that names neither ("*.md", "apps/*/config")."""
        pattern = self.pattern
        if pattern in {"*", "**", "/", "/*", "/**"}:
            return ("directory", "")
        body = pattern.strip("/")
        for suffix in ("/**", "/*"):
            if body.endswith(suffix):
                body = body.removesuffix(suffix)
                pattern = body + "/"
        if any(ch in body for ch in "*?["):
            return None
        body = body.replace("\\", "")
        if pattern.endswith("/"):
            return ("directory", body)
        name = body.rsplit("/", 1)[-1]
        is_file = "." in name.lstrip(".") or name.lower() in _FILE_NAMES
        return ("file" if is_file else "directory", body)


@dataclass
class CodeownersFile:
    path: str
    rules: list[CodeownersRule] = field(default_factory=list)

    def owners_for(self, path: str) -> list[str]:
        """Owners of the file at `path`: the last matching rule wins."""
        for rule in reversed(self.rules):
            if rule.matches(path):
                return rule.owners
        return []

    def directory_owners(self, directory: str) -> list[str]:
        """Owners of any file directly in `directory` ("" for the root), whatever its name:
        "docs/*" owns "docs" but not "docs/sub"; "*.md" owns no folder."""
        return self.owners_for(posixpath.join(directory.strip("/"), _ANY_FILE_NAME))

    @property
    def everyone(self) -> list[str]:
        seen: dict[str, str] = {}
        for rule in self.rules:
            for owner in rule.owners:
                seen.setdefault(owner.lower(), owner)
        return list(seen.values())


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


def effective_codeowners(paths: list[str]) -> str | None:
    """The CODEOWNERS file that applies among `paths`: GitHub reads the first it finds in
    .github/, the root, docs/ (GitLab's .gitlab/ last), and ignores the others."""
    by_directory = {
        posixpath.dirname(p.strip("/")): p for p in paths if posixpath.basename(p) == "CODEOWNERS"
    }
    return next((by_directory[d] for d in CODEOWNERS_DIRECTORIES if d in by_directory), None)


def owner_login(owner: str) -> tuple[str, str]:
    """("login", "") for @user, ("", "email") for an e-mail, ("org/team", "") for a team."""
    if owner.startswith("@"):
        return owner[1:], ""
    return "", owner
