"""Repository docs read through the API when a project has no local clone."""

import pytest

from kb.models import Document, DocumentLink, RepositoryFile, SyncRun
from kb.services.github_sync import github_sync

pytestmark = pytest.mark.django_db

FILES = {
    "README.md": "# Widgets\n\nWidgets turn flux into motion.\n",
    "docs/guide.md": "---\ntitle: The widget guide\narea: docs\n---\n## Install\n\nRun `make`.\n",
    "OWNERS": "approvers:\n- alice\n- bob\n",
    "docs/binary.md": b"PNG\x00\x01\x02 not text",
    "docs/latin1.txt": "caf\xe9 au lait".encode("latin-1"),
    "docs/huge.md": "x" * 5000,
    "docs/bad-front.md": "---\ntitle: [unclosed\n---\n# Still useful\n",
    "src/main.py": "print('not a doc')\n",
    "logo.png": b"\x89PNG\r\n\x1a\n\x00\x00",
}


@pytest.fixture
def repo(github_stub, settings):
    settings.GLACIER_MAX_FILE_BYTES = 2000
    repo = github_stub.add_repo("acme/widgets")
    repo.set_files(FILES)
    return repo


def docs(project):
    return Document.objects.filter(project=project, source="github", kind__in=["doc", "owners"])


def test_first_sync_reads_the_tree_once_and_applies_the_skip_rules(github_stub, repo, project):
    run = github_sync(project=project, full_name="acme/widgets")

    assert github_stub.count(r"/git/trees/") == 1
    # Every doc-like path except the one the tree already shows is too large.
    assert github_stub.count(r"/git/blobs/") == 6
    assert set(docs(project).values_list("key", flat=True)) == {
        "README.md", "docs/guide.md", "OWNERS", "docs/bad-front.md",
    }  # fmt: skip
    guide = docs(project).get(key="docs/guide.md")
    assert guide.title == "The widget guide"
    assert guide.metadata["front_matter"] == {"title": "The widget guide", "area": "docs"}
    assert guide.url == "https://github.example/acme/widgets/blob/main/docs/guide.md"
    assert docs(project).get(key="OWNERS").kind == "owners"
    reasons = {skip["path"]: skip["reason"] for skip in run.skips}
    assert reasons.keys() == {"docs/binary.md", "docs/latin1.txt", "docs/huge.md"}
    assert "binary" in reasons["docs/binary.md"]
    assert "UTF-8" in reasons["docs/latin1.txt"]
    assert "too large" in reasons["docs/huge.md"]
    bad = [e for e in run.errors if e["item"] == "docs/bad-front.md"]
    assert bad and bad[0]["error"].startswith("line 2:")
    assert "Still useful" in docs(project).get(key="docs/bad-front.md").body
    assert run.status == SyncRun.Status.PARTIAL  # the broken front matter is reported


def test_unchanged_tree_costs_one_branch_call_and_changed_blobs_only_are_fetched(github_stub, repo, project):
    github_sync(project=project, full_name="acme/widgets")
    github_stub.clear_log()
    github_sync(project=project, full_name="acme/widgets")
    assert github_stub.count(r"/git/") == 0

    files = dict(FILES)
    files["docs/guide.md"] = "# Guide\n\nRewritten.\n"
    files["docs/new.md"] = "# New page\n"
    del files["README.md"]
    repo.set_files(files)
    github_stub.clear_log()

    run = github_sync(project=project, full_name="acme/widgets")

    assert github_stub.count(r"/git/trees/") == 1
    assert github_stub.count(r"/git/blobs/") == 2  # skipped blobs are remembered, not re-fetched
    assert run.added == 1 and run.deleted == 1
    assert not docs(project).filter(key="README.md").exists()
    assert docs(project).get(key="docs/guide.md").body == "# Guide\n\nRewritten.\n"
    assert {s["path"] for s in run.skips} == {"docs/binary.md", "docs/latin1.txt", "docs/huge.md"}


def test_a_blob_that_fails_is_fetched_again_next_time(github_stub, repo, project):
    from tests.github_stub import Fault

    github_stub.inject(Fault.bad_gateway(path=r"/git/blobs/", times=50))
    run = github_sync(project=project, full_name="acme/widgets")
    assert run.status == SyncRun.Status.PARTIAL
    assert not docs(project).exists()

    github_stub.faults.clear()
    github_sync(project=project, full_name="acme/widgets")
    assert docs(project).count() == 4


def test_docs_are_left_to_the_local_checkout_when_the_project_has_one(github_stub, repo, project):
    project.repository = "/srv/checkouts/widgets"
    project.save(update_fields=["repository"])
    github_sync(project=project, full_name="acme/widgets")
    assert github_stub.count(r"/git/|/branches/") == 0
    assert not docs(project).exists()


@pytest.mark.parametrize("repository", ["", "acme/widgets", "github:acme/widgets"])
def test_docs_come_from_the_api_when_the_repository_is_only_the_github_name(
    github_stub, repo, project, repository
):
    project.repository = repository
    project.save(update_fields=["repository"])
    github_sync(project=project, full_name="acme/widgets")
    assert docs(project).count() == 4


def test_links_of_docs_read_through_the_api_resolve_like_a_checkout(
    github_stub, github_stub_repo_links, project
):
    github_sync(project=project, full_name="acme/linked")
    links = {
        link.href: (link.status, link.target_path, link.line)
        for link in DocumentLink.objects.filter(project=project, source__key="docs/guide.md")
    }
    assert links == {
        "../README.md#widgets": ("resolved", "README.md", 5),  # line 5: four lines of front matter
        "../src/main.py": ("file", "src/main.py", 5),
        "../logo.png": ("file", "logo.png", 6),
        "gone.md": ("broken", "docs/gone.md", 6),
    }
    assert RepositoryFile.objects.filter(project=project, source="github").count() == 2
    # An unchanged tree does no link work at all.
    github_stub.clear_log()
    before = list(DocumentLink.objects.values_list("pk", flat=True))
    github_sync(project=project, full_name="acme/linked")
    assert list(DocumentLink.objects.values_list("pk", flat=True)) == before


@pytest.fixture
def github_stub_repo_links(github_stub):
    repo = github_stub.add_repo("acme/linked")
    repo.set_files(
        {
            "README.md": "# Widgets\n",
            "docs/guide.md": (
                "---\ntitle: Guide\narea: docs\n---\n"
                "See [home](../README.md#widgets) and [code](../src/main.py).\n"
                "![logo](../logo.png) [gone](gone.md)\n"
            ),
            "src/main.py": "print('not a doc')\n",
            "logo.png": b"\x89PNG\r\n\x1a\n\x00\x00",
        }
    )
    return repo
