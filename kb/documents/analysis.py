"""One analysis per document: parse once, answer genre, lifecycle, language, decision and sections.

`analyse` is pure (no database) and deterministic for its inputs, so it runs once per content
hash at ingest; rows analysed by an older version are re-analysed by `kb reindex`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.documents.decisions import decision_of
from kb.documents.genres import classify
from kb.documents.language import PRIMARY, detect_language
from kb.documents.links import MarkdownLinks, links_from_tokens
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
    links: MarkdownLinks | None = None  # None when the body is not Markdown or over the limits


# Links found by the analysis, by content hash: the link refresh that follows an upsert in the
# same process reads them here instead of parsing each body a second time. Bounded: a miss
# only costs that second parse.
_LINKS_BY_CONTENT: dict[str, MarkdownLinks] = {}
LINKS_MEMO_SIZE = 50_000


def links_remember(content_hash: str, links: MarkdownLinks | None) -> None:
    if links is None:
        return
    if len(_LINKS_BY_CONTENT) >= LINKS_MEMO_SIZE:
        _LINKS_BY_CONTENT.pop(next(iter(_LINKS_BY_CONTENT)))
    _LINKS_BY_CONTENT[content_hash] = links


def links_recalled(content_hash: str) -> MarkdownLinks | None:
    return _LINKS_BY_CONTENT.get(content_hash)


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
    line_offset = int(metadata.get("body_line_offset") or 0)
    sections = sections_from_tokens(tokens, line_offset=line_offset)
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
        links=links_from_tokens(tokens, line_offset=line_offset) if tokens else None,
    )
