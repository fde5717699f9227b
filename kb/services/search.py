"""Running a search for a reader: access filtering, the backend call, and the record kept of it.

Every search is recorded as a SearchQuery so that zero-result and poorly served
questions can later be reported as documentation gaps.
"""

from __future__ import annotations

import time

from kb.access import user_access_tokens
from kb.models import Project, SearchQuery
from kb.search import get_search_backend
from kb.search.backends.base import SearchResults


def search_run(
    *,
    user,
    query: str,
    project: str | None = None,
    kind: str | None = None,
    page: int = 1,
    page_size: int = 10,
    via: str = "web",
) -> SearchResults:
    """Search what `user` may read; `project` is a slug, `kind` a Document.Kind value (or "glacier")."""
    started = time.perf_counter()
    results = get_search_backend().search(
        query,
        access=user_access_tokens(user),
        projects=[project] if project else None,
        kinds=[kind] if kind else None,
        page=page,
        page_size=page_size,
    )
    took_ms = (time.perf_counter() - started) * 1000
    SearchQuery.objects.create(
        query=query[:500],
        project=Project.objects.filter(slug=project).first() if project else None,
        kind=kind or "",
        user=user if user is not None and user.is_authenticated else None,
        result_count=results.count,
        top_score=results.hits[0].score if results.hits else None,
        took_ms=took_ms,
        via=via,
    )
    return results
