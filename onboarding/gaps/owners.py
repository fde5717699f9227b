"""OWNERS hygiene, as the Kubernetes contributor guide describes it.

Reads the OWNERS / OWNERS_ALIASES files straight from their Documents (the
source the people importer reads too), so the checks work before or without
Area rows. Broken YAML is the importer's to report; such files are skipped here.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass, field
from datetime import timedelta

import yaml
from django.conf import settings

from kb.yaml_safe import load_yaml
from onboarding.gaps.base import DetectionContext, Finding, Suggestion, rule
from onboarding.models import Area

SKIP_DIRS = ("vendor", "third_party", "node_modules")
_ALIAS_LIKE = re.compile(r"-(?:leads|approvers|reviewers|maintainers|owners|admins|chairs)$")


@dataclass
class OwnersFile:
    path: str
    directory: str
    approvers: set[str] = field(default_factory=set)
    reviewers: set[str] = field(default_factory=set)
    emeritus: set[str] = field(default_factory=set)
    no_parent_owners: bool = False
    last_changed_at: object = None
    unknown_aliases: set[str] = field(default_factory=set)  # "*-leads" names OWNERS_ALIASES no longer defines


def _load_yaml(text: str):
    return load_yaml(text)


def _names(value, aliases: dict[str, set[str]]) -> set[str]:
    if not isinstance(value, list):
        return set()
    people: set[str] = set()
    for item in value:
        if not isinstance(item, str):
            continue
        name = item.strip().lower()
        people |= aliases.get(name, {name})
    return people


def parse_aliases(body: str) -> dict[str, set[str]]:
    try:
        data = _load_yaml(body) or {}
    except yaml.YAMLError:
        return {}
    raw = data.get("aliases") if isinstance(data, dict) else None
    if not isinstance(raw, dict):
        return {}
    return {
        str(name).lower(): {str(m).strip().lower() for m in (members or []) if isinstance(m, str)}
        for name, members in raw.items()
    }


def parse_owners(path: str, body: str, aliases: dict[str, set[str]]) -> OwnersFile | None:
    try:
        data = _load_yaml(body) or {}
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict):
        return None
    owners = OwnersFile(path=path, directory=posixpath.dirname(path))
    sections = [data]
    filters = data.get("filters")
    if isinstance(filters, dict):
        sections += [value for value in filters.values() if isinstance(value, dict)]
    for section in sections:
        owners.approvers |= _names(section.get("approvers"), aliases)
        owners.reviewers |= _names(section.get("reviewers"), aliases)
        owners.emeritus |= _names(section.get("emeritus_approvers"), {})
    owners.unknown_aliases = {
        name for name in owners.approvers | owners.reviewers if aliases and _ALIAS_LIKE.search(name)
    }
    options = data.get("options")
    owners.no_parent_owners = bool(isinstance(options, dict) and options.get("no_parent_owners"))
    return owners


def load_owners(ctx: DetectionContext) -> dict[str, OwnersFile]:
    """Directory -> parsed OWNERS file (parsed once per run, shared by the OWNERS rules)."""
    if "owners" not in ctx.cache:
        ctx.cache["owners"] = _parse_all_owners(ctx)
    return ctx.cache["owners"]


def _parse_all_owners(ctx: DetectionContext) -> dict[str, OwnersFile]:
    aliases: dict[str, set[str]] = {}
    for doc in ctx.repo_files:
        if doc.filename == "OWNERS_ALIASES":
            aliases.update(parse_aliases(doc.body))
    result = {}
    for doc in ctx.repo_files:
        if doc.filename != "OWNERS":
            continue
        if doc.is_historical and doc.directory:  # archived groups and dated records are not maintained areas
            continue
        parsed = parse_owners(doc.path, doc.body, aliases)
        if parsed is not None:
            parsed.last_changed_at = doc.last_changed_at
            result[parsed.directory] = parsed
    return result


def _ancestors(directory: str):
    """The directory itself, then each parent up to the root ('')."""
    while True:
        yield directory
        if not directory:
            return
        directory = posixpath.dirname(directory)


def _area_ids(ctx: DetectionContext) -> dict[str, int]:
    return dict(Area.objects.filter(project=ctx.project, kind=Area.Kind.DIRECTORY).values_list("path", "pk"))


def _codeowners_patterns(ctx: DetectionContext) -> list[str]:
    patterns = []
    for doc in ctx.repo_files:
        if doc.filename != "CODEOWNERS":
            continue
        for line in doc.body.splitlines():
            line = line.split("#", 1)[0].strip()
            if line and len(line.split()) >= 2:
                patterns.append(line.split()[0])
    return patterns


def _covered_by_codeowners(directory: str, patterns: list[str]) -> bool:
    for pattern in patterns:
        bare = pattern.strip("/")
        if pattern in ("*", "/", "/*", "**") or bare in ("", "*", "**"):
            return True
        for candidate in _ancestors(directory):
            if candidate and (bare == candidate or fnmatch.fnmatch(candidate, bare)):
                return True
    return False


def _is_covered(directory: str, owners: dict[str, OwnersFile]) -> bool:
    for candidate in _ancestors(directory):
        found = owners.get(candidate)
        if found is not None:
            if found.approvers:
                return True
            if found.no_parent_owners:
                return False
    return False


def _owners_finding(
    ctx, owners_file: OwnersFile, key: str, title: str, evidence: dict, outline, areas, severity=None
):
    return Finding(
        key=f"{key}:{owners_file.path}",
        title=title,
        evidence=evidence,
        suggestion=Suggestion("edit", owners_file.path, tuple(outline)),
        path=owners_file.path,
        area_id=areas.get(owners_file.directory),
        severity=severity,
    )


@rule(
    id="owners-uncovered-directory",
    title="Directory without OWNERS coverage",
    severity="medium",
    why=(
        "Kubernetes-style review automation asks the OWNERS of a directory (or of its parents) to "
        "approve changes. A directory nobody owns gets no reviewer, so pull requests there stall "
        "and newcomers' first contributions go unanswered."
    ),
    how=(
        "Add an OWNERS file to the directory with at least one approver and two reviewers who know "
        "the code, or extend a parent OWNERS file to cover it."
    ),
)
def uncovered_directories(ctx: DetectionContext):
    owners = load_owners(ctx)
    if not owners:
        return  # the project does not use OWNERS files; missing-governance covers that case
    patterns = _codeowners_patterns(ctx)
    directories = set(ctx.directories)
    if ctx.local_repo is not None:
        for child in ctx.local_repo.iterdir():
            if child.is_dir():
                directories.add(child.name)
    uncovered = {
        d
        for d in directories
        if not d.split("/")[0].startswith(".")
        and not any(part in SKIP_DIRS for part in d.split("/"))
        and not _is_covered(d, owners)
        and not _covered_by_codeowners(d, patterns)
    }
    topmost = sorted(d for d in uncovered if posixpath.dirname(d) not in uncovered)
    for directory in topmost:
        below = sorted(d for d in uncovered if d.startswith(directory + "/"))
        yield Finding(
            key=f"uncovered:{directory}",
            title=f"{directory}/ has no OWNERS",
            evidence={
                "summary": f"No OWNERS file with approvers in {directory}/ or any parent directory.",
                "directory": directory,
                "subdirectories_uncovered": below[:20],
            },
            suggestion=Suggestion(
                "create",
                f"{directory}/OWNERS",
                (
                    "# See the OWNERS docs at https://go.k8s.io/owners",
                    "approvers:",
                    "  - <github-login>",
                    "reviewers:",
                    "  - <github-login>",
                    "  - <github-login>",
                ),
            ),
            path=f"{directory}/OWNERS",
        )


@rule(
    id="owners-single-person",
    title="One person is the only approver and reviewer",
    severity="high",
    why=(
        "When the same single person approves and reviews everything in a directory, nobody else "
        "can merge there: a holiday or a departure blocks the area, and the knowledge lives in one head."
    ),
    how=(
        "Add at least one more reviewer (someone who has reviewed or authored changes there) and, "
        "once they have a track record, a second approver."
    ),
)
def single_person(ctx: DetectionContext):
    areas = _area_ids(ctx)
    for owners_file in load_owners(ctx).values():
        people = owners_file.approvers | owners_file.reviewers
        if len(people) != 1 or not owners_file.approvers or people <= owners_file.unknown_aliases:
            continue  # one unresolvable alias is not one person; we cannot tell who is behind it
        person = next(iter(people))
        yield _owners_finding(
            ctx,
            owners_file,
            "single",
            f"{owners_file.path}: {person} is the only owner",
            {"summary": f"{person} is the only approver and the only reviewer.", "person": person},
            ["reviewers:", f"  - {person}", "  - <second reviewer>"],
            areas,
        )


@rule(
    id="owners-few-reviewers",
    title="Fewer reviewers than approvers",
    severity="low",
    why=(
        "Reviewers do the first pass so approvers can focus on the final decision. With fewer "
        "reviewers than approvers the load lands on the approvers and the ladder from reviewer to "
        "approver has no one on it."
    ),
    how="List more reviewers in the OWNERS file: regular contributors to the directory are the usual candidates.",
)
def few_reviewers(ctx: DetectionContext):
    areas = _area_ids(ctx)
    for owners_file in load_owners(ctx).values():
        if len(owners_file.reviewers) >= len(owners_file.approvers):
            continue
        if len(owners_file.approvers | owners_file.reviewers) == 1:
            continue  # owners-single-person says it louder
        yield _owners_finding(
            ctx,
            owners_file,
            "few-reviewers",
            f"{owners_file.path}: {len(owners_file.reviewers)} reviewers for {len(owners_file.approvers)} approvers",
            {
                "summary": "Fewer reviewers than approvers.",
                "approvers": sorted(owners_file.approvers),
                "reviewers": sorted(owners_file.reviewers),
            },
            ["reviewers:", *[f"  - {r}" for r in sorted(owners_file.reviewers)], "  - <new reviewer>"],
            areas,
        )


@rule(
    id="owners-stale-file",
    title="OWNERS file untouched for over six months",
    severity="low",
    why=(
        "People move on. An OWNERS file nobody has looked at for months probably lists people who no "
        "longer review, so pull requests wait on someone who will never answer."
    ),
    how=(
        "Check each listed person's recent activity; move those who stopped to emeritus_approvers, "
        "add active contributors, and commit the file even if nothing changed to record the review."
    ),
)
def stale_owners(ctx: DetectionContext):
    limit = timedelta(days=settings.GLACIER_GAP_OWNERS_STALE_DAYS)
    areas = _area_ids(ctx)
    for owners_file in load_owners(ctx).values():
        changed = owners_file.last_changed_at
        if changed is None or ctx.now - changed <= limit:
            continue
        yield _owners_finding(
            ctx,
            owners_file,
            "stale",
            f"{owners_file.path} not reviewed for {ctx.days_since(changed)} days",
            {
                "summary": f"Last changed {changed.date().isoformat()}.",
                "last_changed_at": changed.isoformat(),
                "approvers": sorted(owners_file.approvers),
                "reviewers": sorted(owners_file.reviewers),
            },
            [
                "Confirm each approver and reviewer is still active",
                "Move inactive people to emeritus_approvers",
                "Add active contributors as reviewers",
            ],
            areas,
        )


@rule(
    id="owners-emeritus-approver",
    title="Emeritus people still listed as approvers",
    severity="medium",
    why=(
        "Someone who has stepped down (emeritus) but is still an approver keeps being asked to "
        "approve changes they no longer follow, and hides the fact that the area needs a new approver."
    ),
    how="Remove them from approvers (and reviewers) and keep them under emeritus_approvers only.",
)
def emeritus_approvers(ctx: DetectionContext):
    owners = load_owners(ctx)
    areas = _area_ids(ctx)
    for owners_file in owners.values():
        emeritus_where: dict[str, str] = {}
        for directory in _ancestors(owners_file.directory):
            parent = owners.get(directory)
            if parent is None:
                continue
            for person in parent.emeritus:
                emeritus_where.setdefault(person, parent.path)
            if parent.no_parent_owners:
                break
        still = sorted(p for p in owners_file.approvers if p in emeritus_where)
        if not still:
            continue
        yield _owners_finding(
            ctx,
            owners_file,
            "emeritus",
            f"{owners_file.path}: emeritus {', '.join(still)} still approve",
            {
                "summary": f"{len(still)} emeritus people are still approvers.",
                "people": [{"login": p, "emeritus_in": emeritus_where[p]} for p in still],
            },
            [
                "approvers:",
                *[f"  (remove) - {p}" for p in still],
                "emeritus_approvers:",
                *[f"  - {p}" for p in still],
            ],
            areas,
        )
