"""Parsers for the files that say who owns what: OWNERS / OWNERS_ALIASES (Kubernetes),
CODEOWNERS (GitHub/GitLab) and MAINTAINERS (Markdown tables and lists, "Name <email>"
lines, Linux-style M:/F: blocks).

They read text and return plain dataclasses; they never touch the database. A file
that cannot be understood raises ParseError naming the file and the line.
"""

from __future__ import annotations

import posixpath


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


OWNERS_NAMES = {"OWNERS"}
OWNERS_ALIASES_NAMES = {"OWNERS_ALIASES"}
CODEOWNERS_NAMES = {"CODEOWNERS"}
MAINTAINERS_NAMES = {
    "MAINTAINERS",
    "MAINTAINERS.md",
    "MAINTAINERS.txt",
    "MAINTAINERS.rst",
    "MAINTAINERS.markdown",
}


def ownership_file_kind(path: str) -> str | None:
    """Which parser reads the file at `path`: "owners", "owners_aliases", "codeowners",
    "maintainers", or None when it is not an ownership file."""
    name = posixpath.basename(path)
    if name in OWNERS_NAMES:
        return "owners"
    if name in OWNERS_ALIASES_NAMES:
        return "owners_aliases"
    if name in CODEOWNERS_NAMES:
        return "codeowners"
    if name.upper() in {n.upper() for n in MAINTAINERS_NAMES}:
        return "maintainers"
    return None


def normalise_login(value: str) -> str:
    """ "@Octo-Cat " -> "Octo-Cat" (GitHub logins compare case-insensitively; keep the case shown)."""
    return value.strip().lstrip("@").strip()
