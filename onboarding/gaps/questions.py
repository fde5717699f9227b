"""Recurring questions: questions asked in issues that cluster together and that no doc answers well.

Questions are issues with a question/support label, or phrased as a question.
They are clustered by TF-IDF cosine similarity; each cluster of at least
GLACIER_GAP_QUESTION_MIN_CLUSTER issues is searched (its top terms, docs and
glacier pages only, unrestricted access) and becomes a gap when the best score is
under GLACIER_GAP_ANSWER_MIN_SCORE (per backend) or the best hit shows under
half of the question's terms. Without a working search backend the rule
is skipped (RuleUnavailable), so no gap is created or resolved on a guess.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings

from kb.access import project_readers_tokens
from kb.sources import issues as issue_schema
from onboarding.gaps.base import DetectionContext, Finding, RuleUnavailable, Suggestion, rule

logger = logging.getLogger(__name__)

MIN_COVERAGE = 0.6
QUESTION_LABEL = re.compile(r"question|support|help wanted: answer|triage/support", re.I)
QUESTION_PHRASE = re.compile(
    r"^\s*(how|why|what|where|when|which|who|is there|are there|can i|can we|could|should|does|do i|do we|is it|any way)\b",
    re.I,
)


def is_question(title: str, metadata: dict) -> bool:
    if any(QUESTION_LABEL.search(name) for name in issue_schema.labels(metadata)):
        return True
    return title.strip().endswith("?") or bool(QUESTION_PHRASE.match(title))


def cluster_questions(texts: list[str], *, threshold: float) -> tuple[list[list[int]], object, object]:
    """Groups of indexes whose TF-IDF cosine similarity links them (single linkage)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        stop_words="english", sublinear_tf=True, min_df=1, token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9]+\b"
    )
    matrix = vectorizer.fit_transform(texts)
    similarity = (matrix @ matrix.T).tocoo()
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, value in zip(similarity.row, similarity.col, similarity.data, strict=True):
        if i < j and value >= threshold:
            parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(texts)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values()), matrix, vectorizer


def _top_terms(matrix, members: list[int], vectorizer, count: int = 4) -> dict[str, float]:
    """The cluster's most characteristic terms with their TF-IDF weight in its centroid."""
    centroid = matrix[members].mean(axis=0).A1
    vocabulary = vectorizer.get_feature_names_out()
    ranked = centroid.argsort()[::-1][:count]
    return {str(vocabulary[i]): float(centroid[i]) for i in ranked if centroid[i] > 0}


def answer_threshold() -> float:
    """The score a doc must reach to count as an answer. Scores are backend-specific (Whoosh BM25F with boosts
    runs to the hundreds, PostgreSQL ts_rank stays under 1), so the setting maps backend module -> threshold."""
    configured = settings.GLACIER_GAP_ANSWER_MIN_SCORE
    if isinstance(configured, int | float):
        return float(configured)
    backend = settings.GLACIER_SEARCH_BACKENDS["default"]["BACKEND"]
    return float(configured.get(backend, configured.get("default", 0.0)))


def term_coverage(weights: dict[str, float], hit) -> float:
    """Weighted share of the question's terms that the hit shows (title, path, highlighted snippet), compared
    by 5-letter prefix so that "configure" meets "configuration". A page that matches the question's generic
    words ("change", "configuration") but not its subject ("proxy", "timeout") is not an answer."""
    total = sum(weights.values())
    if not total:
        return 0.0
    shown = " ".join([hit.title, hit.path, re.sub(r"<[^>]+>", " ", hit.highlights or "")]).lower()
    words = {w[:5] for w in re.findall(r"[a-z0-9]+", shown)}
    return sum(weight for term, weight in weights.items() if term[:5] in words) / total


def best_answer(ctx: DetectionContext, weights: dict[str, float]) -> tuple[float, float, str]:
    """(best score, its term coverage, where) among docs and glacier pages; RuleUnavailable without search."""
    query = " ".join(weights)
    try:
        from kb.search import get_search_backend

        # As the gap's readers would search: a private page neither answers nor is quoted.
        results = get_search_backend().search(
            query,
            access=project_readers_tokens(ctx.project),
            projects=[ctx.project.slug],
            kinds=["doc", "glacier"],
            page_size=3,
        )
    except Exception as exc:  # any backend failure means "cannot judge", never "unanswered"
        logger.warning("search unavailable for recurring-question rule: %s", exc)
        raise RuleUnavailable(f"search unavailable: {exc}") from exc
    if not results.hits:
        return 0.0, 0.0, ""
    best = max(results.hits, key=lambda hit: (term_coverage(weights, hit), hit.score))
    top = results.hits[0]
    return float(top.score), term_coverage(weights, best), best.path or best.title


@rule(
    id="recurring-question",
    title="Recurring question no doc answers",
    severity="medium",
    why=(
        "When several people ask the same thing in issues and search finds no page that answers it, "
        "maintainers answer it by hand each time and many more readers never ask at all."
    ),
    how=(
        "Read the linked issues and the answers maintainers gave, and turn them into a FAQ entry or a "
        "page (use the askers' words in the title). Link it from the issues and from the README."
    ),
)
def recurring_questions(ctx: DetectionContext):
    questions = [d for d in ctx.docs("issue") if is_question(d.title, d.metadata)]
    if len(questions) < settings.GLACIER_GAP_QUESTION_MIN_CLUSTER:
        return
    texts = [f"{q.title} {q.title} {q.body[:1000]}" for q in questions]
    try:
        groups, matrix, vectorizer = cluster_questions(
            texts, threshold=settings.GLACIER_GAP_QUESTION_SIMILARITY
        )
    except ValueError:  # empty vocabulary: nothing but stop words
        return
    threshold = answer_threshold()
    for members in groups:
        if len(members) < settings.GLACIER_GAP_QUESTION_MIN_CLUSTER:
            continue
        items = sorted((questions[i] for i in members), key=lambda d: d.key)
        weights = _top_terms(matrix, members, vectorizer)
        terms = list(weights)
        query = " ".join(terms)
        score, coverage, best = best_answer(ctx, weights)
        if score >= threshold and coverage >= MIN_COVERAGE:
            continue
        yield Finding(
            key=f"questions:{items[0].key}",
            title=f'{len(items)} issues ask about "{query}"; no doc answers it',
            evidence={
                "summary": (
                    f"{len(items)} similar questions; best doc search score {score:.2f} (answer needs {threshold}) "
                    f"covering {coverage:.0%} of the question's terms."
                ),
                "coverage": round(coverage, 2),
                "query": query,
                "best_score": round(score, 3),
                "best_match": best,
                "issues": [{"title": d.title, "url": d.url, "key": d.key} for d in items[:15]],
            },
            suggestion=Suggestion(
                "create",
                f"docs/faq/{'-'.join(terms[:3]) or 'question'}.md",
                (
                    f"# {items[0].title.rstrip('?')}?",
                    "The short answer",
                    "Why (the background maintainers gave in the issues)",
                    "Steps or example",
                    "Links to the issues where it was asked",
                ),
            ),
            severity="high" if len(items) >= 5 else "medium",
        )
