"""Writes of knowledge-glacier pages: compaction and maintainers' topic edits.

`glacier_compact` reads a project's documents, derives topics (kb/glaciers/topics.py),
builds each page (kb/glaciers/pages.py) and stores a new GlacierRevision only for pages
whose content hash changed. Re-running it with no new input writes no revision; when the
input fingerprint (documents, maintainers' edits, the date) is the same as the last run's,
it returns at once. Search-index updates are queued for after the commit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

from kb.glaciers.items import ITEM_FIELDS, attach_comments, item_from_values
from kb.glaciers.owners import owners_areas
from kb.glaciers.pages import PageConfig, build_page
from kb.glaciers.search import index_pages_on_commit, remove_pages_on_commit
from kb.glaciers.topics import Overrides, TopicConfig, TopicSpec, derive_topics
from kb.models import CompactionRun, Document, GlacierPage, GlacierRevision, Project, Topic, TopicPin

DERIVED_ORIGINS = {Topic.Origin.FOLDER, Topic.Origin.OWNERS, Topic.Origin.LABEL, Topic.Origin.CLUSTER}


@dataclass
class CompactResult:
    project: str
    skipped: bool = False
    topics: int = 0
    pages_created: int = 0
    pages_updated: int = 0
    pages_unchanged: int = 0
    pages_retired: int = 0
    revisions_created: int = 0
    restricted_updated: int = 0  # pages whose restricted notes changed (no revision)
    changed_page_ids: list[int] = field(default_factory=list)
    run_id: int | None = None


def page_config() -> PageConfig:
    return PageConfig(
        recent_days=settings.GLACIER_COMPACT_RECENT_DAYS,
        year_days=settings.GLACIER_COMPACT_YEAR_DAYS,
        summary_sentences=settings.GLACIER_COMPACT_SUMMARY_SENTENCES,
        duplicate_threshold=settings.GLACIER_COMPACT_DUPLICATE_THRESHOLD,
    )


def glacier_compact(*, project: Project, now: datetime | None = None, force: bool = False) -> CompactResult:
    """Compact the project's documents into glacier pages. Safe to run again at any time."""
    now = now or timezone.now()
    with transaction.atomic():
        # One compaction per project at a time (a no-op lock on SQLite, which serialises writers).
        Project.objects.select_for_update().filter(pk=project.pk).first()
        overrides = _overrides(project)
        fingerprint = _input_fingerprint(project=project, overrides=overrides, now=now)
        last = CompactionRun.objects.filter(project=project).order_by("-started_at", "-pk").first()
        run = CompactionRun.objects.create(project=project, started_at=now, input_fingerprint=fingerprint)
        result = CompactResult(project=project.slug, run_id=run.pk)
        if not force and last is not None and last.input_fingerprint == fingerprint:
            run.skipped = True
            run.finished_at = timezone.now()
            run.topics = last.topics
            run.save(update_fields=["skipped", "finished_at", "topics"])
            result.skipped = True
            result.topics = last.topics
            return result
        _compact(project=project, now=now, overrides=overrides, result=result)
        run.topics = result.topics
        run.pages_created = result.pages_created
        run.pages_updated = result.pages_updated
        run.pages_unchanged = result.pages_unchanged
        run.pages_retired = result.pages_retired
        run.revisions_created = result.revisions_created
        run.finished_at = timezone.now()
        run.save()
    return result


