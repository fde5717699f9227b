"""Placeholders left in docs: TODO, TBD, FIXME, "coming soon" — outside code blocks and comments."""

from __future__ import annotations

import re

from onboarding.gaps.base import DetectionContext, Finding, Suggestion, rule
from onboarding.gaps.markdown_scan import prose_lines

PLACEHOLDER = re.compile(r"\b(?:TODO|TBD|FIXME)\b|\bcoming soon\b", re.I)
# Upper-case markers only: "todo" and "tbd" in ordinary prose are rare, "To do:" in a
# checklist is not a gap. "coming soon" is matched in any case.
_CASE_SENSITIVE = {"todo", "tbd", "fixme"}
# Templates are placeholders by design.
_MENTION = re.compile(r"\b(?:a|an|the|my|our|your|their|on|in)\s+$", re.I)
TEMPLATE_HINTS = ("issue_template", "pull_request_template", "/templates/", "template.md")
MAX_ITEMS = 20


def find_placeholders(body: str) -> list[dict]:
    found = []
    for number, line in prose_lines(body):
        for match in PLACEHOLDER.finditer(line):
            word = match.group(0)
            if word.lower() in _CASE_SENSITIVE and word != word.upper():
                continue
            if _MENTION.search(line[max(0, match.start() - 40) : match.start()]):  # bounded: linear
                continue  # "add a TODO", "the TODO list": talking about placeholders, not leaving one
            found.append({"line": number, "marker": word, "text": line.strip()[:200]})
            break
    return found


@rule(
    id="placeholder-text",
    title="Placeholder text left in docs",
    severity="low",
    why=(
        "A TODO or 'coming soon' is a promise the reader cannot act on: it marks exactly the "
        "information somebody once knew was missing, and it is often what a newcomer came for."
    ),
    how=(
        "Replace each placeholder with the real content (ask in the project's channel or read the "
        "code), or delete it and open an issue if the information does not exist yet."
    ),
)
def placeholders(ctx: DetectionContext):
    for doc in ctx.docs("doc"):
        if doc.is_historical or any(hint in doc.path.lower() for hint in TEMPLATE_HINTS):
            continue
        items = find_placeholders(doc.body)
        if not items:
            continue
        yield Finding(
            key=doc.path or doc.key,
            title=f"{len(items)} placeholder{'s' if len(items) > 1 else ''} in {doc.path or doc.title}",
            evidence={
                "summary": f"Unfinished text in {doc.path or doc.title}.",
                "items": items[:MAX_ITEMS],
                "count": len(items),
            },
            suggestion=Suggestion(
                "edit", doc.path, tuple(f'line {i["line"]}: replace "{i["text"][:80]}"' for i in items[:10])
            ),
            path=doc.path,
            severity="medium" if len(items) >= 5 else "low",
        )
