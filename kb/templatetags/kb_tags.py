"""Template helpers for the portal."""

import re

import nh3
from django import template
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

from kb.portal_links import rewrite_links
from kb.safe_links import safe_url_or_blank

register = template.Library()


@register.filter
def safe_url(value) -> str:
    """A stored link fit for href: http, https, mailto or relative; anything else renders as ""."""
    return safe_url_or_blank(value)


@register.filter
def highlights(snippet: str) -> str:
    """A backend's highlight snippet, reduced to text and <mark> whatever the backend sent."""
    return mark_safe(nh3.clean(snippet or "", tags={"mark"}, attributes={}))  # noqa: S308 - cleaned above


@register.filter
def author_names(authors) -> str:
    names = [a.get("name") or a.get("login") or a.get("email") for a in authors or [] if isinstance(a, dict)]
    return ", ".join(n for n in names if n)


@register.filter
def get_item(mapping: dict, key):
    """mapping[key] in a template, falling back to the key itself (facet values with no label)."""
    return mapping.get(key, key) if isinstance(mapping, dict) else key


_LEADING_H1 = re.compile(r"\A\s*<h1[^>]*>(.*?)</h1>\s*", re.S)


@register.filter
def without_leading_title(html: str, title: str) -> str:
    """Drop the document's first <h1> when it only repeats the title the page already shows.

    `html` is Document.html, sanitised with nh3 when it was stored; removing a
    whole element from it cannot make it unsafe.
    """
    match = _LEADING_H1.match(html or "")
    if match and strip_tags(match.group(1)).strip() == (title or "").strip():
        html = html[match.end() :]
    return mark_safe(html)  # noqa: S308 - sanitised at store time (kb.rendering.render_markdown)


@register.filter
def with_portal_links(html: str, links) -> str:
    """Sanitised HTML whose repository links lead where the portal can follow them
    (kb.portal_links): documents, stored files, upstream, or marked broken."""
    return mark_safe(rewrite_links(html or "", links or {}))  # noqa: S308 - re-sanitised by nh3 inside
