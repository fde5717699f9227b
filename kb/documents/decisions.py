"""Decision records: status, dates, people and the reasons, from the project's own metadata.

Read, in order of trust: a KEP's `kep.yaml` beside its README (attached at ingest as
metadata["sidecars"]["kep.yaml"]), ADR/MADR or proposal front matter, a "Status:" line or
table row near the top, a "## Status" section (MADR). The project's own word is kept as
`status_raw`; `status` is one of STATUSES.
"""

from __future__ import annotations

import difflib
import re

STATUSES = (
    "draft", "proposed", "accepted", "implemented", "rejected", "withdrawn", "deferred", "superseded",
    "deprecated",
)  # fmt: skip
# The first word that matches decides; longer phrases come first.
_STATUS_WORDS: list[tuple[str, str]] = [
    ("work in progress", "draft"), ("wip", "draft"), ("draft", "draft"),
    ("under review", "proposed"), ("in review", "proposed"), ("provisional", "proposed"),
    ("proposal", "proposed"), ("proposed", "proposed"), ("pending", "proposed"), ("open", "proposed"),
    ("implementable", "accepted"), ("accepted", "accepted"), ("approved", "accepted"), ("agreed", "accepted"),
    ("adopted", "accepted"), ("active", "accepted"), ("final", "accepted"),
    ("implemented", "implemented"), ("completed", "implemented"), ("complete", "implemented"),
    ("done", "implemented"), ("shipped", "implemented"), ("released", "implemented"),
    ("graduated", "implemented"), ("stable", "implemented"),
    ("rejected", "rejected"), ("declined", "rejected"), ("not accepted", "rejected"),
    ("withdrawn", "withdrawn"), ("abandoned", "withdrawn"), ("dropped", "withdrawn"), ("closed", "withdrawn"),
    ("deferred", "deferred"), ("postponed", "deferred"), ("on hold", "deferred"), ("dormant", "deferred"),
    ("superseded", "superseded"), ("replaced", "superseded"), ("obsolete", "superseded"),
    ("deprecated", "deprecated"), ("defunct", "deprecated"), ("retired", "deprecated"), ("removed", "deprecated"),
]  # fmt: skip
_WORDS = re.compile(r"[a-z]+(?: [a-z]+)?")
# "Status: Implemented", "**Status**: Draft", "* Status: accepted", "| Status | Proposed |"
_STATUS_LINE = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\|\s*)?(?:\*\*|__)?status(?:\*\*|__)?\s*(?::|\|)\s*(?:\*\*|__)?\s*([^|\n]{2,80})",
    re.I,
)
STATUS_LINE_SEARCH_LINES = 40
WHY_SECTIONS = {
    "motivation": "motivation", "goals": "goals", "non-goals": "non_goals", "non goals": "non_goals",
    "alternatives": "alternatives", "alternatives considered": "alternatives",
    "considered options": "alternatives", "context": "context", "context and problem statement": "context",
    "problem statement": "context", "background": "context", "rationale": "rationale",
    "decision outcome": "decision", "decision": "decision", "summary": "summary", "abstract": "summary",
}  # fmt: skip
WHY_CHARS = 600


def normalise_status(raw: str) -> str | None:
    text = " ".join(_WORDS.findall(str(raw).lower()))
    for word, status in _STATUS_WORDS:
        if re.search(rf"\b{re.escape(word)}\b", text):
            return status
    # A misspelt one-word status ("imlpemented") still says what its author meant.
    close = difflib.get_close_matches(
        text, [word for word, _ in _STATUS_WORDS if len(word) > 5], n=1, cutoff=0.8
    )
    return dict(_STATUS_WORDS)[close[0]] if close else None


def status_line(body: str) -> str | None:
    """The project's own status word from a "Status:" line or table row near the top, if any."""
    for line in body.split("\n", STATUS_LINE_SEARCH_LINES)[:STATUS_LINE_SEARCH_LINES]:
        match = _STATUS_LINE.match(line)
        if match:
            raw = match.group(1).strip().strip("*_` ")
            if normalise_status(raw):
                return raw
    return None


def _people(value) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [str(item).strip() for item in value if isinstance(item, (str, int)) and str(item).strip()][:50]


def _text(value) -> str:
    return str(value).strip() if isinstance(value, (str, int, float)) else ""


def _status_section(tokens) -> str | None:
    """MADR's "## Status" section: its first paragraph."""
    return _why_sections(tokens, wanted={"status": "status"}).get("status")


def _why_sections(tokens, *, wanted: dict[str, str] = WHY_SECTIONS) -> dict[str, str]:
    """{"motivation": first paragraph, ...} for the headings that say why a decision was taken."""
    found: dict[str, str] = {}
    current: str | None = None
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and index + 1 < len(tokens):
            title = re.sub(r"[^a-z -]", "", tokens[index + 1].content.lower()).strip()
            current = wanted.get(title)
            if current in found:
                current = None
            continue
        if current and token.type == "inline" and tokens[index - 1].type == "paragraph_open":
            text = re.sub(r"\s+", " ", _inline_text(token)).strip()
            if len(text) >= 20 or current == "status":
                found[current] = text[:WHY_CHARS]
                current = None
    return found


def _inline_text(token) -> str:
    return (
        "".join(
            child.content
            for child in token.children or ()
            if child.type in {"text", "code_inline", "softbreak"}
        )
        or token.content
    )


def decision_of(*, body: str, tokens, front_matter: dict, sidecars: dict) -> dict | None:
    """The decision a document records, or None when nothing states a status."""
    kep = sidecars.get("kep.yaml") if isinstance(sidecars, dict) else None
    source, meta, raw = "", {}, None
    if isinstance(kep, dict) and _text(kep.get("status")):
        source, meta, raw = "kep.yaml", kep, _text(kep.get("status"))
    elif front_matter and _text(front_matter.get("status")) and normalise_status(front_matter["status"]):
        source, meta, raw = "front matter", front_matter, _text(front_matter.get("status"))
    else:
        raw = status_line(body)
        source = "status line"
        if raw is None:
            section = _status_section(tokens)
            if section and normalise_status(section):
                raw, source = section.split(".")[0][:80], "status section"
    if not raw:
        return None
    date = (
        meta.get("last-updated") or meta.get("date") or meta.get("creation-date") or meta.get("created")
        if meta
        else None
    )
    return {
        "status_raw": raw,
        "status": normalise_status(raw) or "proposed",
        "date": _text(date) or None,
        "number": _text(meta.get("kep-number") or meta.get("number")) or None,
        "authors": _people(meta.get("authors") or meta.get("deciders") or meta.get("author")),
        "owners": _people(meta.get("owning-sig") or meta.get("owners")),
        "approvers": _people(meta.get("approvers")),
        "supersedes": _people(meta.get("replaces") or meta.get("supersedes")),
        "superseded_by": _people(meta.get("superseded-by") or meta.get("superseded_by")),
        "stage": _text(meta.get("stage")) or None,
        "milestone": _text(meta.get("latest-milestone")) or None,
        "why": _why_sections(tokens),
        "source": source,
    }