def _compact(*, project: Project, now: datetime, overrides: Overrides, result: CompactResult) -> None:
    values = Document.objects.filter(project=project).order_by("kind", "key").values(*ITEM_FIELDS)
    items = attach_comments([item_from_values(v) for v in values])
    areas = owners_areas(
        list(
            Document.objects.filter(project=project, kind=Document.Kind.OWNERS, is_private=False)
            .order_by("path")
            .values_list("path", "body")
        )
    )
    specs = derive_topics(
        items,
        owners_areas=areas,
        overrides=overrides,
        previous=_previous_topics(project),
        config=TopicConfig(),
    )
    maintainers = {login for area in areas.values() for login in area.approvers + area.reviewers}
    by_id = {item.id: item for item in items}

    topics = _topics_for(project=project, specs=specs, now=now)
    titles = {spec.identity: topics[spec.identity].title for spec in specs}
    pages = {page.topic_id: page for page in GlacierPage.objects.filter(project=project)}
    config = page_config()
    review_days = settings.GLACIER_PAGE_REVIEW_DAYS
    for spec in specs:
        topic = topics[spec.identity]
        members = [by_id[i] for i in spec.item_ids]
        related = [
            {"origin": origin, "signature": signature, "title": titles[(origin, signature)]}
            for origin, signature in spec.related
            if (origin, signature) in titles
        ]
        build = build_page(
            title=topic.title,
            items=members,
            now=now,
            owners=spec.owners,
            maintainers=maintainers,
            related=related,
            config=config,
        )
        _sync_members(topic, members)
        page = pages.get(topic.pk)
        if page is None:
            page = GlacierPage.objects.create(
                topic=topic,
                project=project,
                title=topic.title,
                review_by=(now + timedelta(days=review_days)).date(),
            )
            result.pages_created += 1
        elif page.content_hash == build.content_hash:
            if page.restricted_hash != build.restricted_hash:
                page.restricted = build.restricted
                page.restricted_hash = build.restricted_hash
                page.save(update_fields=["restricted", "restricted_hash", "updated_at"])
                result.restricted_updated += 1
            result.pages_unchanged += 1
            continue
        else:
            result.pages_updated += 1
        _store_revision(page=page, topic=topic, build=build, spec=spec, now=now)
        result.revisions_created += 1
        result.changed_page_ids.append(page.pk)

    live = {topics[spec.identity].pk for spec in specs}
    retiring = Topic.objects.filter(project=project, retired_at__isnull=True).exclude(pk__in=live)
    retired_pages = list(GlacierPage.objects.filter(topic__in=retiring).values_list("pk", flat=True))
    result.pages_retired = retiring.update(retired_at=now)
    result.topics = len(specs)
    # Every live page is re-indexed, not only changed ones: the "review overdue" mark in
    # search results moves with the date even when the content does not.
    index_pages_on_commit(sorted(_live_page_ids(project=project, topic_ids=live)))
    remove_pages_on_commit(retired_pages)


def _live_page_ids(*, project: Project, topic_ids: set[int]) -> list[int]:
    return list(
        GlacierPage.objects.filter(project=project, topic_id__in=topic_ids).values_list("pk", flat=True)
    )


def _topics_for(*, project: Project, specs: list[TopicSpec], now: datetime) -> dict[tuple[str, str], Topic]:
    existing = {t.identity: t for t in Topic.objects.filter(project=project)}
    taken = {t.slug for t in existing.values()}
    topics = {}
    for spec in specs:
        topic = existing.get(spec.identity)
        if topic is None:
            topic = Topic.objects.create(
                project=project,
                origin=spec.origin,
                signature=spec.signature,
                title=spec.title[:300],
                slug=_unique_slug(spec.title or spec.signature, taken),
                created_at=now,
            )
        else:
            fields = []
            if not topic.title_locked and topic.title != spec.title[:300]:
                topic.title = spec.title[:300]
                fields.append("title")
            if topic.retired_at is not None and topic.merged_into_id is None:
                topic.retired_at = None
                fields.append("retired_at")
            if fields:
                topic.save(update_fields=fields)
        topics[spec.identity] = topic
    return topics


def _store_revision(*, page: GlacierPage, topic: Topic, build, spec: TopicSpec, now: datetime) -> None:
    number = page.revision_count + 1
    GlacierRevision.objects.create(
        page=page,
        number=number,
        title=topic.title,
        content=build.content,
        restricted=build.restricted,
        text=build.text,
        content_hash=build.content_hash,
        source_ids=build.source_ids,
        metrics=build.metrics,
        created_at=now,
    )
    metrics = build.metrics
    page.title = topic.title
    page.content = build.content
    page.restricted = build.restricted
    page.content_hash = build.content_hash
    page.restricted_hash = build.restricted_hash
    page.revision_count = number
    page.compression_ratio = metrics["compression_ratio"]
    page.coverage = metrics["coverage"]
    page.source_count = metrics["source_count"]
    page.newest_source_at = _time(metrics["newest"])
    page.oldest_source_at = _time(metrics["oldest"])
    page.sources_changed_at = _time(metrics["sources_changed_at"])
    page.compacted_at = now
    fields = [
        "title", "content", "restricted", "content_hash", "restricted_hash", "revision_count", "compression_ratio", "coverage",
        "source_count", "newest_source_at", "oldest_source_at", "sources_changed_at", "compacted_at", "updated_at",
    ]  # fmt: skip
    if not page.owner_locked:
        owner = spec.owners[0] if spec.owners else (build.content["people"] or [{"login": ""}])[0]["login"]
        if owner != page.owner_login:
            page.owner_login = owner
            fields.append("owner_login")
    page.save(update_fields=fields)


