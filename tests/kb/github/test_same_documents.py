"""The local and the GitHub adapters turn the same file into the same document."""

from pathlib import Path

import pytest

from kb.models import Document
from kb.services.github_sync import github_sync
from kb.services.sync import sync_target

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2] / "fixtures" / "documents" / "repo"
COMPARED = [
    "kind",
    "title",
    "body",
    "html",
    "headings",
    "genre",
    "lifecycle",
    "language",
    "decision",
    "sections",
]


def _files() -> dict[str, bytes]:
    return {
        path.relative_to(REPO).as_posix(): path.read_bytes() for path in REPO.rglob("*") if path.is_file()
    }


def test_local_checkout_and_github_yield_identical_documents(github_stub, project, tmp_path):
    files = _files()
    github_stub.add_repo("acme/widgets").set_files(files)
    github_sync(project=project, full_name="acme/widgets")
    checkout = tmp_path / "widgets"
    for relative, data in files.items():
        (checkout / relative).parent.mkdir(parents=True, exist_ok=True)
        (checkout / relative).write_bytes(data)
    local_run = sync_target(str(checkout))

    from_github = {d.key: d for d in Document.objects.filter(project=project, source="github")}
    from_local = {d.key: d for d in Document.objects.filter(project=local_run.project, source="local")}
    assert from_github.keys() == from_local.keys()
    assert "keps/sig-node/2000-graceful-node-shutdown/kep.yaml" not in from_local  # metadata, not a document
    for key in from_local:
        for name in COMPARED:
            assert getattr(from_github[key], name) == getattr(from_local[key], name), (key, name)
        assert from_github[key].metadata.get("sidecars") == from_local[key].metadata.get("sidecars"), key
    kep = from_github["keps/sig-node/2000-graceful-node-shutdown/README.md"]
    assert kep.genre == "decision-record" and kep.decision["status"] == "implemented"


def test_a_changed_kep_yaml_alone_rereads_its_readme(github_stub, project):
    files = _files()
    repo = github_stub.add_repo("acme/widgets")
    repo.set_files(files)
    github_sync(project=project, full_name="acme/widgets")
    kep_yaml = "keps/sig-node/2000-graceful-node-shutdown/kep.yaml"
    files[kep_yaml] = files[kep_yaml].replace(b"status: implemented", b"status: withdrawn")
    repo.set_files(files)
    run = github_sync(project=project, full_name="acme/widgets")
    readme = Document.objects.get(project=project, key="keps/sig-node/2000-graceful-node-shutdown/README.md")
    assert readme.decision["status"] == "withdrawn"
    assert run.updated == 1


def test_issue_metadata_follows_the_written_schema(github_stub, project):
    from kb.sources import issues as issue_schema
    from tests.kb.github.conftest import seed

    seed(github_stub.add_repo("acme/widgets"), issues=3, comments_per_issue=1)
    github_sync(project=project, full_name="acme/widgets")
    issue = Document.objects.filter(project=project, kind="issue").first()
    assert set(issue.metadata) <= set(issue_schema.IssueMetadata.__annotations__)
    assert {"number", "state", "labels", "author", "assignees", "created_at", "closed_at"} <= set(issue.metadata)
    comment = Document.objects.filter(project=project, kind="comment").first()
    assert set(comment.metadata) <= set(issue_schema.CommentMetadata.__annotations__)
    assert issue_schema.author(comment.metadata) == comment.metadata["author"]
