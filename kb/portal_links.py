"""A document's stored HTML, with its repository links pointed where the portal can follow them.

Relative links in a document are written for its repository: followed from a portal page,
they would open the portal's 404. `rewrite_links` re-sanitises the stored HTML with nh3
(the same tags, attributes and URL schemes as kb.rendering) and, through nh3's attribute
filter, gives every href and src its portal destination: the target document's page at its
anchor, a stored file, or the upstream file. A broken link loses its href and is marked
`class="broken-link"` with the reason as its title; a broken image likewise.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

import nh3
from django.utils.html import escape

from kb.documents.links import is_external
from kb.models import DocumentLink
from kb.rendering import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES
from kb.selectors import DocumentLinkContext, Upstream

NOT_RESOLVED = "A relative link the portal has not resolved, so it cannot follow it."


@dataclass(frozen=True)
class PortalLink:
    url: str | None  # None: nowhere to go (broken, or a file the portal does not have)
    title: str = ""  # why, shown on hover
    broken: bool = False  # marked broken even with a url (a missing anchor on a page that exists)


def rewrite_links(html: str, links: Mapping[str, PortalLink]) -> str:
    """`html` (sanitised) with each href/src found in `links` replaced by its PortalLink.

    Relative links missing from `links` lead nowhere too: never to a portal 404.
    """
    marker = f"#glacier-unlinked-{secrets.token_hex(8)}-"
    marked: list[PortalLink] = []

    def destination(tag: str, attribute: str, value: str) -> str | None:
        if (tag, attribute) not in {("a", "href"), ("img", "src")}:
            return value
        link = links.get(value)
        if link is None:
            if not value or is_external(value) or value.startswith("#"):
                return value
            link = PortalLink(None, NOT_RESOLVED)
        if link.url is not None and not link.broken:
            return link.url
        marked.append(link)
        return f"{marker}{len(marked) - 1}"

    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        attribute_filter=destination,
    )
    if not marked:
        return cleaned
    # The marker is random per call, so only the attributes set above can carry it.
    unlinked = re.compile(rf'(href|src)="{re.escape(marker)}(\d+)"')

    def mark(match: re.Match) -> str:
        attribute, link = match.group(1), marked[int(match.group(2))]
        css = "broken-link" if attribute == "href" else "broken-image"
        kept = f'{attribute}="{escape(link.url)}" ' if link.url is not None else ""
        return f'{kept}class="{css}" title="{escape(link.title)}"'

    return unlinked.sub(mark, cleaned)


def portal_links(context: DocumentLinkContext, *, document_url, file_url) -> dict[str, PortalLink]:
    """href/src as written -> where the portal sends the reader, from the stored DocumentLink rows.

    `document_url(pk)` and `file_url(pk)` give the portal's own pages.
    """
    mapping: dict[str, PortalLink] = {}
    upstream = context.upstream
    for link in context.links:
        if link.status == DocumentLink.Status.EXTERNAL or link.href in mapping:
            continue
        if link.status in (DocumentLink.Status.RESOLVED, DocumentLink.Status.BROKEN_ANCHOR):
            sections = context.target_sections.get(link.target_id)
            if sections is None:
                mapping[link.href] = PortalLink(None, "The linked document is not visible to you.")
                continue
            anchor = _rendered_anchor(link.anchor, sections)
            url = document_url(link.target_id) + (f"#{anchor}" if anchor else "")
            if link.target_id == link.source_id and not link.href.split("#", 1)[0]:
                url = f"#{anchor}" if anchor else "#"
            if link.status == DocumentLink.Status.BROKEN_ANCHOR:
                # The page exists: open it, and say the heading is gone.
                mapping[link.href] = PortalLink(url, f"Broken anchor: {link.reason}", broken=True)
            else:
                mapping[link.href] = PortalLink(url)
        elif link.status == DocumentLink.Status.FILE:
            mapping[link.href] = _file_link(link, context.files.get(link.target_path), upstream, file_url)
        else:
            mapping[link.href] = PortalLink(
                None, f"Broken link: {link.reason or link.target_path}", broken=True
            )
    return mapping


def _file_link(link, stored: tuple[int, bool] | None, upstream: Upstream | None, file_url) -> PortalLink:
    if stored is not None and stored[1]:
        return PortalLink(file_url(stored[0]))
    if upstream is not None:
        if stored is None:  # a folder: GitHub lists it
            return PortalLink(upstream.tree(link.target_path))
        if link.kind == DocumentLink.Kind.IMAGE:
            return PortalLink(upstream.raw(link.target_path))
        fragment = f"#{link.anchor}" if link.anchor else ""
        return PortalLink(upstream.blob(link.target_path) + fragment)
    return PortalLink(None, f"{link.target_path} is a repository file the portal does not keep.")


def _rendered_anchor(anchor: str, sections: list) -> str:
    """The id the portal renders for the heading `anchor` names in any site generator's style."""
    if not anchor:
        return ""
    wanted = anchor.lower()
    for section in sections or ():
        if wanted in {a.lower() for a in [*(section.get("anchors") or ()), section.get("mkdocs") or ""] if a}:
            return section.get("anchor") or anchor
    return anchor
