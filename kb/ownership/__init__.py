"""Who owns what: the one reader of a repository's ownership files, for kb and onboarding alike.

- `ownership_file_kind(path)` says which reader a file needs ("owners", "owners_aliases",
  "codeowners", "maintainers", "governance"), or None; files under vendored or test trees
  (`is_vendored_path`) are not the project's and get None.
- `kb.ownership.owners`: Kubernetes OWNERS / OWNERS_ALIASES, read into rules with aliases expanded.
- `kb.ownership.codeowners`: CODEOWNERS in its three locations, patterns through `pathspec`.
- `kb.ownership.maintainers`: MAINTAINERS in its forms (Markdown tables and lists, Linux
  `M:`/`R:` blocks, YAML) and the role sections of OWNERS.md / GOVERNANCE.md.

Every reader returns plain dataclasses, never touches the database, and raises ParseError
(file and line) for a file it cannot understand. People are named with one vocabulary, `Role`.
"""

from __future__ import annotations

import enum
import posixpath


class Role(enum.StrEnum):
    """The ladder words every ownership file is read into, most senior first."""

    LEAD = "lead"
    MAINTAINER = "maintainer"
    APPROVER = "approver"
    REVIEWER = "reviewer"
    MEMBER = "member"
    EMERITUS = "emeritus"


# Seniority of the active roles: a person listed twice keeps the higher one; emeritus is
# only what remains when nothing active is listed.
ACTIVE_ROLES = (Role.MEMBER, Role.REVIEWER, Role.APPROVER, Role.MAINTAINER, Role.LEAD)


def senior_role(current: Role | None, new: Role) -> Role:
    """The role a person keeps when listed as `current` and as `new`."""
    if current is None or current == Role.EMERITUS:
        return new
    if new == Role.EMERITUS:
        return current
    return max(current, new, key=ACTIVE_ROLES.index)


class ParseError(ValueError):
    """A broken ownership file: where, and what is wrong."""

    def __init__(self, message: str, *, path: str, line: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


# Folders whose ownership files describe someone else's code or a test case, not the project:
# a chart's OWNERS copied under testdata/ must not make its authors the project's approvers.
VENDORED_DIRECTORIES = frozenset({
    "testdata", "test-data", "test_data", "fixtures", "__fixtures__", "examples",
    "vendor", "vendored", "_vendor", "third_party", "third-party", "thirdparty", "3rdparty",
    "node_modules", "bower_components",
})  # fmt: skip

OWNERS_NAME = "OWNERS"
OWNERS_ALIASES_NAME = "OWNERS_ALIASES"
# GitHub reads CODEOWNERS from .github/, the root or docs/ (GitLab: .gitlab/ instead of .github/),
# first found wins; a CODEOWNERS anywhere else is ignored by both.
CODEOWNERS_DIRECTORIES = (".github", "", "docs", ".gitlab")
MAINTAINERS_SUFFIXES = {"", ".md", ".markdown", ".rst", ".txt"}
# Markdown documents whose role sections ("## Maintainers", "## Emeritus Maintainers") list people.
GOVERNANCE_STEMS = {"OWNERS", "GOVERNANCE"}
GOVERNANCE_SUFFIXES = {".md", ".markdown"}


def is_vendored_path(path: str) -> bool:
    """True when a folder of `path` holds copied third-party code or test data."""
    folders = posixpath.dirname(path.strip("/")).split("/")
    return any(folder.lower() in VENDORED_DIRECTORIES for folder in folders)


def ownership_file_kind(path: str) -> str | None:
    """Which reader the repository file at `path` needs: "owners", "owners_aliases",
    "codeowners", "maintainers" or "governance"; None for any other file, and for ownership
    files under vendored or test trees."""
    path = path.strip("/")
    if is_vendored_path(path):
        return None
    directory, name = posixpath.split(path)
    stem, suffix = posixpath.splitext(name)
    if name == OWNERS_NAME:
        return "owners"
    if name == OWNERS_ALIASES_NAME:
        return "owners_aliases"
    if name == "CODEOWNERS":
        return "codeowners" if directory in CODEOWNERS_DIRECTORIES else None
    if stem.upper() == "MAINTAINERS" and suffix.lower() in MAINTAINERS_SUFFIXES:
        return "maintainers"
    if stem.upper() in GOVERNANCE_STEMS and suffix.lower() in GOVERNANCE_SUFFIXES:
        return "governance"
    return None


def normalise_login(value: str) -> str:
    """ "@Octo-Cat " -> "Octo-Cat" (GitHub logins compare case-insensitively; keep the case shown)."""
    return value.strip().lstrip("@").strip()
