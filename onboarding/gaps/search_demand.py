"""Search demand: queries portal users keep running with zero or weak results."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta

from django.conf import settings

from kb.models import Document, ProjectMembership, SearchQuery
from onboarding.gaps.base import DetectionContext, Finding, Suggestion, rule


def normalise_query(query: str) -> str:
    """'How to  Install?' -> 'how to install': case, punctuation and spacing do not make a new question."""
    words = re.findall(r"\w+", query.lower())
    return " ".join(words)


def weak_score() -> float:
    """Below this a search's best hit counts as a weak answer. Scores are on the search
    backend's own scale, so the backend holds the threshold (GLACIER_GAP_SEARCH_WEAK_SCORE,
    when set, overrides it for any backend)."""
    if settings.GLACIER_GAP_SEARCH_WEAK_SCORE is not None:
        return settings.GLACIER_GAP_SEARCH_WEAK_SCORE
    from kb.search import get_search_backend

    return get_search_backend().weak_score


def is_weak(result_count: int, top_score: float | None, *, threshold: float | None = None) -> bool:
    if result_count == 0:
        return True
    threshold = weak_score() if threshold is None else threshold
    return top_score is not None and top_score < threshold


def searchers_with_private_access(project) -> set[int]:
    """Users whose searches of `project` may have seen (and may quote) what the public cannot:
    its members and maintainers, and the authors and named readers of its private documents."""
    members = ProjectMembership.objects.filter(project=project).values_list("user_id", flat=True)
    private = Document.objects.filter(project=project, is_private=True)
    authors = private.exclude(created_by=None).values_list("created_by_id", flat=True)
    readers = Document.readers.through.objects.filter(document__in=private).values_list("user_id", flat=True)
    return set(members) | set(authors) | set(readers)


@rule(
    id="unmet-search-demand",
    title="Searches that keep finding nothing",
    severity="medium",
    why=(
        "Each search is a reader telling the project what they need. The same query coming back with "
        "nothing, again and again, is the most direct evidence of a missing page."
    ),
    how=(
        "Write the page these readers were looking for (or add the words they use to the page that "
        "answers it, if it exists under another name). Search the query yourself afterwards to check."
    ),
)
def search_demand(ctx: DetectionContext):
    since = ctx.now - timedelta(days=settings.GLACIER_GAP_SEARCH_WINDOW_DAYS)
    threshold = weak_score()
    # A gap is read by everyone who may read the project: it is built only from searches
    # whose results were what those readers see, so it never quotes an insider's query.
    rows = (
        SearchQuery.objects.filter(project=ctx.project, created_at__gte=since)
        .exclude(user_id__in=searchers_with_private_access(ctx.project))
        .exclude(user__is_staff=True)
        .exclude(user__is_superuser=True)
        .order_by("created_at")
        .values_list("query", "result_count", "top_score", "user_id", "created_at")
    )
    # Only the searches after the last good answer count: once a page answers the query, the demand is met.
    pending: dict[str, list] = defaultdict(list)
    for query, count, score, user_id, when in rows.iterator(chunk_size=2000):
        key = normalise_query(query)
        if not key:
            continue
        if is_weak(count, score, threshold=threshold):
            pending[key].append((query, count, user_id, when))
        else:
            pending.pop(key, None)
    minimum = settings.GLACIER_GAP_SEARCH_MIN_COUNT
    for key, searches in pending.items():
        if len(searches) < minimum:
            continue
        users = {user_id for _, _, user_id, _ in searches if user_id}
        zero = sum(1 for _, count, _, _ in searches if count == 0)
        yield Finding(
            key=f"query:{key}",
            title=f'"{key}" searched {len(searches)} times without a good answer',
            evidence={
                "summary": f"{len(searches)} searches in {settings.GLACIER_GAP_SEARCH_WINDOW_DAYS} days, "
                f"{zero} with no result at all.",
                "query": key,
                "searches": len(searches),
                "zero_results": zero,
                "distinct_users": len(users),
                "last_searched_at": searches[-1][3].isoformat(),
                "forms": sorted({q for q, _, _, _ in searches})[:10],
            },
            suggestion=Suggestion(
                "create",
                f"docs/{re.sub(r'[^a-z0-9]+', '-', key).strip('-')[:60] or 'faq'}.md",
                (
                    f"# {key.capitalize()}",
                    "The direct answer in the first paragraph",
                    "Steps or commands",
                    "Related pages",
                ),
                note="Use the readers' own words in the title and headings so search finds it.",
            ),
            severity="high" if len(searches) >= 3 * minimum or len(users) >= minimum else "medium",
        )
