"""Reading Markdown the way the link and placeholder rules need: prose lines outside code, links, anchors."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kb.rendering import heading_slug as github_slug  # one slug rule: the ids the renderer gives

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_INLINE_LINK = re.compile(r"!?\[(?P<text>[^\]]*)\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+[\"'][^)]*[\"'])?\s*\)")
_REFERENCE_DEF = re.compile(r"^\s{0,3}\[(?P<label>[^\]]+)\]:\s*<?(?P<target>\S+?)>?(?:\s+.*)?$")
_HTML_HREF = re.compile(r"<a\s[^>]*href=[\"'](?P<target>[^\"']+)[\"']", re.I)
_HTML_ANCHOR = re.compile(
    r"<a\s[^>]*(?:name|id)=[\"'](?P<name>[^\"']+)[\"']|\sid=[\"'](?P<id>[^\"']+)[\"']", re.I
)
_ATX = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")


def prose_lines(body: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, text) for lines outside fenced code, with inline code blanked out."""
    in_fence: str | None = None
    # Comments are invisible to readers; keep their newlines so line numbers stay right.
    body = _HTML_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), body)
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
        yield number, _INLINE_CODE.sub(lambda m: " " * len(m.group(0)), line)


def links(body: str) -> Iterator[tuple[int, str]]:
    """(line, target) of every Markdown or HTML link outside code."""
    for number, line in prose_lines(body):
        for match in _INLINE_LINK.finditer(line):
            yield number, match.group("target")
        ref = _REFERENCE_DEF.match(line)
        if ref:
            yield number, ref.group("target")
        for match in _HTML_HREF.finditer(line):
            yield number, match.group("target")


def is_external(target: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target)) or target.startswith("//")


def anchors(body: str, headings: tuple[str, ...] | list[str]) -> set[str]:
    """Every anchor a link may point at: heading slugs (with GitHub's -1, -2 for repeats) and HTML ids."""
    seen: dict[str, int] = {}
    result: set[str] = set()
    if not headings:
        headings = [m.group(1) for _, line in prose_lines(body) if (m := _ATX.match(line))]
    for heading in headings:
        slug = github_slug(heading)
        if slug in seen:
            seen[slug] += 1
            result.add(f"{slug}-{seen[slug]}")
        else:
            seen[slug] = 0
            result.add(slug)
    for match in _HTML_ANCHOR.finditer(_HTML_COMMENT.sub("", body)):
        result.add((match.group("name") or match.group("id")).lower())
    return result
