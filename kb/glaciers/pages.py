"""One glacier page's content, built from its topic's items.

The content is plain JSON. Every statement carries the id of the document it came from
("source"), so the page can link each sentence to its item:

    summary         [{"text", "source"}]                 TextRank over docs and old threads
    surface         [{"title", "source", "kind", "state", "date", "author", "text", "duplicates"}]
                    items newer than `recent_days`, one entry each
    year            [{"text", "source", "date", "duplicates"}]  items newer than a year, one line each
    decisions       [{"title", "source", "statement", "statement_source", "by", "date", "duplicates"}]
    faq             [{"question", "source", "answer", "answer_source", "by", "date", "duplicates"}]
    open_questions  [{"question", "source", "author", "date", "duplicates"}]
    people          [{"login", "roles", "score"}]
    related         [{"origin", "signature", "title"}]
    duplicates      [{"kept", "collapsed": [ids]}]
    sources         [{"id", "title", "kind", "url"}]

Private items (handoff notes) never enter any of these; they go to the separate
`restricted` part: {"notes": [{"source", "title", "sentences": [{"text", "source"}]}]}.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kb.glaciers.items import SourceItem, timestamp
from kb.glaciers.text import (
    first_sentence,
    looks_like_question,
    near_duplicate_groups,
    rank_order,
    split_sentences,
    textrank,
    tfidf_vectorizer,
)

_REFERENCES = re.compile(r" ?\[d\d+\]| ?\(duplicates: [^)]*\)")

SECTION_TITLES = {
    "summary": "Summary",
    "surface": "Recent",
    "year": "This year",
    "decisions": "Decisions",
    "faq": "Questions answered",
    "open_questions": "Open questions",
    "people": "People who know this",
    "related": "Related topics",
    "duplicates": "Collapsed duplicates",
    "sources": "Sources",
}


@dataclass(frozen=True)
class PageConfig:
    recent_days: int = 30
    year_days: int = 365
    summary_sentences: int = 6
    sentences_per_item: int = 12
    max_candidate_sentences: int = 800
    redundancy_threshold: float = 0.6  # a summary sentence this close to a chosen one is skipped
    duplicate_threshold: float = 0.8  # TF-IDF cosine at which two threads are the same thing
    max_decisions: int = 12
    max_faq: int = 12
    max_open_questions: int = 12
    max_people: int = 10


@dataclass
class PageBuild:
    content: dict
    restricted: dict
    text: str
    content_hash: str  # of the public part: a new revision is written when it changes
    restricted_hash: str  # of the restricted part: updated in place, never a visible revision
    source_ids: list[int]
    metrics: dict = field(default_factory=dict)


def build_page(
    *,
    title: str,
    items: list[SourceItem],
    now: datetime,
    owners: list[str] | None = None,
    maintainers: set[str] | None = None,
    related: list[dict] | None = None,
    config: PageConfig | None = None,
) -> PageBuild:
    """The page for one topic. `items` are top-level items with their comments attached."""
    config = config or PageConfig()
    owners = owners or []
    maintainers = (maintainers or set()) | set(owners)
    public = sorted((i for i in items if not i.is_private), key=lambda i: (i.kind, i.key))
    private = sorted((i for i in items if i.is_private), key=lambda i: (i.kind, i.key))

    threads = [i for i in public if i.is_thread]
    kept, collapsed = collapse_duplicates(threads, threshold=config.duplicate_threshold)
    dupes_of = {rep: ids for rep, ids in collapsed.items()}
    recent_cutoff = now - timedelta(days=config.recent_days)
    year_cutoff = now - timedelta(days=config.year_days)

    def layer(item: SourceItem) -> str:
        when = item.when
        if when is None or when < year_cutoff:
            return "old"
        return "recent" if when >= recent_cutoff else "year"

    surface, year = [], []
    for item in sorted(public, key=lambda i: (-timestamp(i.when), i.key)):
        if (item.is_thread and item.id not in kept) or item.kind == "owners":
            continue
        where = layer(item)
        if where == "recent":
            surface.append(
                {
                    "title": item.clean_title,
                    "source": item.id,
                    "kind": item.kind,
                    "state": item.state,
                    "date": _date(item.when),
                    "author": item.author,
                    "text": first_sentence(item.text) if item.text else "",
                    "duplicates": dupes_of.get(item.id, []),
                }
            )
        elif where == "year":
            line = item.clean_title
            if item.is_thread and item.state:
                line += f" ({item.state})"
            elif not item.is_thread:
                line += " (document updated)"
            year.append(
                {
                    "text": line,
                    "source": item.id,
                    "date": _date(item.when),
                    "duplicates": dupes_of.get(item.id, []),
                }
            )

    docs = [i for i in public if not i.is_thread and i.kind != "owners"]
    old_threads = [i for i in threads if i.id in kept and layer(i) == "old"]
    summary_from = docs + old_threads or [i for i in threads if i.id in kept]
    summary = summarise(summary_from, config=config)

    decisions, faq, open_questions, answerers = [], [], [], Counter()
    for item in sorted(
        (t for t in threads if t.id in kept), key=lambda i: (-timestamp(i.closed_at or i.when), i.key)
    ):
        asked = looks_like_question(item.clean_title, item.text)
        if item.is_closed:
            resolving = resolving_comment(item, maintainers=maintainers)
            if resolving is not None:
                answerers[resolving.author] += 1
            if asked and resolving is not None and len(faq) < config.max_faq:
                faq.append(
                    {
                        "question": item.clean_title,
                        "source": item.id,
                        "answer": _statement(resolving),
                        "answer_source": resolving.id,
                        "by": resolving.author,
                        "date": _date(item.closed_at or resolving.when),
                        "duplicates": dupes_of.get(item.id, []),
                    }
                )
            elif not asked and len(decisions) < config.max_decisions:
                decisions.append(
                    {
                        "title": item.clean_title,
                        "source": item.id,
                        "statement": _statement(resolving) if resolving else first_sentence(item.text),
                        "statement_source": resolving.id if resolving else item.id,
                        "by": resolving.author if resolving else item.author,
                        "date": _date(item.closed_at or item.when),
                        "duplicates": dupes_of.get(item.id, []),
                    }
                )
        elif asked and len(open_questions) < config.max_open_questions:
            open_questions.append(
                {
                    "question": item.clean_title,
                    "source": item.id,
                    "author": item.author,
                    "date": _date(item.when),
                    "duplicates": dupes_of.get(item.id, []),
                }
            )

    content = {
        "title": title,
        "summary": summary,
        "surface": surface,
        "year": year,
        "decisions": decisions,
        "faq": faq,
        "open_questions": open_questions,
        "people": people_for(public, owners=owners, answerers=answerers, limit=config.max_people),
        "related": related or [],
        "duplicates": [{"kept": rep, "collapsed": ids} for rep, ids in sorted(collapsed.items())],
        "sources": [
            {"id": i.id, "title": i.title, "kind": i.kind, "url": i.url}
            for i in sorted(public, key=lambda i: (i.kind, i.key))
        ],
    }
    restricted = {"notes": [note_section(item) for item in private]} if private else {}
    text = render_text(content)
    return PageBuild(
        content=content,
        restricted=restricted,
        text=text,
        content_hash=content_hash(title=title, content=content),
        restricted_hash=content_hash(title="", content=restricted),
        source_ids=[i.id for i in public],
        metrics=page_metrics(content=content, text=text, public=public),
    )


def collapse_duplicates(
    threads: list[SourceItem], *, threshold: float
) -> tuple[set[int], dict[int, list[int]]]:
    """Near-duplicate threads: (ids kept, {kept id: [collapsed ids]}). The earliest one is kept."""
    ordered = sorted(threads, key=lambda i: (timestamp(i.when), i.key))
    groups = near_duplicate_groups([i.full_text for i in ordered], threshold=threshold)
    kept, collapsed = set(), {}
    for group in groups:
        representative = ordered[group[0]]
        kept.add(representative.id)
        if len(group) > 1:
            collapsed[representative.id] = [ordered[n].id for n in group[1:]]
    return kept, collapsed


def summarise(items: list[SourceItem], *, config: PageConfig) -> list[dict]:
    """The most central sentences of the items (TextRank), each with the id it came from."""
    candidates: list[tuple[str, int]] = []
    seen: set[str] = set()
    for item in sorted(items, key=lambda i: (i.is_thread, i.kind, i.key)):
        texts = [item.text] + [c.text for c in item.comments]
        taken = 0
        for owner, text in zip([item] + item.comments, texts, strict=True):
            for sentence in split_sentences(text):
                folded = sentence.lower()
                if folded in seen:
                    continue
                seen.add(folded)
                candidates.append((sentence, owner.id))
                taken += 1
                if taken >= config.sentences_per_item:
                    break
            if taken >= config.sentences_per_item:
                break
        if len(candidates) >= config.max_candidate_sentences:
            break
    candidates = candidates[: config.max_candidate_sentences]
    if not candidates:
        return []
    sentences = [text for text, _ in candidates]
    scores = textrank(sentences)
    try:
        vectors = tfidf_vectorizer().fit_transform(sentences)
    except ValueError:
        vectors = None
    chosen: list[int] = []
    for index in rank_order(scores, limit=len(sentences)):
        if vectors is not None and chosen:
            closeness = (vectors[index] @ vectors[chosen].T).toarray().max()
            if closeness >= config.redundancy_threshold:
                continue
        chosen.append(index)
        if len(chosen) >= config.summary_sentences:
            break
    return [{"text": candidates[i][0], "source": candidates[i][1]} for i in chosen]


def resolving_comment(thread: SourceItem, *, maintainers: set[str]) -> SourceItem | None:
    """The comment that settled a closed thread: the last one before closing by a maintainer,
    else the last by someone other than the author, else the last one."""
    comments = [c for c in thread.comments if c.text.strip()]
    if thread.closed_at:
        before = [c for c in comments if c.when is None or c.when <= thread.closed_at]
        comments = before or comments
    if not comments:
        return None
    for pick in (
        lambda c: c.author in maintainers,
        lambda c: c.author and c.author != thread.author,
        lambda c: True,
    ):
        matching = [c for c in comments if pick(c)]
        if matching:
            return matching[-1]
    return None


def people_for(public: list[SourceItem], *, owners: list[str], answerers: Counter, limit: int) -> list[dict]:
    scores: Counter = Counter()
    roles: dict[str, set[str]] = {}

    def credit(login: str, role: str, weight: int) -> None:
        if not login:
            return
        scores[login] += weight
        roles.setdefault(login, set()).add(role)

    for login in owners:
        credit(login, "owner", 3)
    for item in public:
        if item.is_thread:
            credit(item.author, "asker", 1)
            for comment in item.comments:
                credit(comment.author, "commenter", 1)
        else:
            for login in item.people[:3]:
                credit(login, "author", 2)
    for login, count in answerers.items():
        credit(login, "answerer", 2 * count)
    ranked = sorted(scores, key=lambda login: (-scores[login], login))[:limit]
    return [{"login": login, "roles": sorted(roles[login]), "score": scores[login]} for login in ranked]


def note_section(item: SourceItem) -> dict:
    sentences = split_sentences(item.text) or ([item.text.strip()] if item.text.strip() else [])
    return {
        "source": item.id,
        "title": item.title,
        "sentences": [{"text": s, "source": item.id} for s in sentences[:20]],
    }


def render_text(content: dict) -> str:
    """Plain text of the public content, one statement per line with its source reference."""
    lines = [f"# {content['title']}"]

    def section(key: str, rows: list[str]) -> None:
        if rows:
            lines.append("")
            lines.append(f"## {SECTION_TITLES[key]}")
            lines.extend(rows)

    section("summary", [f"- {s['text']} [d{s['source']}]" for s in content["summary"]])
    section(
        "surface",
        [
            f"- {e['date'] or ''} {e['title']}{_state(e)}{': ' + e['text'] if e['text'] else ''} "
            f"[d{e['source']}]{_dupes(e)}"
            for e in content["surface"]
        ],
    )
    section("year", [f"- {e['date'] or ''} {e['text']} [d{e['source']}]{_dupes(e)}" for e in content["year"]])
    section(
        "decisions",
        [
            f"- {e['title']} [d{e['source']}]: {e['statement']} [d{e['statement_source']}]{_dupes(e)}"
            for e in content["decisions"]
        ],
    )
    section(
        "faq",
        [
            f"- Q: {e['question']} [d{e['source']}] A: {e['answer']} [d{e['answer_source']}]{_dupes(e)}"
            for e in content["faq"]
        ],
    )
    section(
        "open_questions",
        [f"- {e['question']} [d{e['source']}]{_dupes(e)}" for e in content["open_questions"]],
    )
    section("people", [f"- {p['login']} ({', '.join(p['roles'])})" for p in content["people"]])
    section("related", [f"- {r['title']}" for r in content["related"]])
    section("sources", [f"- [d{s['id']}] {s['title']}" for s in content["sources"]])
    return "\n".join(lines) + "\n"


def body_text(text: str) -> str:
    """The rendered text without its Sources list (what compression is measured on)."""
    marker = f"\n## {SECTION_TITLES['sources']}\n"
    return text.split(marker, 1)[0]


def referenced_ids(content: dict) -> set[int]:
    """Every document id a statement on the page points to (sources list excluded)."""
    ids: set[int] = set()
    for key in ("summary", "surface", "year", "decisions", "faq", "open_questions"):
        for entry in content.get(key, []):
            for field_name in ("source", "statement_source", "answer_source"):
                if isinstance(entry.get(field_name), int):
                    ids.add(entry[field_name])
            ids.update(entry.get("duplicates", []))
    return ids


def page_metrics(*, content: dict, text: str, public: list[SourceItem]) -> dict:
    """compression ratio = source characters / page characters (body without the sources list and
    reference markers);
    coverage = share of the topic's public items (a thread with its comments counts once,
    OWNERS files are left out) that some statement on the page points to; freshness = newest and oldest item times."""
    source_chars = sum(i.size + sum(c.size for c in i.comments) for i in public)
    # Reference markers are links, not text; leaving them out also keeps the figure independent of ids.
    page_chars = len(_REFERENCES.sub("", body_text(text)))
    referenced = referenced_ids(content)
    # OWNERS files feed the people section rather than statements; they are not counted.
    coverable = [i for i in public if i.kind != "owners"]
    covered = sum(1 for i in coverable if i.id in referenced or any(c.id in referenced for c in i.comments))
    times = [t for i in public for t in [i.when, *(c.when for c in i.comments)] if t is not None]
    # Public items only: a private note's edit time is not for every reader of the metrics.
    changed = [
        t for i in public for t in [i.changed_at, *(c.changed_at for c in i.comments)] if t is not None
    ]
    return {
        "source_chars": source_chars,
        "page_chars": page_chars,
        "compression_ratio": round(source_chars / page_chars, 3) if page_chars else 0.0,
        "coverage": round(covered / len(coverable), 4) if coverable else 0.0,
        "source_count": len(public),
        "newest": max(times).isoformat() if times else None,
        "oldest": min(times).isoformat() if times else None,
        "sources_changed_at": max(changed).isoformat() if changed else None,
    }


def content_hash(*, title: str, content: dict) -> str:
    payload = json.dumps({"title": title, "content": content}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _statement(comment: SourceItem) -> str:
    sentences = split_sentences(comment.text)
    if not sentences:
        return first_sentence(comment.text)
    return " ".join(sentences[:2])


def _date(when: datetime | None) -> str | None:
    return when.date().isoformat() if when else None


def _state(entry: dict) -> str:
    return f" ({entry['state']})" if entry.get("state") else ""


def _dupes(entry: dict) -> str:
    ids = entry.get("duplicates") or []
    return f" (duplicates: {', '.join(f'd{i}' for i in ids)})" if ids else ""
