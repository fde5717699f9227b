"""Template helpers for the portal."""

import nh3
from django import template
from django.utils.safestring import mark_safe

register = template.Library()


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
