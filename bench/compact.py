"""Benchmark: compact a real docs corpus plus 5,000 generated issues into glacier pages.

    python bench/compact.py [CORPUS_DIR] [--issues 5000] [--seed 7]

Loads ../shared/corpus/kubernetes__community (files, with last-commit times and authors
from its history/*.tsv.gz when present) into a temporary database, generates issues with
comments whose text, labels and areas are drawn from the corpus, then reports:
wall time, peak memory, pages, compression ratio, coverage, the time of a no-change
recompaction (fingerprint check) and of a forced no-change recompaction (full rebuild,
no revision written), and the time of a recompaction after one new issue. The baseline,
measured in the same run, is reading and tokenising the same inputs (every document fetched,
reduced to plain text, split into sentences and words) — what any compaction must pay.
"""

from __future__ import annotations

import argparse
import atexit
import gzip
import os
import random
import re
import resource
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ../shared beside the checkout (or beside the worktrees' parent when run from a git worktree).
DEFAULT_CORPUS = next(
    (
        base / "shared" / "corpus" / "kubernetes__community"
        for base in (ROOT.parent, ROOT.parent.parent)
        if (base / "shared" / "corpus" / "kubernetes__community").is_dir()
    ),
    ROOT.parent / "shared" / "corpus" / "kubernetes__community",
)
OWNER_NAMES = {"OWNERS", "OWNERS_ALIASES", "CODEOWNERS", "MAINTAINERS"}
TEXT_SUFFIXES = {".md", ".txt", ".markdown", ".rst"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--issues", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="Keep the temporary database for inspection")
    args = parser.parse_args()
    corpus = Path(args.corpus).resolve()
    if not corpus.is_dir():
        sys.exit(f"corpus not found: {corpus}")

    tmp = Path(tempfile.mkdtemp(prefix="glacier-bench-compact-"))
    if not args.keep:
        atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    os.environ["GLACIER_VAR_DIR"] = str(tmp)
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # A throw-away key: settings refuse to start without one outside DEBUG (and DEBUG would
    # slow the ORM down with query logging).
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + secrets.token_urlsafe(48))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from kb.glaciers.items import ITEM_FIELDS, item_from_values
    from kb.glaciers.text import split_sentences, words
    from kb.models import Document, GlacierPage, GlacierRevision, Project
    from kb.services.documents import documents_upsert
    from kb.services.glaciers import glacier_compact

    print(f"corpus: {corpus}")
    print(f"search backend: {settings.GLACIER_SEARCH_BACKENDS['default']['BACKEND']}")
    project = Project.objects.create(slug="k8s-community", name="Kubernetes community")
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    started = time.perf_counter()
    docs = load_corpus(corpus)
    documents_upsert(project=project, source="local", items=docs, index=False)
    issues = generate_issues(docs, count=args.issues, seed=args.seed, now=now)
    documents_upsert(project=project, source="github", items=issues, index=False)
    load_time = time.perf_counter() - started
    counts = {
        kind: Document.objects.filter(project=project, kind=kind).count()
        for kind in ("doc", "owners", "issue", "comment")
    }
    print(f"loaded {counts} in {load_time:.1f}s")

    # Baseline: read and tokenise the same inputs.
    started = time.perf_counter()
    token_count = 0
    for values in Document.objects.filter(project=project).values(*ITEM_FIELDS).iterator(chunk_size=2000):
        item = item_from_values(values)
        for sentence in split_sentences(item.text):
            token_count += len(words(sentence))
    baseline = time.perf_counter() - started
    print(f"baseline (read + tokenise {token_count:,} words): {baseline:.2f}s")

    rss_before = peak_rss_mb()
    started = time.perf_counter()
    first = glacier_compact(project=project, now=now)
    first_time = time.perf_counter() - started
    rss_after = peak_rss_mb()

    started = time.perf_counter()
    skipped = glacier_compact(project=project, now=now)
    skip_time = time.perf_counter() - started
    assert skipped.skipped and skipped.revisions_created == 0

    started = time.perf_counter()
    forced = glacier_compact(project=project, now=now, force=True)
    forced_time = time.perf_counter() - started
    assert forced.revisions_created == 0, forced

    # Python-heap peak of a full rebuild (numpy reports its buffers to tracemalloc too); run
    # separately because tracing slows the timed runs down.
    tracemalloc.start()
    glacier_compact(project=project, now=now, force=True)
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    one_more = generate_issues(docs, count=1, seed=args.seed + 1, now=now, first_number=args.issues + 1)
    documents_upsert(project=project, source="github", items=one_more, index=False)
    started = time.perf_counter()
    incremental = glacier_compact(project=project, now=now)
    incremental_time = time.perf_counter() - started

    pages = list(GlacierPage.objects.filter(project=project, topic__retired_at__isnull=True))
    source_chars = sum(p.content and sum_source_chars(p) for p in pages)
    page_chars = sum(page_chars_of(p) for p in pages)
    referenced = set()
    from kb.glaciers.pages import referenced_ids

    for page in pages:
        referenced |= referenced_ids(page.content)
    top_level = Document.objects.filter(project=project, parent__isnull=True, is_private=False).exclude(
        kind="owners"
    )
    top_ids = set(top_level.values_list("pk", flat=True))
    comment_parents = dict(
        Document.objects.filter(project=project, parent__isnull=False).values_list("pk", "parent_id")
    )
    covered = {i for i in referenced if i in top_ids} | {
        comment_parents[i] for i in referenced if i in comment_parents
    }
    ratios = [p.compression_ratio for p in pages if p.compression_ratio]

    print()
    print("== compaction")
    print(
        f"items: {sum(counts.values()):,} documents ({counts['issue']:,} issues, {counts['comment']:,} comments)"
    )
    print(
        f"first compaction: {first_time:.1f}s wall, {first_time / baseline:.1f}x the read+tokenise baseline"
    )
    print(
        f"peak RSS: {rss_after:.0f} MB (before compaction {rss_before:.0f} MB, +{rss_after - rss_before:.0f} MB)"
    )
    print(f"peak traced allocations during a full rebuild (tracemalloc): {traced_peak:.0f} MB")
    print(f"pages produced: {len(pages)} ({first.topics} topics, {first.revisions_created} revisions)")
    origins = {}
    for page in pages:
        origins[page.topic.origin] = origins.get(page.topic.origin, 0) + 1
    print(f"pages by origin: {dict(sorted(origins.items()))}")
    print(
        f"compression ratio: {source_chars / page_chars:.1f}x overall (source {source_chars:,} chars -> "
        f"page {page_chars:,} chars); median page {statistics.median(ratios):.1f}x"
    )
    print(
        f"coverage: {len(covered) / len(top_ids):.1%} of {len(top_ids):,} top-level items referenced by a "
        f"statement; mean page coverage {statistics.mean(p.coverage for p in pages):.1%}"
    )
    print(
        f"no-change recompaction (fingerprint): {skip_time * 1000:.0f} ms ({skip_time / first_time:.2%} of first)"
    )
    print(
        f"forced no-change recompaction (full rebuild, {forced.revisions_created} revisions): {forced_time:.1f}s "
        f"({forced_time / first_time:.0%} of first, {forced_time / baseline:.1f}x baseline)"
    )
    print(
        f"after one new issue: {incremental_time:.1f}s, {incremental.revisions_created} revision(s) "
        f"on {incremental.pages_updated} page(s)"
    )
    print(f"revisions stored: {GlacierRevision.objects.filter(page__project=project).count()}")
    if args.keep:
        print(f"database kept at {tmp}")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sum_source_chars(page) -> int:
    return page.revisions.order_by("-number").values_list("metrics", flat=True).first()["source_chars"]


def page_chars_of(page) -> int:
    return page.revisions.order_by("-number").values_list("metrics", flat=True).first()["page_chars"]


def load_corpus(corpus: Path):
    from kb.rendering import FrontMatterError, derive_title, split_front_matter
    from kb.services.documents import DocumentInput

    history = load_history(corpus)
    items = []
    for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
        rel = path.relative_to(corpus).as_posix()
        if path.name not in OWNER_NAMES and path.suffix.lower() not in TEXT_SUFFIXES:
            continue
        raw = path.read_bytes()
        if len(raw) > 1024 * 1024 or b"\0" in raw[:8192]:
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        body = text
        if path.name not in OWNER_NAMES:
            try:
                body = split_front_matter(text).body
            except FrontMatterError:
                body = text
        changed, authors = history.get(rel, (None, []))
        items.append(
            DocumentInput(
                kind="owners" if path.name in OWNER_NAMES else "doc",
                key=rel,
                path=rel,
                title=derive_title(front_matter={}, body=body, fallback=path.name),
                body=body,
                last_changed_at=changed or datetime.fromtimestamp(path.stat().st_mtime, tz=UTC),
                authors=authors,
            )
        )
    return items


def load_history(corpus: Path) -> dict:
    """path -> (last commit time, [authors newest first]) from ../history/<name>.tsv.gz."""
    history_file = corpus.parent / "history" / f"{corpus.name}.tsv.gz"
    if not history_file.exists():
        return {}
    out: dict[str, tuple] = {}
    current = None
    with gzip.open(history_file, "rt", encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if parts[0] == "C" and len(parts) >= 5:
                current = (datetime.fromisoformat(parts[4]), parts[2], parts[3])
            elif parts[0] == "F" and current is not None:
                when, name, email = current
                entry = out.setdefault(parts[1], (when, []))
                if len(entry[1]) < 5 and all(a["email"] != email for a in entry[1]):
                    entry[1].append({"name": name, "email": email})
    return out


QUESTION_FORMS = [
    "How do I {verb} {topic} for {thing}?",
    "Why does {thing} {fail} when {topic} is enabled?",
    "What is the recommended way to {verb} {thing}?",
    "Is {topic} still supported for {thing}?",
]
REPORT_FORMS = [
    "{thing} {fail} after {topic} change",
    "Proposal: {verb} {topic} in {thing}",
    "Document how to {verb} {thing}",
    "Update {topic} guidance for {thing}",
]
VERBS = ["configure", "migrate", "update", "review", "enable", "document", "deprecate", "test"]
FAILS = ["fails", "breaks", "times out", "is ignored", "crashes", "regresses"]
KINDS = ["kind/bug", "kind/feature", "kind/documentation", "kind/support", "kind/cleanup"]
PEOPLE = [f"user{n:03d}" for n in range(300)]


def generate_issues(docs, *, count: int, seed: int, now: datetime, first_number: int = 1):
    """Issues and comments whose words come from the corpus area they are about."""
    import yaml

    from kb.rendering import plain_text
    from kb.services.documents import DocumentInput

    rng = random.Random(seed)
    labels_of: dict[str, list[str]] = {}
    maintainers: dict[str, list[str]] = {}
    for doc in docs:
        if doc.path.endswith("OWNERS") and "/" in doc.path:
            try:
                data = yaml.safe_load(doc.body) or {}
            except yaml.YAMLError:
                continue
            if isinstance(data, dict):
                directory = doc.path.rsplit("/", 1)[0]
                labels_of[directory] = [str(x) for x in data.get("labels") or [] if isinstance(x, str)]
                maintainers[directory] = [str(x) for x in data.get("approvers") or [] if isinstance(x, str)]
    sentences_of: dict[str, list[str]] = {}
    from kb.glaciers.text import split_sentences

    for doc in docs:
        if doc.kind != "doc":
            continue
        area = doc.path.split("/", 1)[0] if "/" in doc.path else ""
        found = split_sentences(plain_text(doc.body))
        if found:
            sentences_of.setdefault(area, []).extend(found[:40])
    areas = sorted(a for a, s in sentences_of.items() if a and len(s) >= 10)
    vocabulary = {
        area: sorted({w.lower() for s in sentences_of[area] for w in re.findall(r"[A-Za-z][a-z]{4,}", s)})
        for area in areas
    }
    items = []
    previous: list[tuple[str, str, list[str]]] = []
    comment_id = first_number * 10
    for number in range(first_number, first_number + count):
        area = rng.choice(areas)
        words = vocabulary[area]
        fill = {
            "verb": rng.choice(VERBS),
            "topic": " ".join(rng.sample(words, 2)),
            "thing": rng.choice(words),
            "fail": rng.choice(FAILS),
        }
        is_question = rng.random() < 0.35
        if previous and rng.random() < 0.03:
            title, body, labels = rng.choice(previous)  # a repost of an earlier issue
            title = title.rstrip("?") + ("?" if is_question else "")
        else:
            title = rng.choice(QUESTION_FORMS if is_question else REPORT_FORMS).format(**fill)
            body = " ".join(rng.sample(sentences_of[area], min(3, len(sentences_of[area]))))
            area_labels = labels_of.get(area, [])
            labels = [rng.choice(KINDS)]
            if area_labels and rng.random() < 0.7:
                labels.append(area_labels[0])
            previous.append((title, body, labels))
        created = now - timedelta(days=rng.uniform(0, 1100))
        closed = rng.random() < 0.6
        closed_at = created + timedelta(days=rng.uniform(1, 60)) if closed else None
        if closed_at and closed_at > now:
            closed_at = now
        author = rng.choice(PEOPLE)
        items.append(
            DocumentInput(
                kind="issue",
                key=f"issue/{number}",
                title=f"#{number} {title}",
                body=body,
                url=f"https://github.com/kubernetes/community/issues/{number}",
                last_changed_at=closed_at or created,
                authors=[{"login": author}],
                metadata={
                    "number": number,
                    "state": "closed" if closed else "open",
                    "labels": sorted(labels),
                    "author": author,
                    "assignees": [],
                    "created_at": created.isoformat(),
                    "closed_at": closed_at.isoformat() if closed_at else None,
                },
            )
        )
        end = closed_at or now
        for n in range(rng.randint(0, 4)):
            comment_id += 1
            answerer = (
                rng.choice(maintainers.get(area) or PEOPLE) if n == 0 and closed else rng.choice(PEOPLE)
            )
            when = created + (end - created) * (n + 1) / 5
            items.append(
                DocumentInput(
                    kind="comment",
                    key=f"comment/{comment_id}",
                    title=f"Comment on #{number} by {answerer}",
                    body=" ".join(rng.sample(sentences_of[area], min(2, len(sentences_of[area])))),
                    url=f"https://github.com/kubernetes/community/issues/{number}#issuecomment-{comment_id}",
                    last_changed_at=when,
                    authors=[{"login": answerer}],
                    metadata={"issue_number": number, "author": answerer, "created_at": when.isoformat()},
                    parent_key=f"issue/{number}",
                )
            )
    return items


if __name__ == "__main__":
    main()
