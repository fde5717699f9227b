"""What a Markdown document links to, and where each link lands in its repository.

`extract_links` reads markdown-it tokens (kb.rendering.markdown_tokens, the one Markdown
parser): inline links, images, reference links, autolinks, and raw HTML `<a href>` and
`<img src>`, each with its 1-based line in the original file (front matter included).

`locate` and `check_anchor` (together: `resolve`) judge a link the way GitHub renders the
repository: relative to the linking file, `/` from the repository root, a folder meaning
its README, paths case-sensitive. Anchors are valid when any site generator would publish
them (the target's section `anchors`), when the target declares them in HTML
(`<a name>`, `id=`), and for GitHub's line anchors (`#L10-L20`) and text fragments
(`#:~:text=`). Nothing here touches the database.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote

from kb.rendering import markdown_tokens

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx")
# What a folder link shows, in the order GitHub (README) and Hugo / MkDocs (_index, index) pick it.
FOLDER_INDEX_NAMES = ("README.md", "readme.md", "Readme.md", "README.markdown", "README.rst", "README",
                      "_index.md", "index.md")  # fmt: skip
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_LINE_ANCHOR = re.compile(r"^L\d+(?:C\d+)?(?:-L\d+(?:C\d+)?)?$")
TEXT_FRAGMENT = ":~:"


class Status:
    """DocumentLink.Status values (kept here so this module stays free of Django models)."""

    RESOLVED = "resolved"
    FILE = "file"
    BROKEN = "broken"
    BROKEN_ANCHOR = "broken-anchor"
    EXTERNAL = "external"


@dataclass(frozen=True)
class LinkRef:
    href: str  # as markdown-it normalised it (the value the rendered HTML carries)
    kind: str  # "link" or "image"
    line: int  # 1-based, in the original file


@dataclass
class MarkdownLinks:
    links: list[LinkRef] = field(default_factory=list)
    # Anchors the document declares itself: rendered heading ids and HTML name/id attributes.
    anchors: set[str] = field(default_factory=set)


class _HTMLLinks(HTMLParser):
    """href/src and name/id attributes of raw HTML, with the line each starts on (1-based in the fed text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, int]] = []  # (kind, value, line)
        self.anchors: set[str] = set()

    def handle_starttag(self, tag, attrs):
        values = {name: value for name, value in attrs if value is not None}
        line = self.getpos()[0]
        if tag == "a" and values.get("href", "").strip():
            self.found.append(("link", values["href"].strip(), line))
        elif tag == "img" and values.get("src", "").strip():
            self.found.append(("image", values["src"].strip(), line))
        for name in ("id", "name") if tag == "a" else ("id",):
            if values.get(name):
                self.anchors.add(values[name].strip().lower())

    handle_startendtag = handle_starttag


def _html_links(html: str) -> _HTMLLinks:
    parser = _HTMLLinks()
    parser.feed(html)
    parser.close()
    return parser


def read_markdown_links(body: str, *, line_offset: int = 0) -> MarkdownLinks:
    """Links and declared anchors of a Markdown body (the text after `line_offset` lines of front matter).

    Raises kb.rendering.RenderError for a body over the render limits (it was never rendered either).
    """
    return links_from_tokens(markdown_tokens(body), line_offset=line_offset)


def links_from_tokens(tokens, *, line_offset: int = 0) -> MarkdownLinks:
    """`read_markdown_links` over tokens already parsed (one parse per document serves every reader)."""
    result = MarkdownLinks()
    block_line = 0  # 0-based line of the innermost block seen, for inline tokens without a map
    for token in tokens:
        if token.map:
            block_line = token.map[0]
        if token.type == "heading_open" and token.attrGet("id"):
            result.anchors.add(str(token.attrGet("id")).lower())
        elif token.type == "html_block":
            parsed = _html_links(token.content)
            result.anchors |= parsed.anchors
            result.links += [
                LinkRef(value, kind, block_line + line + line_offset) for kind, value, line in parsed.found
            ]
        elif token.type == "inline":
            _inline_links(token.children or (), first_line=block_line + 1 + line_offset, into=result)
    return result


def _inline_links(children: Iterable, *, first_line: int, into: MarkdownLinks) -> None:
    line = first_line
    for child in children:
        if child.type in {"softbreak", "hardbreak"}:
            line += 1
        elif child.type == "link_open" and child.attrGet("href"):
            into.links.append(LinkRef(str(child.attrGet("href")), "link", line))
        elif child.type == "image" and child.attrGet("src"):
            into.links.append(LinkRef(str(child.attrGet("src")), "image", line))
        elif child.type == "html_inline":
            parsed = _html_links(child.content)
            into.anchors |= parsed.anchors
            into.links += [LinkRef(value, kind, line + offset - 1) for kind, value, offset in parsed.found]
            line += child.content.count("\n")


def extract_links(body: str, *, line_offset: int = 0) -> list[LinkRef]:
    """Every link and image of a Markdown body, in document order, lines counted in the original file."""
    return read_markdown_links(body, line_offset=line_offset).links


def is_markdown_path(path: str) -> bool:
    return path.lower().endswith(MARKDOWN_SUFFIXES)


def is_external(href: str) -> bool:
    """A link with a scheme (https:, mailto:...), protocol-relative, or a site-generator template."""
    return bool(_SCHEME.match(href)) or href.startswith("//") or "{{" in href or "{%" in href


