"""Glacier pages in the search index: kind "glacier", boosted above raw items.

Only the public part of a page is indexed (its rendered text without the restricted
notes); the raw handoff notes are indexed on their own with their private access tokens.
A page past its review date carries "(review overdue)" in its indexed title so that
search results show it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse

from kb.access import PUBLIC
from kb.glaciers.pages import body_text
from kb.models import GlacierPage
from kb.search import get_search_backend
from kb.search.backends.base import IndexEntry

KIND = "glacier"
STALE_MARK = "(review overdue)"


def page_entry(page: GlacierPage) -> IndexEntry:
    try:
        url = reverse("kb:glacier-detail", args=[page.pk])
    except NoReverseMatch:  # portal URLs not loaded (a bare worker)
        url = f"/glaciers/{page.pk}/"
    project = page.project
    title = f"{page.title} {STALE_MARK}" if page.is_stale else page.title
    content = page.content or {}
    headings = [page.topic.signature] + [entry["question"] for entry in content.get("faq", [])]
    headings += [entry["title"] for entry in content.get("decisions", [])]
    return IndexEntry(
        uid=page.search_uid,
        project=project.slug,
        kind=KIND,
        title=title,
        body=_page_body(page),
        path=page.topic.signature or page.topic.slug,
        url=url,
        headings="\n".join(h for h in headings if h),
        access=(PUBLIC,) if project.is_public else (f"project:{project.pk}",),
        boost=settings.GLACIER_PAGE_SEARCH_BOOST,
        updated_at=page.compacted_at,
        stamp=page_stamp(page),
    )


def page_stamp(page: GlacierPage) -> str:
    """Everything page_entry's text and access depend on, hashed (see IndexEntry.stamp)."""
    facts = [
        page.content_hash, page.title, page.is_stale, page.project.visibility, page.topic.signature,
        page.topic.slug, page.compacted_at.isoformat() if page.compacted_at else None,
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(facts).encode("utf-8")).hexdigest()


def page_stamps(project) -> dict[str, str]:
    """{uid: stamp} of the project's pages that belong in the index."""
    pages = _indexed(GlacierPage.objects.filter(project=project)).defer("content", "restricted")
    return {page.search_uid: page_stamp(page) for page in pages}


def entries_for_uids(uids: list[str]) -> Iterator[IndexEntry]:
    ids = [int(uid.split(":", 1)[1]) for uid in uids if uid.startswith("glacier:")]
    if ids:
        yield from page_entries(GlacierPage.objects.filter(pk__in=ids))


def _indexed(queryset):
    return queryset.filter(topic__retired_at__isnull=True).select_related("project", "topic")


def page_entries(queryset=None) -> Iterator[IndexEntry]:
    qs = queryset if queryset is not None else GlacierPage.objects.all()
    for page in _indexed(qs).iterator(chunk_size=200):
        yield page_entry(page)


def index_pages(page_ids: Iterable[int]) -> int:
    ids = list(page_ids)
    if not ids:
        return 0
    return get_search_backend().index(page_entries(GlacierPage.objects.filter(pk__in=ids)))


def index_pages_on_commit(page_ids: Iterable[int]) -> None:
    """Index these pages once the caller commits (through the `index` queue, config/queues.py)."""
    from kb.tasks import search_pages_index  # tasks import services; deferred to avoid a cycle

    ids = list(page_ids)
    if ids:
        transaction.on_commit(lambda: search_pages_index.delay(ids))


def remove_pages_on_commit(page_ids: Iterable[int]) -> None:
    from kb.tasks import search_entries_remove

    uids = [f"glacier:{pk}" for pk in page_ids]
    if uids:
        transaction.on_commit(lambda: search_entries_remove.delay(uids))


def _page_body(page: GlacierPage) -> str:
    from kb.glaciers.pages import render_text

    content = page.content or {}
    if not content:
        return page.title
    # The sources list is titles only; summary, decisions and FAQ carry the words.
    return body_text(render_text(content)).replace("[d", "[")
