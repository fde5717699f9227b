"""Markdown to safe HTML, front matter, headings and titles.

Everything that reaches a browser goes through `render_markdown`, which
sanitises with nh3 (Ammonia): no <script>, no on* attributes, no javascript: URLs.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import markdown
import nh3
import yaml

ALLOWED_TAGS = nh3.ALLOWED_TAGS | {
    "h1", "h2", "h3", "h4", "h5", "h6", "pre", "code", "table", "thead", "tbody", "tr", "th", "td",
    "hr", "img", "details", "summary", "del", "input", "span", "div", "sup", "sub",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    **nh3.ALLOWED_ATTRIBUTES,
    "a": {"href", "title", "name"},
    "img": {"src", "alt", "title", "width", "height"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "code": {"class"}, "span": {"class"}, "div": {"class"}, "th": {"align"}, "td": {"align"},
    "input": {"type", "checked", "disabled"},
}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto"}

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_FENCE = re.compile(r"^\s*(```|~~~)")
_ATX_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")


class FrontMatterError(ValueError):
    """Front matter that is not valid YAML; `line` is 1-based within the file."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class ParsedMarkdown:
    front_matter: dict
    body: str  # text after the front matter
    body_line_offset: int  # lines consumed by the front matter


def split_front_matter(text: str) -> ParsedMarkdown:
    """Separate YAML front matter from the body. Raises FrontMatterError for broken YAML."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return ParsedMarkdown({}, text, 0)
    raw = match.group(1)
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None  # +1 for 1-based, +1 for the opening ---
        problem = getattr(exc, "problem", None) or str(exc)
        raise FrontMatterError(f"invalid YAML front matter: {problem}", line) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterError("front matter must be a mapping of keys to values", 2)
    consumed = text[: match.end()].count("\n")
    return ParsedMarkdown(data, text[match.end() :], consumed)


def extract_headings(text: str) -> list[str]:
    """ATX headings outside fenced code blocks, in order."""
    headings, in_fence = [], False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        match = _ATX_HEADING.match(line)
        if match:
            headings.append(_strip_inline_markup(match.group(2)))
    return headings


def derive_title(*, front_matter: dict, headings_text: str, fallback: str) -> str:
    title = front_matter.get("title") if front_matter else None
    if isinstance(title, str) and title.strip():
        return title.strip()[:500]
    for line in headings_text.splitlines():
        match = _ATX_HEADING.match(line)
        if match and len(match.group(1)) == 1:
            return _strip_inline_markup(match.group(2))[:500]
    return fallback[:500]


_thread_state = threading.local()


def _markdown() -> markdown.Markdown:
    """One converter per thread, reset between documents: building one costs more than converting."""
    converter = getattr(_thread_state, "markdown", None)
    if converter is None:
        converter = markdown.Markdown(
            extensions=["extra", "sane_lists", "toc"],
            extension_configs={"toc": {"permalink": False}},
            output_format="html",
        )
        _thread_state.markdown = converter
    return converter


def render_markdown(text: str) -> str:
    html = _markdown().reset().convert(text)
    return sanitize_html(html)


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def plain_text(text: str) -> str:
    """Markdown reduced to words for indexing and summaries (no markup, no HTML)."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_`>#|]+", " ", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def _strip_inline_markup(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[*_`]+", "", text).strip()
