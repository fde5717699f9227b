"""Broken relative links, images and anchors between the project's docs.

The links are those the document model stored (kb.services.document_links, DocumentLink rows):
resolved at sync against every file of the repository, with anchors valid for any site
generator (GitHub, MkDocs, Hugo), line anchors and text fragments accepted, and the line
of each link counted in the original file. This rule only reports them.
"""

from __future__ import annotations

from kb.selectors import document_links_broken
from onboarding.gaps.base import DetectionContext, Finding, Suggestion, rule

MAX_ITEMS = 25


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
    problems_by_path: dict[str, list[dict]] = {}
    for link in document_links_broken(project=ctx.project):
        problems_by_path.setdefault(link.source.path, []).append(
            {
                "line": link.line,
                "target": link.href,
                "kind": link.kind,
                "problem": link.reason or f"{link.target_path} does not exist",
            }
        )
    for path, problems in sorted(problems_by_path.items()):
        record = ctx.by_path.get(path)
        if record is None or record.is_historical:
            continue
        yield Finding(
            key=path,
            title=f"{len(problems)} broken link{'s' if len(problems) > 1 else ''} in {path}",
            evidence={
                "summary": f"{len(problems)} relative link(s), image(s) or anchor(s) in {path} lead nowhere.",
                "items": problems[:MAX_ITEMS],
                "count": len(problems),
            },
            suggestion=Suggestion(
                "edit",
                path,
                tuple(
                    f"line {p['line']}: fix or remove link to {p['target']} ({p['problem']})"
                    for p in problems[:10]
                ),
            ),
            path=path,
            severity="medium" if len(problems) > 2 else "low",
        )
