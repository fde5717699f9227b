"""Stale docs: a document untouched for a long time while the area it documents kept changing.

"The area" is the document's own directory. Its activity is the later changes
of the other ingested files there and — when the checkout is on this machine —
the git commits touching any file there (code included). An area that went quiet
as well does not make a doc stale: both are simply old.
"""

from __future__ import annotations

import bisect
import posixpath
from collections import defaultdict
from datetime import timedelta

from django.conf import settings

from kb.sources.git import GitError, is_git_repository, iter_commits
from onboarding.gaps.base import DetectionContext, Finding, Suggestion, rule
from onboarding.gaps.community_files import normalise_name

# Files whose text is not expected to follow the code.
NEVER_STALE = {"LICENSE", "LICENCE", "COPYING", "CODE_OF_CONDUCT", "CHANGELOG", "NOTICE", "AUTHORS", "CLA"}
GRACE = timedelta(days=30)


def _area_of(path: str) -> str:
    return posixpath.dirname(path)


def _activity_index(ctx: DetectionContext) -> tuple[dict[str, list], dict[str, list]]:
    """Per directory, sorted change times: of ingested files (subtree), and of git commits (subtree)."""
    file_changes: dict[str, list] = defaultdict(list)
    for doc in ctx.repo_files:
        if doc.last_changed_at is None:
            continue
        directory = _area_of(doc.path)
        file_changes[f"={directory}"].append((doc.last_changed_at, doc.path))
        while directory:
            file_changes[directory].append((doc.last_changed_at, doc.path))
            directory = posixpath.dirname(directory)
    commit_times: dict[str, list] = defaultdict(list)
    repo = ctx.local_repo
    if repo is not None and is_git_repository(repo):
        try:
            for commit in iter_commits(repo):
                dirs = set()
                for path in commit.paths:
                    directory = _area_of(path)
                    dirs.add(f"={directory}")
                    while directory:
                        dirs.add(directory)
                        directory = posixpath.dirname(directory)
                for directory in dirs:
                    commit_times[directory].append((commit.authored_at, commit.paths))
        except GitError:
            commit_times.clear()
    for table in (file_changes, commit_times):
        for key in table:
            table[key].sort(key=lambda item: item[0])
    return file_changes, commit_times


@rule(
    id="stale-doc",
    title="Doc untouched while its area kept changing",
    severity="medium",
    why=(
        "When the code or the neighbouring docs move on and a page does not, the page starts to "
        "describe a project that no longer exists. Newcomers follow it, fail, and lose trust in "
        "every other page."
    ),
    how=(
        "Read the page against the current state of its directory (the evidence lists what changed "
        "since). Update what is wrong, delete what is obsolete, and note at the top what was checked."
    ),
)
def stale_docs(ctx: DetectionContext):
    stale_after = timedelta(days=settings.GLACIER_GAP_STALE_DAYS)
    min_changes = settings.GLACIER_GAP_STALE_MIN_CHANGES
    file_changes, commit_times = _activity_index(ctx)
    for doc in ctx.docs("doc"):
        if not doc.path or doc.last_changed_at is None or doc.is_historical:
            continue
        if normalise_name(doc.filename) in NEVER_STALE:
            continue
        if ctx.now - doc.last_changed_at < stale_after:
            continue
        area = _area_of(doc.path)
        area_key = f"={area}"  # the doc's own directory: its sibling files, and commits touching it
        since = doc.last_changed_at + GRACE
        later_files = [
            (when, path) for when, path in _after(file_changes.get(area_key, []), since) if path != doc.path
        ]
        later_commits = [
            (when, paths)
            for when, paths in _after(commit_times.get(area_key, []), since)
            if doc.path not in paths
        ]
        changes = max(len(later_commits), len(later_files))
        if changes < min_changes:
            continue
        newest = max([w for w, _ in later_files] + [w for w, _ in later_commits])
        if ctx.now - newest > stale_after:
            continue  # the whole area went quiet: the doc is old, not out of step
        yield Finding(
            key=doc.path,
            title=f"{doc.path} may be out of date",
            evidence={
                "summary": (
                    f"Unchanged for {ctx.days_since(doc.last_changed_at)} days while "
                    f"{area or 'the repository root'} changed {changes} times since."
                ),
                "last_changed_at": doc.last_changed_at.isoformat(),
                "area": area,
                "changed_files": [p for _, p in sorted(later_files, reverse=True)[:10]],
                "commits_since": len(later_commits),
                "newest_change_at": newest.isoformat(),
            },
            suggestion=Suggestion(
                "edit",
                doc.path,
                (
                    "Check each section against the current code and docs in " + (area or "the root"),
                    "Update commands, flags and file names that changed",
                    "Remove sections about things that no longer exist",
                    "Add a 'Last reviewed' line with the date",
                ),
            ),
            path=doc.path,
            severity="high" if changes >= 4 * min_changes else "medium",
        )


def _after(entries: list, since) -> list:
    index = bisect.bisect_right([when for when, _ in entries], since)
    return entries[index:]