# resolution -------------------------------------------------------------------------------
@dataclass
class RepositoryIndex:
    """The files of one repository a link may land on.

    `documents` maps the path of every stored document to its id; `files` holds the other
    files of the tree (images, YAML, code) that exist but are not documents.
    """

    documents: Mapping[str, int]
    files: set[str]

    def __post_init__(self):
        self.directories: set[str] = {""}
        self.by_lower: dict[str, str] = {}
        for path in [*self.documents, *self.files]:
            self.by_lower.setdefault(path.lower(), path)
            parent = posixpath.dirname(path)
            while parent and parent not in self.directories:
                self.directories.add(parent)
                self.by_lower.setdefault(parent.lower(), parent)
                parent = posixpath.dirname(parent)

    def exists(self, path: str) -> bool:
        return path in self.documents or path in self.files or path in self.directories


@dataclass
class Location:
    """Where a link's path part lands; `anchor` is the fragment still to check."""

    status: str
    target_path: str = ""
    target_id: int | None = None
    anchor: str = ""
    reason: str = ""


def split_href(href: str) -> tuple[str, str]:
    """(decoded path without ?query, decoded fragment)."""
    path, _, fragment = href.partition("#")
    path = path.split("?", 1)[0]
    return unquote(path), unquote(fragment)


def locate(source_path: str, href: str, *, index: RepositoryIndex) -> Location:
    """Resolve the path part of `href`, written in the file at `source_path`."""
    href = href.strip()
    if is_external(href):
        return Location(Status.EXTERNAL)
    path, anchor = split_href(href)
    if not path:  # "#section" or "?tab=x": this very file
        return Location(Status.RESOLVED, source_path, index.documents.get(source_path), anchor)
    base = "" if path.startswith("/") else posixpath.dirname(source_path)
    joined = posixpath.normpath(posixpath.join(base, path.lstrip("/")))
    if joined == "..":
        joined = ""
    if joined == ".":
        joined = ""
    if joined.startswith("../"):
        return Location(Status.BROKEN, joined, anchor=anchor, reason="leads outside the repository")
    if joined in index.documents:
        return Location(Status.RESOLVED, joined, index.documents[joined], anchor)
    if joined in index.files:
        return Location(Status.FILE, joined, anchor=anchor)
    if joined in index.directories:
        for name in FOLDER_INDEX_NAMES:
            readme = posixpath.join(joined, name) if joined else name
            if readme in index.documents:
                return Location(Status.RESOLVED, readme, index.documents[readme], anchor)
        return Location(Status.FILE, joined, anchor=anchor)  # GitHub lists the folder
    actual = index.by_lower.get(joined.lower())
    if actual is not None:
        return Location(Status.BROKEN, joined, anchor=anchor, reason=f"case differs: the file is {actual}")
    return Location(Status.BROKEN, joined, anchor=anchor, reason=f"{joined or '/'} does not exist")


def anchor_is_valid(anchor: str, anchors: set[str] | None) -> bool:
    """Whether `anchor` lands on the page; `anchors` None means the target's anchors are unknown (not Markdown)."""
    if not anchor or anchors is None:
        return True
    anchor, text_fragment, _ = anchor.partition(TEXT_FRAGMENT)
    if text_fragment and not anchor:
        return True  # "#:~:text=...": the browser searches the text
    if _LINE_ANCHOR.match(anchor):
        return True  # GitHub's line anchors (on a Markdown file, with ?plain=1)
    return anchor.lower() in anchors


def check_anchor(location: Location, *, anchors: set[str] | None) -> Location:
    """`location` with its fragment checked against the target's anchors."""
    if location.status not in (Status.RESOLVED, Status.FILE) or anchor_is_valid(location.anchor, anchors):
        return location
    return Location(
        Status.BROKEN_ANCHOR,
        location.target_path,
        location.target_id,
        location.anchor,
        reason=f"no heading or anchor #{location.anchor} in {location.target_path}",
    )


def resolve(
    source_path: str, href: str, *, index: RepositoryIndex, anchors: Mapping[int, set[str] | None]
) -> Location:
    """`locate` then `check_anchor`, with `anchors` the anchor sets of the documents by id
    (a document missing from it, or a repository file, is not checked)."""
    location = locate(source_path, href, index=index)
    target_anchors = anchors.get(location.target_id) if location.target_id is not None else None
    return check_anchor(location, anchors=target_anchors)


# An HTML attribute that may declare an anchor: only then do a document's tokens need reading for anchors.
_DECLARES_ANCHOR = re.compile(r"\b(?:id|name)\s*=", re.I)


MKDOCS_CONFIGS = ("mkdocs.yml", "mkdocs.yaml")


def publishes_with_mkdocs(paths: Iterable[str]) -> bool:
    """Whether the repository builds its site with MkDocs (an mkdocs.yml anywhere in the tree)."""
    return any(path.rsplit("/", 1)[-1] in MKDOCS_CONFIGS for path in paths)


def document_anchors(
    *,
    path: str,
    sections: list,
    body: str,
    line_offset: int = 0,
    declared: set[str] | None = None,
    mkdocs: bool = False,
) -> set[str] | None:
    """Every anchor a link into this document may use: each section's `anchors` (GitHub and Hugo
    variants; MkDocs' too when `mkdocs`) and the anchors the Markdown declares itself (`declared`, when the caller has
    read them already). None for a file that is not Markdown, whose anchors cannot be known."""
    if not is_markdown_path(path):
        return None
    anchors = set()
    for section in sections or ():
        anchors.update(a.lower() for a in section.get("anchors") or [section.get("anchor") or ""] if a)
        if mkdocs and section.get("mkdocs"):
            anchors.add(section["mkdocs"].lower())
    if declared is not None:
        anchors |= declared
    elif not sections or _DECLARES_ANCHOR.search(body):  # heading ids and HTML anchors need the tokens
        anchors |= read_markdown_links(body, line_offset=line_offset).anchors
    return anchors
