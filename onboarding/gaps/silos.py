"""Knowledge silos: an area with bus factor 1 and neither docs nor a glacier page."""

from __future__ import annotations

from django.db.models import Q

from kb.models import GlacierPage
from onboarding.gaps.base import DetectionContext, Finding, Suggestion, rule
from onboarding.models import Area, AreaOwner


def _documented(ctx: DetectionContext, area: Area, glacier_signatures: set[str]) -> bool:
    if area.path in glacier_signatures:
        return True
    if area.kind == Area.Kind.LABEL:
        return False
    prefix = f"{area.path}/" if area.path else ""
    return any(
        doc.path.startswith(prefix) and doc.path.rsplit("/", 1)[-1] not in ("OWNERS", "OWNERS_ALIASES")
        for doc in ctx.docs("doc")
    )


@rule(
    id="knowledge-silo",
    title="Knowledge silo: one person, no docs",
    severity="high",
    why=(
        "Only one person has worked on this area (bus factor 1) and nothing about it is written "
        "down. If they leave, the project loses the area; until then, every question waits for them."
    ),
    how=(
        "Write the area's README with its owner: what it does, how it works, how to build and test "
        "it, and its known pitfalls. A newcomer can draft it by reading the code and asking the owner."
    ),
)
def silos(ctx: DetectionContext):
    areas = (
        Area.objects.filter(project=ctx.project)
        .filter(Q(bus_factor=1) | Q(is_silo=True))
        .prefetch_related("ownerships__maintainer")
    )
    glacier_signatures = set(
        GlacierPage.objects.filter(project=ctx.project).values_list("topic__signature", flat=True)
    )
    for area in areas:
        if _documented(ctx, area, glacier_signatures):
            continue
        holders = sorted(
            {str(o.maintainer) for o in area.ownerships.all() if o.role != AreaOwner.Role.EMERITUS}
        )
        where = area.path or "the repository root"
        target = (
            f"{area.path}/README.md"
            if area.kind == Area.Kind.DIRECTORY and area.path
            else f"docs/{area.path or 'overview'}.md"
        )
        yield Finding(
            key=f"{area.kind}:{area.path}",
            title=f"{where} is a silo with no docs",
            evidence={
                "summary": f"Bus factor 1 ({area.contributions} contributions) and no docs or glacier page.",
                "owners": holders,
                "bus_factor": area.bus_factor,
                "contributions": area.contributions,
            },
            suggestion=Suggestion(
                "create",
                target,
                (
                    f"# {where}",
                    "## What this area does",
                    "## How it works (main files and flow)",
                    "## Building and testing it",
                    "## Known pitfalls",
                    f"## Who to ask ({', '.join(holders) or 'owner'})",
                ),
                note="Pair with the owner: a 30-minute walk-through is usually enough for a first draft.",
            ),
            path=target,
            area_id=area.pk,
        )
