"""Which links may be stored or rendered: http, https, mailto and relative URLs, nothing else.

Links come from users (onboarding steps, checklist items) and from remote systems (a
GitHub issue's html_url); rendered as `<a href>`, a `javascript:`, `data:` or `vbscript:`
link runs script on our origin. Writes refuse them (`validate_safe_url`), ingest drops
them (`safe_url_or_blank`), and templates render stored links through the `safe_url`
filter (kb/templatetags/kb_tags.py), so a row written before this check is harmless too.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
UNSAFE_LINK_MESSAGE = "Only http, https and mailto links, or links relative to this site, are allowed."

# Browsers drop tabs and newlines anywhere in a URL and leading C0 controls and spaces,
# so "java\tscript:" and " javascript:" are javascript: links.
_IGNORED_ANYWHERE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


def is_safe_url(value) -> bool:
    """True for http(s) and mailto URLs and for relative references ("docs/x.md", "/gaps/3/", "#top")."""
    if value is None:
        return False
    text = _IGNORED_ANYWHERE.sub("", str(value)).lstrip(
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e"
        "\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a"
        "\x1b\x1c\x1d\x1e\x1f "
    )
    if "\\" in text:  # "\\evil.example" and "/\\evil" are read as other hosts; no real link needs it
        return False
    match = _SCHEME.match(text)
    if match:
        return match.group(1).lower() in SAFE_SCHEMES
    # No scheme: a relative reference, unless a colon before the first "/", "?" or "#"
    # makes some parser see one ("javascript&colon;" is text here, the template escapes it).
    head = re.split(r"[/?#]", text, maxsplit=1)[0]
    return ":" not in head


def safe_url_or_blank(value) -> str:
    """`value` when it is a safe link, else "" (for ingest: an unsafe link is dropped, the item kept)."""
    return str(value) if value and is_safe_url(value) else ""


def validate_safe_url(value) -> None:
    """A Django validator (forms, serializers, services): blank passes, unsafe links do not."""
    if value and not is_safe_url(value):
        raise ValidationError(UNSAFE_LINK_MESSAGE, code="unsafe_link")
