"""Broken relative links and anchors between the project's docs.

External links (any scheme, or //host) are ignored. A link is resolved against
the linking document's directory (or the repository root for /paths, as GitHub
does). Only targets that are documents Glacier ingests (Markdown, reStructuredText,
text) can be proven missing; links to code or images, which are not ingested, are
checked only when the checkout is on this machine.
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote

from onboarding.gaps.base import DetectionContext, Finding, Suggestion, rule
from onboarding.gaps.markdown_scan import anchors, github_slug, is_external, links

DOC_EXTENSIONS = (".md", ".markdown", ".mdx", ".rst", ".txt", ".adoc")
MAX_ITEMS = 25


def resolve(source_path: str, target_path: str) -> str | None:
    """Repository-relative path a link points at, or None when it leaves the repository."""
    target_path = unquote(target_path.split("?", 1)[0])
    base = "" if target_path.startswith("/") else posixpath.dirname(source_path)
    joined = posixpath.normpath(posixpath.join(base, target_path.lstrip("/")))
    if joined == ".":
        return ""
    if joined.startswith("../") or joined == "..":
        return None
    return joined


def _has_anchor(anchor: str, known: set[str]) -> bool:
    # Written by hand, an anchor often keeps punctuation GitHub drops ("d'une"): accept its slug too.
    return anchor in known or github_slug(anchor) in known


def _broken_links(ctx: DetectionContext, doc, anchor_cache: dict) -> list[dict]:
    problems = []

    def anchors_of(target_doc):
        if target_doc.pk not in anchor_cache:
            anchor_cache[target_doc.pk] = anchors(target_doc.body, target_doc.headings)
        return anchor_cache[target_doc.pk]

    for line, target in links(doc.body):
        if is_external(target) or target.startswith("{{"):
            continue
        path_part, _, anchor = target.partition("#")
        anchor = unquote(anchor).lower()
        if not path_part:
            if anchor and not _has_anchor(anchor, anchors_of(doc)):
                problems.append({"line": line, "target": target, "problem": "no such heading in this file"})
            continue
        resolved = resolve(doc.path, path_part)
        if resolved is None or resolved == "":
            continue
        target_doc = ctx.by_path.get(resolved)
        if target_doc is None:
            if resolved in ctx.directories:
                continue
            if ctx.local_repo is not None and (ctx.local_repo / resolved).exists():
                continue
            if not resolved.lower().endswith(DOC_EXTENSIONS):
                continue  # code, images, directories outside the ingested docs: cannot be proven missing
            problems.append({"line": line, "target": target, "problem": f"{resolved} does not exist"})
            continue
        if anchor and target_doc.path.lower().endswith((".md", ".markdown", ".mdx")):
            if not _has_anchor(anchor, anchors_of(target_doc)):
                problems.append(
                    {"line": line, "target": target, "problem": f"no heading #{anchor} in {resolved}"}
                )
    return problems


@rule(
    id="broken-link",
    title="Broken links between docs",
    severity="medium",
    why=(
        "A link that leads nowhere stops a reader exactly when they were following the path the "
        "author meant for them, and tells newcomers the docs are not maintained."
    ),
    how=(
        "Open the file at the listed lines. Point each link at the file's current location (search "
        "for a moved file by its title), fix the anchor to match the heading as it is written now, "
        "or remove the link if the target is gone for good."
    ),
)
def broken_links(ctx: DetectionContext):
    anchor_cache: dict = {}
    for doc in ctx.docs("doc"):
        if doc.is_historical or not doc.path.lower().endswith((".md", ".markdown", ".mdx")):
            continue
        problems = _broken_links(ctx, doc, anchor_cache)
        if not problems:
            continue
        yield Finding(
            key=doc.path,
            title=f"{len(problems)} broken link{'s' if len(problems) > 1 else ''} in {doc.path}",
            evidence={
                "summary": f"{len(problems)} relative link(s) or anchor(s) in {doc.path} lead nowhere.",
                "items": problems[:MAX_ITEMS],
                "count": len(problems),
            },
            suggestion=Suggestion(
                "edit",
                doc.path,
                tuple(
                    f"line {p['line']}: fix or remove link to {p['target']} ({p['problem']})"
                    for p in problems[:10]
                ),
            ),
            path=doc.path,
            severity="medium" if len(problems) > 2 else "low",
        )
