"""The heading tree of a Markdown document, with the anchors each site generator gives a heading.

A link is valid on the published site when its anchor matches the id the project's generator
gives the heading: GitHub's slugs (also Hugo's default, goldmark's "github" ids), Hugo's
"github-ascii" variant, MkDocs' (Python-Markdown toc) slugs where the project has mkdocs.yml,
and explicit `{#id}` attributes that Hugo, MkDocs and kramdown accept.
"""

from __future__ import annotations

import re
import unicodedata

from kb.rendering import heading_slug

_EXPLICIT_ID = re.compile(r"\s*\{\s*#([\w:.-]+)[^}]*\}\s*$")
_MKDOCS_STRIP = re.compile(r"[^\w\s-]")
_MKDOCS_SPACES = re.compile(r"[-\s]+")


def mkdocs_slug(heading: str) -> str:
    """Python-Markdown's toc `slugify` (MkDocs' default): ASCII only, runs of spaces and hyphens to one hyphen."""
    text = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode("ascii")
    text = _MKDOCS_STRIP.sub("", text).strip().lower()
    return _MKDOCS_SPACES.sub("-", text)


def github_ascii_slug(heading: str) -> str:
    """Hugo's `autoHeadingIDType = "github-ascii"`: GitHub's slug with accents and non-ASCII dropped."""
    text = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode("ascii")
    return heading_slug(text)


def _unique(slug: str, seen: dict[str, int], *, separator: str) -> str:
    if not slug:
        return slug
    candidate = slug
    while candidate in seen:
        seen[slug] += 1
        candidate = f"{slug}{separator}{seen[slug]}"
    seen[candidate] = 0
    return candidate


def sections_from_tokens(tokens, *, line_offset: int = 0) -> list[dict]:
    """[{"level", "title", "anchor", "anchors", "mkdocs", "line"}] for every heading, in order.

    `anchor` is GitHub's (what the portal renders); `anchors` holds the ids GitHub and Hugo
    publish (Hugo's default is GitHub's; its "github-ascii" variant drops accents) and an
    explicit `{#id}`; `mkdocs` is MkDocs' id, valid only for a project that publishes with
    MkDocs. Duplicates are numbered the way each numbers them (GitHub and Hugo "-1", MkDocs "_1"). `line` is 1-based in the original file (`line_offset` lines of front
    matter before the body).
    """
    sections: list[dict] = []
    seen_github: dict[str, int] = {}
    seen_ascii: dict[str, int] = {}
    seen_mkdocs: dict[str, int] = {}
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or index + 1 >= len(tokens):
            continue
        inline = tokens[index + 1]
        title = "".join(
            child.content for child in inline.children or () if child.type in {"text", "code_inline"}
        ).strip()
        explicit = _EXPLICIT_ID.search(title)
        if explicit:
            title = title[: explicit.start()].rstrip()
        github = _unique(heading_slug(title), seen_github, separator="-")
        anchors = [github] if github else []
        for slug in (_unique(github_ascii_slug(title), seen_ascii, separator="-"), explicit.group(1) if explicit else ""):
            if slug and slug not in anchors:
                anchors.append(slug)
        sections.append(
            {
                "level": int(token.tag[1]),
                "title": title,
                "anchor": token.attrGet("id") or github,
                "anchors": anchors,
                # Valid only where the project publishes with MkDocs (kb.documents.links.site_generators).
                "mkdocs": _unique(mkdocs_slug(title), seen_mkdocs, separator="_"),
                "line": (token.map[0] + 1 + line_offset) if token.map else None,
            }
        )
    return sections