def _sync_members(topic: Topic, members) -> None:
    wanted = {m.id for m in members} | {c.id for m in members for c in m.comments}
    current = set(topic.documents.values_list("pk", flat=True))
    if wanted - current:
        topic.documents.add(*sorted(wanted - current))
    if current - wanted:
        topic.documents.remove(*sorted(current - wanted))


def _previous_topics(project: Project) -> dict[int, list[tuple[str, str]]]:
    """Where the last run put each item (live topics only): compaction prefers to keep it there."""
    previous: dict[int, list[tuple[str, str]]] = {}
    rows = Topic.documents.through.objects.filter(topic__project=project, topic__retired_at__isnull=True)
    for document_id, origin, signature in rows.values_list(
        "document_id", "topic__origin", "topic__signature"
    ):
        previous.setdefault(document_id, []).append((origin, signature))
    return previous


def _overrides(project: Project) -> Overrides:
    overrides = Overrides()
    topics = {t.pk: t for t in Topic.objects.filter(project=project)}
    for topic in topics.values():
        if topic.merged_into_id and topic.merged_into_id in topics:
            overrides.merges[topic.identity] = topics[topic.merged_into_id].identity
        if topic.origin == Topic.Origin.MANUAL and topic.merged_into_id is None:
            overrides.manual[topic.identity] = topic.title
    for document_id, topic_id in TopicPin.objects.filter(topic__project=project).values_list(
        "document_id", "topic_id"
    ):
        overrides.pins[document_id] = topics[topic_id].identity
    return overrides


def _input_fingerprint(*, project: Project, overrides: Overrides, now: datetime) -> str:
    digest = hashlib.sha256()
    rows = Document.objects.filter(project=project).order_by("pk").values_list("pk", "sha256", "parent_id")
    for pk, sha, parent in rows.iterator(chunk_size=2000):
        digest.update(f"{pk}:{sha}:{parent}\n".encode())
    titles = sorted(Topic.objects.filter(project=project, title_locked=True).values_list("pk", "title"))
    digest.update(
        json.dumps(
            {
                "pins": sorted(overrides.pins.items()),
                "merges": sorted(overrides.merges.items()),
                "manual": sorted(overrides.manual.items()),
                "titles": titles,
                # Items move between age layers as days pass.
                "date": now.date().isoformat(),
                "config": repr(page_config()),
            },
            sort_keys=True,
            default=str,
        ).encode()
    )
    return digest.hexdigest()


def _unique_slug(text: str, taken: set[str]) -> str:
    base = (slugify(text) or "topic")[:180]
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    taken.add(slug)
    return slug


def _time(raw: str | None) -> datetime | None:
    return parse_datetime(raw) if raw else None


# Maintainers' edits ----------------------------------------------------------
# Each edit is stored where compaction reads it back (Topic.title_locked, Topic.merged_into,
# TopicPin), then the project is recompacted after the commit so the page shows it.


@transaction.atomic
def topic_rename(*, page: GlacierPage, title: str, user) -> Topic:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "A topic needs a title."})
    topic = page.topic
    topic.title = title[:300]
    topic.title_locked = True
    topic.save(update_fields=["title", "title_locked"])
    # The page shows the new title at once (page, stored content, index entry); recompacting the
    # whole project (~20 s on a large one) is left to a worker, never done inside the request.
    page.title = topic.title
    if isinstance(page.content, dict) and "title" in page.content:
        page.content = {**page.content, "title": topic.title}
    page.save(update_fields=["title", "content", "updated_at"])
    index_pages_on_commit([page.pk])
    _recompact_on_commit(page.project_id, in_request=False)
    return topic


