"""Readable diffs between two revisions' text (rendered by templates, which escape every line)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffLine:
    op: str  # "add", "remove", "context", "hunk"
    text: str


def revision_diff(old_text: str, new_text: str, *, context: int = 2) -> list[DiffLine]:
    """Unified diff of two page texts as typed lines; empty when they are equal."""
    lines = []
    diff = difflib.unified_diff(
        old_text.splitlines(),
        new_text.splitlines(),
        fromfile="before",
        tofile="after",
        lineterm="",
        n=context,
    )
    for raw in diff:
        if raw.startswith(("---", "+++")):
            continue
        if raw.startswith("@@"):
            lines.append(DiffLine("hunk", raw))
        elif raw.startswith("+"):
            lines.append(DiffLine("add", raw[1:]))
        elif raw.startswith("-"):
            lines.append(DiffLine("remove", raw[1:]))
        else:
            lines.append(DiffLine("context", raw[1:]))
    return lines
