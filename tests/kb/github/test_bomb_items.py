"""An issue or comment body that is a Markdown bomb: kept as plain text, the rest of the sync goes on."""

import pytest

from kb.models import Document, SyncRun
from kb.services.github_sync import github_sync

from .conftest import seed

pytestmark = pytest.mark.django_db

BOMBS = {
    "nested-lists": "- " * 100_000 + "x",
    "brackets": "[" * 60_000 + "x" + "]" * 60_000,
    "deep-html": "<div>\n" * 60_000,
}


def test_bomb_bodies_are_stored_as_text_and_every_other_item_is_kept(github_stub, project):
    repo = github_stub.add_repo("acme/widgets")
    seed(repo, issues=30, comments_per_issue=1)
    repo.issues[3]["body"] = BOMBS["nested-lists"]
    repo.issues[4]["body"] = BOMBS["brackets"]
    repo.comments[next(iter(repo.comments))]["body"] = BOMBS["deep-html"]

    run = github_sync(project=project, full_name="acme/widgets", include_docs=False)

    assert run.status == SyncRun.Status.PARTIAL  # the warnings name the items shown as text
    assert Document.objects.filter(project=project, kind__in=["issue", "pull_request"]).count() == 30
    assert Document.objects.filter(project=project, kind="comment").count() == 30
    warned = [e for e in run.errors if e.get("level") == "warning"]
    assert len(warned) == 2 and all("stored as plain text" in e["error"] for e in warned)
    bomb = Document.objects.get(project=project, key="issue/4")
    assert bomb.html.startswith('<pre class="plain">[[[') and bomb.body == BOMBS["brackets"]
    nested = Document.objects.get(project=project, key="issue/3")
    assert "<ul>" in nested.html and nested.html.count("<ul>") <= 50  # rendered, nesting capped
