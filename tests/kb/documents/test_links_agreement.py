"""Glacier's broken links agree with markdown-link-check (npm) on a fixture tree, where the two
tools judge the same thing; the tree also holds the cases where they differ by design."""

import json
import subprocess

import pytest

from kb.models import DocumentLink
from kb.services.sync import sync_target
from tests.conftest import REPO_ROOT, require_service
from tests.kb.gitrepo import GitRepo

pytestmark = pytest.mark.django_db(transaction=True)

TREE = {
    "README.md": (
        "# Project\n\n## Set up\n\n"
        "[ok](docs/a.md) [folder](docs/) [missing](docs/gone.md) [case](DOCS/a.md)\n"
        "[self ok](#set-up) [self broken](#setup)\n"
        "![missing image](img/none.png) [root](/docs/a.md)\n"
        "[other file's anchor](docs/a.md#nowhere)\n"
    ),
    "docs/a.md": "# A\n\n[back](../README.md) [up missing](../nothing.md)\n",
}


def markdown_link_check(root) -> set[tuple[str, str]]:
    proc = subprocess.run(
        ["node", str(REPO_ROOT / "bench" / "markdown_link_check.js"), str(root)],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return {(item["file"], item["link"]) for item in map(json.loads, proc.stdout.splitlines())}


def test_broken_links_agree_with_markdown_link_check(tmp_path):
    require_service("markdown-link-check")
    repo = GitRepo(tmp_path / "tree")
    repo.commit("docs", files=TREE)
    sync_target(str(repo.path))
    glacier = set(
        DocumentLink.objects.filter(status__in=["broken", "broken-anchor"]).values_list(
            "source__path", "href"
        )
    )
    theirs = markdown_link_check(repo.path)
    # markdown-link-check does not check anchors in other files; Glacier does.
    assert glacier - theirs == {("README.md", "docs/a.md#nowhere")}
    assert theirs == glacier - {("README.md", "docs/a.md#nowhere")} == {
        ("README.md", "docs/gone.md"), ("README.md", "DOCS/a.md"), ("README.md", "#setup"),
        ("README.md", "img/none.png"), ("docs/a.md", "../nothing.md"),
    }  # fmt: skip
