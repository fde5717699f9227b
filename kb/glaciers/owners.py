"""OWNERS areas as compaction needs them: directory, approvers, reviewers, declared labels.

The files are read by kb.ownership (aliases expanded, vendored trees ignored); a file that
does not parse contributes no owners here (the people import reports its error).
"""

from __future__ import annotations

import posixpath

from kb.glaciers.topics import OwnersArea
from kb.ownership import ownership_file_kind
from kb.ownership.owners import read_owners_tree


def owners_areas(files: list[tuple[str, str]]) -> dict[str, OwnersArea]:
    """{directory: OwnersArea} from (path, text) pairs of OWNERS and OWNERS_ALIASES files."""
    tree = read_owners_tree(files)
    # A broken OWNERS file still marks its directory as an area, so that its topic does not
    # come and go with a typo.
    broken = {
        posixpath.dirname(error.path): OwnersArea(path=posixpath.dirname(error.path))
        for error in tree.errors
        if ownership_file_kind(error.path) == "owners"
    }
    return broken | {
        directory: OwnersArea(
            path=directory,
            approvers=parsed.whole_directory("approvers"),
            reviewers=parsed.whole_directory("reviewers"),
            labels=parsed.whole_directory("labels"),
        )
        for directory, parsed in tree.files.items()
    }
