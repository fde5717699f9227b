"""Reads of glacier pages with business meaning: what a user may list and open."""

from __future__ import annotations

from django.db.models import QuerySet

from kb.access import visible_documents_q, visible_projects_q
from kb.glaciers.diff import revision_diff
from kb.models import Document, GlacierPage, GlacierRevision, Project


def glacier_page_list(
    *, user, project: str | None = None, include_retired: bool = False
) -> QuerySet[GlacierPage]:
    visible = Project.objects.filter(visible_projects_q(user)).values("pk")
    qs = GlacierPage.objects.filter(project__in=visible).select_related("project", "topic")
    if not include_retired:
        qs = qs.filter(topic__retired_at__isnull=True)
    if project:
        qs = qs.filter(project__slug=project)
    return qs.order_by("project__name", "title", "pk")


def glacier_page_get(*, user, pk: int) -> GlacierPage | None:
    return glacier_page_list(user=user, include_retired=True).filter(pk=pk).first()


def glacier_revision_list(*, page: GlacierPage) -> QuerySet[GlacierRevision]:
    return page.revisions.order_by("-number")


def glacier_revision_diffs(*, page: GlacierPage, limit: int = 20) -> list[dict]:
    """The newest revisions, each with its diff against the one before (restricted part excluded)."""
    revisions = list(page.revisions.order_by("-number")[: limit + 1])
    out = []
    for n, revision in enumerate(revisions[:limit]):
        previous = revisions[n + 1] if n + 1 < len(revisions) else None
        out.append(
            {
                "revision": revision,
                "previous": previous,
                "diff": revision_diff(previous.text if previous else "", revision.text),
            }
        )
    return out


def glacier_restricted_notes(*, user, page: GlacierPage, restricted: dict | None = None) -> list[dict]:
    """The restricted notes of a page the user may read, per kb/access.py (never more)."""
    notes = (restricted if restricted is not None else page.restricted or {}).get("notes", [])
    if not notes or user is None:
        return []
    ids = [note["source"] for note in notes]
    readable = set(
        Document.objects.filter(visible_documents_q(user), pk__in=ids, project_id=page.project_id)
        .values_list("pk", flat=True)
        .distinct()
    )
    return [note for note in notes if note["source"] in readable]


def glacier_related_pages(*, page: GlacierPage) -> list[dict]:
    """The page's related topics with the pages they live on (live pages only)."""
    related = (page.content or {}).get("related", [])
    if not related:
        return []
    pages = {
        (p.topic.origin, p.topic.signature): p
        for p in GlacierPage.objects.filter(
            project_id=page.project_id, topic__retired_at__isnull=True
        ).select_related("topic")
    }
    return [{**entry, "page": pages.get((entry["origin"], entry["signature"]))} for entry in related]


def glacier_pages_needing_review(
    *, project: Project, owner_login: str | None = None, today=None
) -> list[dict]:
    """Live pages that are stale (past review-by, or sources changed since the last review),
    optionally only one owner's, as {"page", "reasons"}: what the weekly report lists."""
    qs = GlacierPage.objects.filter(project=project, topic__retired_at__isnull=True).select_related("topic")
    if owner_login is not None:
        qs = qs.filter(owner_login=owner_login)
    out = []
    for page in qs.order_by("review_by", "title", "pk"):
        reasons = page.stale_reasons(today=today)
        if reasons:
            out.append({"page": page, "reasons": reasons})
    return out
