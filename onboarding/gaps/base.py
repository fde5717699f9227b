"""What a gap rule is, what it returns, and what it can read.

Rules are code: each is a function registered with `@rule(...)`, taking a
DetectionContext and yielding Findings. The registry (`RULES`) also feeds the
portal's rule pages (why it matters, how to fix it).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

from kb.models import Document, Project
from kb.services.repository_policy import repository_local_dir

# Meeting notes, minutes, and dated records ("annual-report-2021.md", "2019-summit.md", "events/2017/...").
_HISTORICAL_NAME = re.compile(r"meeting[-_ ]?notes|minutes|(?:^|[-_ .])(?:19|20)\d{2}(?:[-_ .]|$)")
_YEAR_DIR = re.compile(r"(?:19|20)\d{2}(?:[-_].*)?")


class RuleUnavailable(Exception):
    """A rule cannot be evaluated now (e.g. search is down); its existing gaps are left as they are."""


@dataclass(frozen=True)
class Suggestion:
    action: str  # "create", "edit" or "review"
    path: str  # file to create or edit ("" when the fix is not a file)
    outline: tuple[str, ...] = ()  # skeleton of what to write, one line each
    note: str = ""

    def as_dict(self) -> dict:
        return {"action": self.action, "path": self.path, "outline": list(self.outline), "note": self.note}


@dataclass
class Finding:
    key: str  # what the gap is about, stable across runs (hashed into the fingerprint)
    title: str
    evidence: dict
    suggestion: Suggestion
    path: str = ""
    area_id: int | None = None
    severity: str | None = None  # overrides the rule's default
    # "maintainers" when the title or evidence quote something only maintainers may read
    # (Gap.Audience); every page, API, report and link reads gaps through that check.
    audience: str = "public"

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.key.encode("utf-8")).hexdigest()[:40]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    family: str
    why: str
    how: str
    detect: Callable[[DetectionContext], Iterable[Finding]]


RULES: dict[str, Rule] = {}


def rule(*, id: str, title: str, severity: str, why: str, how: str):
    """Register a detector function as a rule."""

    def register(func: Callable[[DetectionContext], Iterable[Finding]]):
        family = func.__module__.rsplit(".", 1)[-1]
        RULES[id] = Rule(id=id, title=title, severity=severity, family=family, why=why, how=how, detect=func)
        return func

    return register


def register_rule(rule_obj: Rule) -> None:
    RULES[rule_obj.id] = rule_obj


@dataclass(frozen=True)
class DocRecord:
    """The fields of a Document the detectors read, loaded once per run."""

    pk: int
    kind: str
    key: str
    path: str
    title: str
    body: str
    headings: tuple[str, ...]
    last_changed_at: datetime | None
    metadata: dict
    url: str

    @property
    def directory(self) -> str:
        return posixpath.dirname(self.path)

    @property
    def filename(self) -> str:
        return posixpath.basename(self.path)

    @property
    def is_historical(self) -> bool:
        """Archives and meeting notes record the past; nobody is expected to keep them current."""
        lowered = self.path.lower()
        parts = lowered.split("/")
        if any("archive" in part or _YEAR_DIR.fullmatch(part) for part in parts[:-1]):
            return True
        return bool(_HISTORICAL_NAME.search(parts[-1]))


@dataclass
class DetectionContext:
    project: Project
    now: datetime
    documents: list[DocRecord] = field(default_factory=list)
    # Work shared between rules of one run (parsed OWNERS files...), keyed by the family that fills it.
    cache: dict = field(default_factory=dict)

    @classmethod
    def load(cls, *, project: Project, now: datetime) -> DetectionContext:
        rows = Document.objects.filter(project=project, is_private=False).values_list(
            "pk", "kind", "key", "path", "title", "body", "headings", "last_changed_at", "metadata", "url"
        )
        documents = [
            DocRecord(
                pk,
                kind,
                key,
                path,
                title,
                body,
                tuple(h for h in headings.splitlines() if h),
                changed,
                meta or {},
                url,
            )
            for pk, kind, key, path, title, body, headings, changed, meta, url in rows.iterator(
                chunk_size=1000
            )
        ]
        return cls(project=project, now=now, documents=documents)

    def docs(self, *kinds: str) -> list[DocRecord]:
        return [d for d in self.documents if d.kind in kinds]

    @cached_property
    def repo_files(self) -> list[DocRecord]:
        """Documents that are files of the repository (docs and owners files with a path)."""
        return [d for d in self.documents if d.path and d.kind in (Document.Kind.DOC, Document.Kind.OWNERS)]

    @cached_property
    def paths(self) -> set[str]:
        return {d.path for d in self.repo_files}

    @cached_property
    def by_path(self) -> dict[str, DocRecord]:
        return {d.path: d for d in self.repo_files}

    @cached_property
    def directories(self) -> set[str]:
        dirs = set()
        for path in self.paths:
            parent = posixpath.dirname(path)
            while parent:
                dirs.add(parent)
                parent = posixpath.dirname(parent)
        return dirs

    @cached_property
    def local_repo(self) -> Path | None:
        """The project's checkout on this machine, when its repository is a local directory it may read."""
        return repository_local_dir(self.project, include_clone=False)

    def days_since(self, when: datetime | None) -> int | None:
        return None if when is None else (self.now - when).days