@transaction.atomic
def topic_merge(*, page: GlacierPage, into: GlacierPage, user) -> Topic:
    """Merge the page's topic into another page's topic of the same project."""
    if into.project_id != page.project_id:
        raise ValidationError({"into": "Pages can only be merged within one project."})
    if into.pk == page.pk:
        raise ValidationError({"into": "A page cannot be merged into itself."})
    target = into.topic
    seen = {page.topic_id}
    while target.merged_into_id:
        if target.merged_into_id in seen:
            raise ValidationError({"into": "That page was merged into this one."})
        seen.add(target.pk)
        target = target.merged_into
    if target.pk == page.topic_id:
        raise ValidationError({"into": "That page was merged into this one."})
    topic = page.topic
    topic.merged_into = target
    topic.retired_at = timezone.now()
    topic.save(update_fields=["merged_into", "retired_at"])
    _recompact_on_commit(page.project_id)
    return target


@transaction.atomic
def topic_split(*, page: GlacierPage, title: str, document_ids: list[int], user) -> Topic:
    """Move some of the page's documents to a new maintainer-made topic (kept across recompactions)."""
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = "The new topic needs a title."
    ids = sorted({int(i) for i in document_ids or []})
    if not ids:
        errors["document_ids"] = "Name at least one document to move."
    else:
        members = set(
            page.topic.documents.filter(pk__in=ids, parent__isnull=True).values_list("pk", flat=True)
        )
        outside = [i for i in ids if i not in members]
        if outside:
            errors["document_ids"] = f"Not top-level items of this page: {', '.join(map(str, outside))}."
    if errors:
        raise ValidationError(errors)
    taken = set(Topic.objects.filter(project_id=page.project_id).values_list("slug", flat=True))
    slug = _unique_slug(title, taken)
    topic = Topic.objects.create(
        project_id=page.project_id,
        origin=Topic.Origin.MANUAL,
        signature=f"manual:{slug}",
        slug=slug,
        title=title[:300],
        title_locked=True,
    )
    TopicPin.objects.filter(document_id__in=ids, topic__project_id=page.project_id).delete()
    TopicPin.objects.bulk_create([TopicPin(topic=topic, document_id=i) for i in ids])
    _recompact_on_commit(page.project_id)
    return topic


@transaction.atomic
def glacier_page_update(
    *, page: GlacierPage, user, owner_login: str | None = None, review_by=None, reviewed: bool = False
) -> GlacierPage:
    """Set the owner and review-by date; `reviewed` records a review now (clears source staleness)."""
    fields = ["updated_at"]
    if owner_login is not None:
        page.owner_login = owner_login.strip()
        page.owner_locked = True
        fields += ["owner_login", "owner_locked"]
    if review_by is not None:
        page.review_by = review_by
        fields.append("review_by")
    if reviewed:
        page.last_reviewed_at = timezone.now()
        fields.append("last_reviewed_at")
        if review_by is None:
            page.review_by = (
                page.last_reviewed_at + timedelta(days=settings.GLACIER_PAGE_REVIEW_DAYS)
            ).date()
            fields.append("review_by")
    page.full_clean(exclude=["topic", "project"])
    page.save(update_fields=fields)
    index_pages_on_commit([page.pk])
    return page


def _recompact_on_commit(project_id: int, *, in_request: bool = True) -> None:
    """Queue a forced recompaction once the caller commits.

    `in_request=False`: only where a worker will run it. With no broker Celery runs tasks in
    the caller (eagerly), so the edit waits for the next compaction instead (the nightly run,
    a sync or `kb compact`); the locked title is part of the compaction's input fingerprint.
    """
    from kb.tasks import glacier_compact_project  # tasks import services; deferred to avoid a cycle

    if not in_request and settings.CELERY_TASK_ALWAYS_EAGER:
        return
    transaction.on_commit(lambda: glacier_compact_project.delay(project_id, force=True))
