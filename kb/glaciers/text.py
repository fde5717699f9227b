"""Sentences, TF-IDF vectors, TextRank and near-duplicate detection.

Everything here is deterministic: inputs are processed in the order given (callers sort
them), scikit-learn is used without randomness, and ties break on position.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
_LIST_MARK = re.compile(r"^\s*(?:[-+*]|\d+[.)])\s+")
_URL = re.compile(r"https?://\S+")
_LINK_DEFINITION = re.compile(r"^\s*\[[^\]]+\]:\s*\S")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'_-]*")
_QUESTION_START = re.compile(
    r"^(how|why|what|when|where|which|who|can|could|should|is|are|does|do|did|will|would|may|"
    r"has|have|any)\b",
    re.I,
)

MIN_SENTENCE_WORDS = 5
MAX_SENTENCE_WORDS = 45
SHORT_FRAGMENT_WORDS = 8  # shorter than this without an ending stop: a heading or a label


def split_sentences(text: str) -> list[str]:
    """Readable sentences of a plain-text body: lines and list items first, then sentence ends."""
    sentences = []
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-+*]|\d+[.)])\s)", text):
        block = _LIST_MARK.sub("", block).replace("\\[", "[").replace("\\]", "]").replace("\\!", "!")
        block = re.sub(r"\s+", " ", block).strip()
        if not block:
            continue
        for piece in _SENTENCE_END.split(block):
            piece = piece.strip()
            if _is_readable(piece):
                sentences.append(piece)
    return sentences


def first_sentence(text: str, *, limit: int = 240) -> str:
    for sentence in split_sentences(text):
        return _clip(sentence, limit)
    return _clip(re.sub(r"\s+", " ", text).strip(), limit)


def looks_like_question(title: str, body: str = "") -> bool:
    title = title.strip()
    return title.endswith("?") or bool(_QUESTION_START.match(title)) or body.strip().endswith("?")


def tfidf_vectorizer(**overrides) -> TfidfVectorizer:
    # numpy and scikit-learn (with scipy) are imported where they are used, never at module
    # level: this module is loaded with the app and they would cost every process seconds.
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    options = {
        "stop_words": "english",
        "sublinear_tf": True,
        "token_pattern": r"(?u)\b[A-Za-z][A-Za-z0-9_-]+\b",
        "lowercase": True,
        "dtype": np.float32,
    }
    options.update(overrides)
    return TfidfVectorizer(**options)


def textrank(sentences: list[str], *, damping: float = 0.85, iterations: int = 50, tol: float = 1e-6):
    """Scores for each sentence: PageRank over the TF-IDF cosine-similarity graph.

    Returns a numpy array aligned with `sentences`. A sentence that shares words with many
    others scores high: it states what the texts are about.
    """
    import numpy as np

    n = len(sentences)
    if n == 0:
        return np.zeros(0)
    if n == 1:
        return np.ones(1)
    try:
        matrix = tfidf_vectorizer().fit_transform(sentences)
    except ValueError:  # only stop words
        return np.ones(n) / n
    similarity = (matrix @ matrix.T).toarray().astype(np.float64)
    np.fill_diagonal(similarity, 0.0)
    out_weight = similarity.sum(axis=1)
    out_weight[out_weight == 0] = 1.0
    transition = similarity / out_weight[:, None]
    scores = np.full(n, 1.0 / n)
    for _ in range(iterations):
        updated = (1 - damping) / n + damping * (transition.T @ scores)
        if np.abs(updated - scores).sum() < tol:
            scores = updated
            break
        scores = updated
    return scores


def rank_order(scores, *, limit: int) -> list[int]:
    """Indices of the best `limit` scores, highest first, ties to the earlier index."""
    order = sorted(range(len(scores)), key=lambda i: (-round(float(scores[i]), 12), i))
    return order[:limit]


def near_duplicate_groups(texts: list[str], *, threshold: float) -> list[list[int]]:
    """Groups (lists of indices, each sorted) of texts whose TF-IDF cosine reaches `threshold`.

    Single texts are returned as one-element groups; groups are ordered by their first index.
    Union-find over the similar pairs, so A~B and B~C put A, B and C together.
    """
    n = len(texts)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if n > 1:
        try:
            matrix = tfidf_vectorizer().fit_transform(texts)
        except ValueError:
            matrix = None
        if matrix is not None:
            similarity = (matrix @ matrix.T).tocoo()
            for i, j, value in zip(similarity.row, similarity.col, similarity.data, strict=True):
                if i < j and value >= threshold:
                    root_i, root_j = find(int(i)), find(int(j))
                    if root_i != root_j:
                        parent[max(root_i, root_j)] = min(root_i, root_j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def top_terms(vectorizer: TfidfVectorizer, centroid, *, limit: int = 3) -> list[str]:
    """The heaviest terms of a (1 x V) centroid row, ties broken alphabetically."""
    import numpy as np

    row = np.asarray(centroid.todense()).ravel() if hasattr(centroid, "todense") else np.asarray(centroid)
    names = vectorizer.get_feature_names_out()
    order = sorted(np.flatnonzero(row), key=lambda i: (-round(float(row[i]), 9), names[i]))
    return [str(names[i]) for i in order[:limit]]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def _is_readable(sentence: str) -> bool:
    if _LINK_DEFINITION.match(sentence):
        return False
    without_links = _URL.sub("", sentence).strip()
    if len(without_links) < 0.7 * len(sentence):  # mostly links: a list of references, not a statement
        return False
    count = len(words(without_links))
    if count < MIN_SENTENCE_WORDS or count > MAX_SENTENCE_WORDS:
        return False
    if count < SHORT_FRAGMENT_WORDS and not sentence.rstrip().endswith((".", "!", "?", ":")):
        return False
    tokens = without_links.split()
    if sum(1 for t in tokens if "/" in t or "_" in t) > 0.15 * len(tokens):  # paths and identifiers
        return False
    letters = sum(ch.isalpha() for ch in sentence)
    return letters >= 0.6 * len(sentence.replace(" ", ""))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
