"""OWNERS hygiene, as the Kubernetes contributor guide describes it.

Reads the OWNERS / OWNERS_ALIASES / CODEOWNERS files straight from their Documents (the
source the people importer reads too), through kb.ownership, so the checks work before or
without Area rows and give the answer the people page gives. Broken files are the
importer's to report; such files are skipped here, and so are files under vendored trees.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings

from kb.ownership import ParseError, is_vendored_path, ownership_file_kind
from kb.ownership.codeowners import CodeownersFile, effective_codeowners, parse_codeowners
from kb.ownership.owners import read_owners_tree
from onboarding.gaps.base import DetectionContext, Finding, Suggestion, rule
from onboarding.models import Area


@dataclass
class OwnersFile:
    """What the hygiene rules look at in one OWNERS file: logins, lowercased, aliases expanded,
    file-wide and filter rules together."""

    path: str
    directory: str
    approvers: set[str] = field(default_factory=set)
    reviewers: set[str] = field(default_factory=set)
    emeritus: set[str] = field(default_factory=set)
    no_parent_owners: bool = False
    last_changed_at: object = None
    unknown_aliases: set[str] = field(default_factory=set)  # "*-leads" names OWNERS_ALIASES no longer defines


def load_owners(ctx: DetectionContext) -> dict[str, OwnersFile]:
    """Directory -> OWNERS file (parsed once per run, shared by the OWNERS rules)."""
    if "owners" not in ctx.cache:
        ctx.cache["owners"] = _parse_all_owners(ctx)
    return ctx.cache["owners"]


def _lowered(names: list[str]) -> set[str]:
    return {name.lower() for name in names}


def _parse_all_owners(ctx: DetectionContext) -> dict[str, OwnersFile]:
    documents = {
        doc.path: doc
        for doc in ctx.repo_files
        if ownership_file_kind(doc.path) in {"owners", "owners_aliases"}
        # archived groups and dated records are not maintained areas
        and not (doc.filename == "OWNERS" and doc.is_historical and doc.directory)
    }
    tree = read_owners_tree([(path, doc.body) for path, doc in documents.items()])
    result = {}
    for directory, parsed in tree.files.items():
        result[directory] = OwnersFile(
            path=parsed.path,
            directory=directory,
            approvers=_lowered(parsed.people("approvers")),
            reviewers=_lowered(parsed.people("reviewers")),
            emeritus=_lowered(parsed.people("emeritus_approvers")),
            no_parent_owners=parsed.no_parent_owners,
            last_changed_at=documents[parsed.path].last_changed_at,
            unknown_aliases=_lowered(sorted(tree.unresolved_aliases.get(directory, set()))),
        )
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


def _codeowners(ctx: DetectionContext) -> CodeownersFile | None:
    """The CODEOWNERS file GitHub reads (the first of .github/, the root, docs/), if it parses."""
    files = {doc.path: doc for doc in ctx.repo_files if ownership_file_kind(doc.path) == "codeowners"}
    path = effective_codeowners(list(files))
    if path is None:
        return None
    try:
        return parse_codeowners(files[path].body, path=path)
    except ParseError:
        return None


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
    codeowners = _codeowners(ctx)
    directories = set(ctx.directories)
    if ctx.local_repo is not None:
        for child in ctx.local_repo.iterdir():
            if child.is_dir():
                directories.add(child.name)
    uncovered = {
        d
        for d in directories
        if not d.split("/")[0].startswith(".")
        # an OWNERS file there would be ignored: copied third-party code and test data
        and not is_vendored_path(posixpath.join(d, "OWNERS"))
        and not _is_covered(d, owners)
        and not (codeowners and codeowners.directory_owners(d))
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
