"""kb.services.document_links through real syncs of a fixture repository."""

import pytest

from kb.models import Document, DocumentLink, RepositoryFile
from kb.services.document_links import document_links_refresh
from kb.services.sync import sync_target
from tests.kb.links_repo import PNG, links_repo

pytestmark = pytest.mark.django_db(transaction=True)


def links_of(path):
    return [
        (link.line, link.kind, link.href, link.status, link.target_path, link.reason)
        for link in DocumentLink.objects.filter(source__path=path).order_by("line", "pk")
    ]


def test_sync_resolves_every_link_with_lines_of_the_original_file(tmp_path):
    links_repo(tmp_path / "widgets")
    sync_target(str(tmp_path / "widgets"))
    guide = Document.objects.get(path="docs/guide.md")
    assert guide.metadata["body_line_offset"] == 4
    assert links_of("docs/guide.md") == [
        (9, "link", "../deploy/values.yaml", "file", "deploy/values.yaml", ""),
        (9, "link", "faq.md", "broken", "docs/faq.md", "docs/faq.md does not exist"),
        (9, "link", "NOTES.md", "broken", "docs/NOTES.md", "case differs: the file is docs/Notes.md"),
        (
            9,
            "link",
            "#usage",
            "broken-anchor",
            "docs/guide.md",
            "no heading or anchor #usage in docs/guide.md",
        ),
        (11, "image", "diagram.svg", "file", "docs/diagram.svg", ""),
        (12, "link", "#getting-started", "resolved", "docs/guide.md", ""),
        (12, "link", "../deploy/values.yaml#L2", "file", "deploy/values.yaml", ""),
    ]
    assert links_of("README.md") == [
        (3, "link", "docs/guide.md#getting-started", "resolved", "docs/guide.md", ""),
        (3, "link", "docs/", "resolved", "docs/README.md", ""),
        (3, "link", "docs/design/", "resolved", "docs/design/README.md", ""),
        (5, "image", "images/logo.png", "file", "images/logo.png", ""),
    ]
    # Backlinks: the guide is linked from the README, the design README and itself.
    assert set(guide.links_in.values_list("source__path", flat=True)) == {
        "README.md", "docs/design/README.md", "docs/guide.md",
    }  # fmt: skip
    logo = RepositoryFile.objects.get(path="images/logo.png")
    assert (bytes(logo.content), logo.content_type) == (PNG, "image/png")
    # Only referenced files keep their bytes.
    assert RepositoryFile.objects.get(path="deploy/values.yaml").content_type.startswith("text/plain")
    assert not RepositoryFile.objects.filter(path="docs/design/README.md").exists()  # a document, not a file


def test_a_target_that_appears_or_disappears_re_judges_the_links_to_it(tmp_path):
    repo = links_repo(tmp_path / "widgets")
    sync_target(str(tmp_path / "widgets"))
    repo.commit("faq", files={"docs/faq.md": "# FAQ\n"})
    sync_target(str(tmp_path / "widgets"))
    faq = Document.objects.get(path="docs/faq.md")
    link = DocumentLink.objects.get(href="faq.md")
    assert (link.status, link.target_id, link.reason) == ("resolved", faq.pk, "")

    repo.remove("docs/guide.md")
    repo.remove("images/logo.png")
    repo.commit("drop the guide and the logo")
    sync_target(str(tmp_path / "widgets"))
    readme_links = dict(DocumentLink.objects.filter(source__path="README.md").values_list("href", "status"))
    assert readme_links["docs/guide.md#getting-started"] == "broken"
    assert readme_links["images/logo.png"] == "broken"
    assert DocumentLink.objects.get(source__path="docs/design/README.md").status == "broken"


def test_an_anchor_renamed_in_the_target_breaks_the_links_to_it(tmp_path):
    repo = links_repo(tmp_path / "widgets")
    sync_target(str(tmp_path / "widgets"))
    guide = repo.path / "docs/guide.md"
    repo.commit(
        "rename", files={"docs/guide.md": guide.read_text().replace("## Getting started", "## Start")}
    )
    sync_target(str(tmp_path / "widgets"))
    assert DocumentLink.objects.get(href="docs/guide.md#getting-started").status == "broken-anchor"


def test_a_sync_that_changed_nothing_does_no_link_work(tmp_path, monkeypatch):
    links_repo(tmp_path / "widgets")
    sync_target(str(tmp_path / "widgets"))
    calls = []
    monkeypatch.setattr("kb.services.sync.document_links_refresh", lambda **kw: calls.append(kw))
    monkeypatch.setattr("kb.services.sync.repository_files_sync", lambda **kw: calls.append(kw))
    sync_target(str(tmp_path / "widgets"))
    assert calls == []


def test_refresh_of_the_whole_project_is_idempotent(tmp_path):
    links_repo(tmp_path / "widgets")
    sync_target(str(tmp_path / "widgets"))
    before = sorted(DocumentLink.objects.values_list("source_id", "line", "href", "status", "target_id"))
    project = Document.objects.get(path="README.md").project
    document_links_refresh(project=project)
    after = sorted(DocumentLink.objects.values_list("source_id", "line", "href", "status", "target_id"))
    assert after == before


def test_an_upgraded_project_gets_its_links_on_the_next_sync_even_unchanged(tmp_path):
    links_repo(tmp_path / "widgets")
    first = sync_target(str(tmp_path / "widgets"))
    DocumentLink.objects.all().delete()  # as before links were stored
    first.cursor.pop("links")
    first.save(update_fields=["cursor"])
    again = sync_target(str(tmp_path / "widgets"))
    assert again.added == again.updated == 0
    assert DocumentLink.objects.filter(source__path="README.md").count() == 4


def test_mkdocs_anchors_are_valid_only_where_the_project_publishes_with_mkdocs(tmp_path):
    def tree(root, *, mkdocs: bool):
        (root / "docs").mkdir(parents=True)
        (root / "docs" / "faq.md").write_text("# FAQ\n\n## Swag / T-Shirts\n\nAsk the events team.\n")
        (root / "docs" / "index.md").write_text(
            "# Home\n\n[MkDocs style](faq.md#swag-t-shirts) and [GitHub style](faq.md#swag--t-shirts)\n"
        )
        if mkdocs:
            (root / "mkdocs.yml").write_text("site_name: Widgets\n")

    tree(tmp_path / "plain", mkdocs=False)
    tree(tmp_path / "published", mkdocs=True)
    sync_target(str(tmp_path / "plain"))
    sync_target(str(tmp_path / "published"))

    def statuses(slug):
        return {
            link.href: link.status
            for link in DocumentLink.objects.filter(source__project__slug=slug, source__path="docs/index.md")
        }

    assert statuses("plain") == {"faq.md#swag-t-shirts": "broken-anchor", "faq.md#swag--t-shirts": "resolved"}
    assert statuses("published") == {"faq.md#swag-t-shirts": "resolved", "faq.md#swag--t-shirts": "resolved"}
