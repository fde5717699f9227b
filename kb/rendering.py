"""Markdown to safe HTML, front matter, headings and titles.

Everything that reaches a browser goes through `render_markdown`, which
sanitises with nh3 (Ammonia): no <script>, no on* attributes, no javascript: URLs.

Work per document is bounded, because anyone who can open an issue or push a
file chooses the input: markdown-it-py (no recursion beyond `MAX_NESTING`), a
cheap linear estimate of the parser's work checked before parsing
(`MAX_MARKUP_UNITS`, else RenderError), raw HTML escaped when it nests deeper
than nh3 handles in linear time, and YAML through kb.yaml_safe.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

import nh3
import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from kb.yaml_safe import YAMLLimitError, load_yaml

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
_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(\S.*)$")
# The scanners below are linear: a character class that excludes its own opener ([^\[\]], [^<>])
# stops at the next candidate instead of rescanning the rest of the text from every one.
_LINK = re.compile(r"!?\[([^\[\]]*)\]\([^()]*\)")
_TAG = re.compile(r"<[^<>]+>")


def atx_heading(line: str) -> tuple[int, str] | None:
    """(level, text) of an ATX heading line, without the optional closing #s; None otherwise."""
    match = _ATX_HEADING.match(line)
    if not match:
        return None
    text = match.group(2).rstrip()
    closed = text.rstrip("#")
    if closed != text and (not closed or closed[-1] in " \t"):  # "## Title ##" but not "C#"
        text = closed.rstrip()
    return len(match.group(1)), text


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
        data = load_yaml(raw)
    except YAMLLimitError as exc:
        line = exc.problem_mark.line + 2 if exc.problem_mark is not None else 2
        raise FrontMatterError(f"front matter refused: {exc.problem}", line) from exc
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
    """Headings (ATX and setext, outside code), in order, as plain text."""
    return [heading for _level, heading in heading_texts(text)]


def heading_texts(text: str) -> list[tuple[int, str]]:
    """(level, plain text) of every heading, read from the one parser's tokens; [] for a
    document over the render limits."""
    try:
        tokens = markdown_tokens(text)
    except RenderError:
        return []
    found = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and index + 1 < len(tokens):
            inline = tokens[index + 1]
            words = "".join(
                child.content for child in inline.children or () if child.type in {"text", "code_inline"}
            )
            found.append((int(token.tag[1]), words.strip()))
    return found


def derive_title(*, front_matter: dict, body: str, fallback: str) -> str:
    """Front matter's title, else the first level-1 heading (ATX or setext; never a "# comment"
    inside fenced code), else `fallback`."""
    title = front_matter.get("title") if front_matter else None
    if isinstance(title, str) and title.strip():
        return title.strip()[:500]
    for level, text in heading_texts(body):
        if level == 1 and text:
            return text[:500]
    return fallback[:500]


# markdown-it's block and inline parsers stop descending here (deeper content is dropped),
# so no input can exhaust the Python stack; real docs nest lists a handful of levels.
MAX_NESTING = 50
# A linear estimate of the parser's work: characters that start inline constructs plus two per
# line. The slowest shapes cost markdown-it-py ~20 us a unit, so this keeps any one document
# to a second or two; the largest real document in the Kubernetes corpora weighs ~22,000.
MAX_MARKUP_UNITS = 100_000
_MARKUP_CHARS = "[]()!<>*_~`|&\\"
# nh3 (html5ever) checks element scope by walking the open-element stack: raw HTML nested
# tens of thousands deep takes minutes. Deeper than this, raw HTML is shown as text.
MAX_HTML_DEPTH = 256
_HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*?(/?)>")
_VOID_TAGS = frozenset("area base br col embed hr img input link meta param source track wbr".split())


class RenderError(ValueError):
    """A document too expensive to render; the message says why and is meant for the user."""


def heading_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = _TAG.sub("", heading)
    text = _LINK.sub(r"\1", text)
    text = unicodedata.normalize("NFKC", text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _heading_ids(state) -> None:
    """Core rule: GitHub's heading ids, with -1, -2... for repeats (one dict, so linear)."""
    seen: dict[str, int] = {}
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or index + 1 >= len(tokens):
            continue
        inline = tokens[index + 1]
        words = "".join(
            child.content for child in inline.children or () if child.type in {"text", "code_inline"}
        )
        slug = heading_slug(words)
        if not slug:
            continue
        while slug in seen:  # "a", "a", "a-1" -> a, a-1, a-1-1, as GitHub does
            seen[slug] += 1
            slug = f"{slug}-{seen[slug]}"
        seen[slug] = 0
        token.attrSet("id", slug)


def _parser(*, html: bool) -> MarkdownIt:
    md = (
        MarkdownIt("commonmark", {"maxNesting": MAX_NESTING, "html": html})
        .enable(["table", "strikethrough"])
        .use(footnote_plugin)
        .use(deflist_plugin)
        .use(tasklists_plugin)
    )
    md.core.ruler.push("glacier_heading_ids", _heading_ids)
    return md


_thread_state = threading.local()


def _parsers() -> dict[bool, MarkdownIt]:
    """Per thread: a MarkdownIt holds per-render state in its renderer."""
    parsers = getattr(_thread_state, "parsers", None)
    if parsers is None:
        parsers = _thread_state.parsers = {True: _parser(html=True), False: _parser(html=False)}
    return parsers


def markup_units(text: str) -> int:
    # "[" opens a link label that markdown-it-py scans for, "![" an image label (about three
    # times any other opener); "- " may open a list or thematic break every nesting level rescans.
    return (
        2 * text.count("\n")
        + 2 * text.count("![")
        + text.count("[")
        + text.count("- ")
        + sum(text.count(char) for char in _MARKUP_CHARS)
    )


def raw_html_depth(text: str) -> int:
    """How deep raw HTML tags in `text` nest (an over-estimate: unclosed tags count)."""
    depth = deepest = 0
    for match in _HTML_TAG.finditer(text):
        closing, name, self_closing = match.groups()
        if self_closing or name.lower() in _VOID_TAGS:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest


def check_renderable(text: str) -> None:
    """Raise RenderError when `text` is more markup than one document may cost to render."""
    units = markup_units(text)
    if units > MAX_MARKUP_UNITS:
        raise RenderError(
            f"too much Markdown markup to render ({units:,} units of markup, the limit is "
            f"{MAX_MARKUP_UNITS:,}: lines, [ and images count two; list, emphasis, HTML and table markers one)"
        )


def render_markdown(text: str) -> str:
    """Safe HTML for Markdown `text`. Raises RenderError (only) for a document over the limits."""
    check_renderable(text)
    allow_html = raw_html_depth(text) <= MAX_HTML_DEPTH
    return sanitize_html(_parsers()[allow_html].render(text))


def markdown_tokens(text: str):
    """markdown-it-py's token stream for `text`: the one Markdown parser behind rendering,
    headings, links and every scanner. `token.map` holds 0-based [first, last) lines of `text`.
    Raises RenderError for a document over the limits."""
    check_renderable(text)
    return _parsers()[raw_html_depth(text) <= MAX_HTML_DEPTH].parse(text)


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
    text = _TAG.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = re.sub(r"[*_`>#|]+", " ", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def _strip_inline_markup(text: str) -> str:
    text = _LINK.sub(r"\1", text)
    return re.sub(r"[*_`]+", "", text).strip()
