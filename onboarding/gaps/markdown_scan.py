"""Reading Markdown the way the placeholder rule needs: prose lines outside code.

Links and anchors are not read here: the document model stores them (kb.documents.links,
DocumentLink rows), and the broken-link rule reads those.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
# Every pattern here is linear in the text it scans (issue [6]: files are written by anyone):
# a character class that excludes the construct's own opener stops at the next candidate
# instead of rescanning the rest of the line from each one; comments and code spans are
# found with str.find and a table of backtick runs instead of backtracking patterns.
_BACKTICKS = re.compile(r"`+")


def _without_comments(body: str) -> str:
    """HTML comments blanked, their newlines kept (line numbers stay right); an unclosed one runs to the end."""
    if "<!--" not in body:
        return body
    parts, position = [], 0
    while (start := body.find("<!--", position)) != -1:
        end = body.find("-->", start + 4)
        end = len(body) if end == -1 else end + 3
        parts += [body[position:start], "\n" * body.count("\n", start, end)]
        position = end
    parts.append(body[position:])
    return "".join(parts)


def _blank_code_spans(line: str) -> str:
    """Code spans replaced by spaces: a run of n backticks opens one that the next run of n closes."""
    if "`" not in line:
        return line
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(line)]
    next_same: list[int | None] = [None] * len(runs)
    last_seen: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        next_same[index] = last_seen.get(length)
        last_seen[length] = index
    chars, index = list(line), 0
    while index < len(runs):
        closing = next_same[index]
        if closing is None:
            index += 1
            continue
        start, end = runs[index][0], runs[closing][1]
        chars[start:end] = " " * (end - start)
        index = closing + 1
    return "".join(chars)


def prose_lines(body: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, text) for lines outside fenced code, with inline code blanked out."""
    in_fence: str | None = None
    # Comments are invisible to readers; keep their newlines so line numbers stay right.
    body = _without_comments(body)
    for number, line in enumerate(body.splitlines(), start=1):
        fence = _FENCE.match(line)
        if fence:
            marker = fence.group(1)[0]
            if in_fence is None:
                in_fence = marker
                continue
            if in_fence == marker:
                in_fence = None
                continue
        if in_fence is not None:
            continue
        yield number, _blank_code_spans(line)
