"""kb.documents.links: links read from markdown-it tokens, resolved the way GitHub renders a repository."""

import pytest

from kb.documents.links import (
    LinkRef,
    RepositoryIndex,
    Status,
    document_anchors,
    extract_links,
    locate,
    read_markdown_links,
    resolve,
)
from kb.rendering import split_front_matter

INDEX = RepositoryIndex(
    documents={
        "README.md": 1,
        "docs/guide.md": 2,
        "docs/README.md": 3,
        "docs/sub/page.md": 4,
        "site/_index.md": 5,
        "docs/Notes.md": 6,
        "docs/file with space.md": 7,
        "design/notes.rst": 8,
    },
    files={"docs/img/logo.png", "deploy/values.yaml", "empty/dir/file.go"},
)


def test_extract_links_reads_every_shape_with_lines_of_the_original_file():
    text = (
        "---\ntitle: T\nweight: 3\n---\n"  # four lines of front matter
        "# Title\n"  # line 5
        "\n"
        "See [a](b.md#x) and\n"  # 7
        '![img](i.png) <a href="c.md">c</a>\n'  # 8
        "\n"
        "[ref]: d.md\n"
        "\n"
        "use [ref] and <https://example.org>\n"  # 12
        "\n"
        "<div>\n"  # 14
        '<a name="kept"></a>\n'
        '<img src="z.png">\n'  # 16
        "</div>\n"
        "\n"
        "```\n[not a link](code.md)\n```\n"
        "| a | b |\n|---|---|\n| [t](t.md) | x |\n"  # row on 24
    )
    parsed = split_front_matter(text)
    found = read_markdown_links(parsed.body, line_offset=parsed.body_line_offset)
    assert found.links == [
        LinkRef("b.md#x", "link", 7),
        LinkRef("i.png", "image", 8),
        LinkRef("c.md", "link", 8),
        LinkRef("d.md", "link", 12),
        LinkRef("https://example.org", "link", 12),
        LinkRef("z.png", "image", 16),
        LinkRef("t.md", "link", 24),
    ]
    assert {"title", "kept"} <= found.anchors
    assert extract_links(parsed.body, line_offset=parsed.body_line_offset) == found.links


@pytest.mark.parametrize(
    ("source", "href", "status", "target"),
    [
        ("docs/guide.md", "sub/page.md", Status.RESOLVED, "docs/sub/page.md"),
        ("docs/sub/page.md", "../guide.md", Status.RESOLVED, "docs/guide.md"),
        ("docs/sub/page.md", "/README.md", Status.RESOLVED, "README.md"),
        ("docs/guide.md", "./", Status.RESOLVED, "docs/README.md"),  # a folder is its README
        ("README.md", "docs", Status.RESOLVED, "docs/README.md"),
        ("README.md", "site/", Status.RESOLVED, "site/_index.md"),
        ("docs/sub/page.md", "../..", Status.RESOLVED, "README.md"),
        ("README.md", "empty/dir", Status.FILE, "empty/dir"),  # GitHub lists a folder without README
        ("docs/guide.md", "img/logo.png", Status.FILE, "docs/img/logo.png"),
        ("docs/guide.md", "../deploy/values.yaml?raw=true", Status.FILE, "deploy/values.yaml"),
        ("docs/guide.md", "file%20with%20space.md", Status.RESOLVED, "docs/file with space.md"),
        ("docs/guide.md", "missing.md", Status.BROKEN, "docs/missing.md"),
        ("docs/guide.md", "../../outside.md", Status.BROKEN, "../outside.md"),
        ("docs/guide.md", "https://example.org/x", Status.EXTERNAL, ""),
        ("docs/guide.md", "mailto:a@example.org", Status.EXTERNAL, ""),
        ("docs/guide.md", '{{< ref "x" >}}', Status.EXTERNAL, ""),
    ],
)
def test_locate(source, href, status, target):
    location = locate(source, href, index=INDEX)
    assert (location.status, location.target_path) == (status, target)


def test_a_case_only_match_is_broken_and_says_so():
    location = locate("docs/guide.md", "notes.md", index=INDEX)
    assert location.status == Status.BROKEN
    assert location.reason == "case differs: the file is docs/Notes.md"
    assert locate("README.md", "DOCS/guide.md", index=INDEX).reason.startswith("case differs")


def test_anchors_github_mkdocs_html_lines_and_text_fragments():
    sections = [
        {"level": 2, "title": "Getting started", "anchor": "getting-started", "anchors": ["getting-started"]},
        {"level": 2, "title": "Café à emporter", "anchor": "café-à-emporter",
         "anchors": ["café-à-emporter", "cafe-a-emporter"]},  # GitHub's and MkDocs'
    ]  # fmt: skip
    body = '## Getting started\n\n## Café à emporter\n\n<a id="Legacy-Name"></a>\n'
    anchors = {2: document_anchors(path="docs/guide.md", sections=sections, body=body)}

    def status(href):
        return resolve("README.md", href, index=INDEX, anchors=anchors).status

    assert status("docs/guide.md#getting-started") == Status.RESOLVED
    assert status("docs/guide.md#Getting-Started") == Status.RESOLVED  # GitHub matches case-insensitively
    assert status("docs/guide.md#cafe-a-emporter") == Status.RESOLVED  # MkDocs' slug
    assert status("docs/guide.md#caf%C3%A9-%C3%A0-emporter") == Status.RESOLVED
    assert status("docs/guide.md#legacy-name") == Status.RESOLVED  # an explicit HTML anchor
    assert status("docs/guide.md#L10-L20") == Status.RESOLVED
    assert status("docs/guide.md#:~:text=some%20words") == Status.RESOLVED
    broken = resolve("README.md", "docs/guide.md#nowhere", index=INDEX, anchors=anchors)
    assert broken.status == Status.BROKEN_ANCHOR
    assert broken.reason == "no heading or anchor #nowhere in docs/guide.md"
    # Not Markdown: the anchors of a .rst file or a YAML file cannot be known, so they are not judged.
    assert status("design/notes.rst#anything") == Status.RESOLVED
    assert status("deploy/values.yaml#L3") == Status.FILE


def test_same_page_anchor_is_checked_against_the_source_itself():
    anchors = {2: document_anchors(path="docs/guide.md", sections=[], body="# Guide\n\n## Install it\n")}
    assert resolve("docs/guide.md", "#install-it", index=INDEX, anchors=anchors).status == Status.RESOLVED
    missing = resolve("docs/guide.md", "#setup", index=INDEX, anchors=anchors)
    assert (missing.status, missing.target_path) == (Status.BROKEN_ANCHOR, "docs/guide.md")


def test_document_anchors_fall_back_to_rendered_heading_ids_with_repeats():
    anchors = document_anchors(path="a.md", sections=[], body="## Usage\n\n## Usage\n")
    assert anchors == {"usage", "usage-1"}
    assert document_anchors(path="a.rst", sections=[], body="Usage\n=====\n") is None
