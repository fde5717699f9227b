"""Searching the knowledge base on behalf of a reader, and recording the search.

Every search is kept as a SearchQuery (query, filters, result count, top score,
time) so that zero-result and poorly served questions can be reported as
documentation gaps.
"""

from __future__ import annotations

import time

from kb.access import user_access_tokens
from kb.errors import ServiceError
from kb.models import Document, Project, SearchQuery
from kb.search import get_search_backend
from kb.search.backends.base import SearchResults, SearchUnavailable

MAX_PAGE_SIZE = 100
MAX_QUERY_LENGTH = 256  # the API and the portal answer 400 above it; a question is shorter


class SearchInputError(ServiceError):
    """A search parameter that cannot be used (e.g. page "abc"); the message names it."""


def search_run(
    *,
    user,
    query: str,
    project: Project | str | None = None,
    kind: str | None = None,
    page: int | str = 1,
    page_size: int | str = 10,
    via: str = "web",
    unrestricted: bool = False,
) -> SearchResults:
    """Search what `user` may read. A blank query answers empty results and is not recorded.

    `unrestricted` is for the operator's command line only: no access filtering.
    `page` below 1 is treated as 1; a page past the end answers no hits (with the true count).
    """
    page = _positive_int(page, name="page")
    page_size = min(_positive_int(page_size, name="page_size"), MAX_PAGE_SIZE)
    text = " ".join((query or "").replace("\x00", " ").split())[:MAX_QUERY_LENGTH]  # PostgreSQL refuses NUL
    project_slug = project.slug if isinstance(project, Project) else (project or None)
    if not text:
        return SearchResults(
            count=0, hits=[], page=page, page_size=page_size, facets={"project": {}, "kind": {}}
        )
    started = time.perf_counter()
    results = get_search_backend().search(
        text,
        access=None if unrestricted else user_access_tokens(user),
        projects=[project_slug] if project_slug else None,
        kinds=[kind] if kind else None,
        page=page,
        page_size=page_size,
    )
    if not results.count:
        _index_must_be_usable()
    took_ms = (time.perf_counter() - started) * 1000
    SearchQuery.objects.create(
        query=text,
        project=Project.objects.filter(slug=project_slug).first() if project_slug else None,
        kind=kind or "",
        user=user if user is not None and user.is_authenticated else None,
        result_count=results.count,
        top_score=results.hits[0].score if results.hits else None,
        took_ms=round(took_ms, 3),
        via=via,
    )
    return results


def _index_must_be_usable() -> None:
    """A search that found nothing: tell "nothing matched" from "the index is gone".

    Only zero-hit searches pay for this check (a count, and a cheap EXISTS query).
    """
    status = get_search_backend().status()
    if not status.get("ok"):
        raise SearchUnavailable(str(status.get("error", "")))
    if not status.get("documents") and Document.objects.exists():
        raise SearchUnavailable("the index is empty while the database holds documents")


def _positive_int(value, *, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SearchInputError(f"{name} must be a whole number, not {value!r}.", field=name) from None
    return max(1, number)
