"""One analysis per document: parse once, answer genre, lifecycle, language, decision and sections.

`analyse` is pure (no database) and deterministic for its inputs, so it runs once per content
hash at ingest; rows analysed by an older version are re-analysed by `kb reindex`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.documents.decisions import decision_of
from kb.documents.genres import classify
from kb.documents.language import PRIMARY, detect_language
from kb.documents.sections import sections_from_tokens
from kb.rendering import RenderError, markdown_tokens

# Bump when the analysis changes what it answers: `kb reindex` then re-analyses stored rows.
ANALYSIS_VERSION = 1
ANALYSED_KINDS = {"doc", "owners"}


@dataclass
class DocumentAnalysis:
    genre: str = "other"
    lifecycle: str = "current"
    language: str = PRIMARY
    decision: dict | None = None
    sections: list[dict] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def analyse(*, path: str, kind: str, body: str, metadata: dict) -> DocumentAnalysis:
    """The document model of one stored item. `metadata` is what the source stored: its
    "format", "front_matter", "body_line_offset" and "sidecars" (kep.yaml beside a KEP)."""
    if kind not in ANALYSED_KINDS:
        return DocumentAnalysis(reasons=[f"a {kind}"])
    front_matter = metadata.get("front_matter") or {}
    sidecars = metadata.get("sidecars") or {}
    tokens: list = []
    if metadata.get("format", "markdown") == "markdown":
        try:
            tokens = markdown_tokens(body)
        except RenderError:
            tokens = []  # over the markup budget: judged from its path and plain text only
    sections = sections_from_tokens(tokens, line_offset=int(metadata.get("body_line_offset") or 0))
    decision = decision_of(body=body, tokens=tokens, front_matter=front_matter, sidecars=sidecars)
    classification = classify(
        path=path,
        kind=kind,
        body=body,
        tokens=tokens,
        front_matter=front_matter,
        sections=sections,
        decision=decision,
        sidecars=sidecars,
    )
    if classification.genre != "decision-record":
        decision = None
    return DocumentAnalysis(
        genre=classification.genre,
        lifecycle=classification.lifecycle,
        language=detect_language(path=path, front_matter=front_matter, body=body)
        if kind == "doc"
        else PRIMARY,
        decision=decision,
        sections=sections,
        reasons=classification.reasons,
    )
