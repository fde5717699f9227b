import os
from datetime import UTC, datetime

import pytest

from kb.sources.local import classify, read_local_tree
from tests.kb.gitrepo import ALICE, BOB, CAROL, GitRepo, docs_repo

MiB = 1024 * 1024


@pytest.mark.parametrize(
    "path, expected",
    [
        ("README.md", ("doc", "markdown")),
        ("docs/a.markdown", ("doc", "markdown")),
        ("docs/page.mdx", ("doc", "markdown")),
        ("notes.txt", ("doc", "text")),
        ("docs/index.rst", ("doc", "text")),
        ("CONTRIBUTING", ("doc", "text")),
        ("sig-node/OWNERS", ("owners", "owners")),
        ("OWNERS_ALIASES", ("owners", "owners")),
        (".github/CODEOWNERS", ("owners", "owners")),
        ("MAINTAINERS", ("owners", "owners")),
        ("MAINTAINERS.md", ("owners", "markdown")),
        ("main.go", None),
        ("Makefile", None),
        ("logo.png", None),
    ],
)
def test_classify(path, expected):
    assert classify(path) == expected


def test_git_history_gives_last_change_and_authors_most_recent_first(tmp_path):
    docs_repo(tmp_path / "repo")
    tree = read_local_tree(tmp_path / "repo", max_bytes=MiB)
    by_key = {item.key: item for item in tree.items}
    assert set(by_key) == {"README.md", "docs/guide.md", "docs/reviewing.md", "OWNERS"}
    guide = by_key["docs/guide.md"]
    assert guide.title == "Contributor Guide"
    assert guide.headings == ["Contributor Guide", "Getting started"]
    assert guide.last_changed_at == datetime(2024, 1, 3, 12, tzinfo=UTC)
    assert [a["email"] for a in guide.authors] == [CAROL[1], ALICE[1]]
    assert guide.metadata["commit_count"] == 2
    assert by_key["docs/reviewing.md"].authors[0]["name"] == BOB[0]
    assert by_key["OWNERS"].kind == "owners"
    assert "<pre" in by_key["OWNERS"].html
    assert tree.head_sha and tree.has_git


def test_bad_files_are_skipped_with_reasons_and_never_abort(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.commit(
        "Mixed bag",
        files={
            "good.md": "# Good\n\nfine\n",
            "binary.md": b"# looks like markdown\x00\x01\x02",
            "huge.md": "# Huge\n" + "x" * (2 * 1024),
            "latin1.md": "# Caf\xe9\n".encode("latin-1"),
        },
    )
    tree = read_local_tree(repo.path, max_bytes=1024)
    assert [item.key for item in tree.items] == ["good.md"]
    reasons = {skip["path"]: skip["reason"] for skip in tree.skips}
    assert reasons["binary.md"] == "binary file (NUL byte)"
    assert reasons["huge.md"].startswith("larger than 1024 bytes")
    assert reasons["latin1.md"].startswith("invalid UTF-8 at line 1")


def test_malformed_front_matter_keeps_the_document_and_warns_with_line(tmp_path):
    (tmp_path / "bad.md").write_text("---\ntitle: ok\nbroken: [unclosed\n---\n# Heading\n\nBody text.\n")
    (tmp_path / "good.md").write_text("---\ntitle: From Front Matter\ntags: [a, b]\n---\n# Other\n\nText\n")
    tree = read_local_tree(tmp_path, max_bytes=MiB)
    by_key = {item.key: item for item in tree.items}
    assert by_key["bad.md"].body.startswith("---\ntitle: ok")  # kept as written
    assert by_key["bad.md"].title == "Heading"
    [warning] = tree.warnings
    assert warning["path"] == "bad.md" and warning["line"] in (3, 4, 5)
    assert "front matter" in warning["error"]
    assert by_key["good.md"].title == "From Front Matter"
    assert by_key["good.md"].metadata["front_matter"] == {"title": "From Front Matter", "tags": ["a", "b"]}
    assert not by_key["good.md"].body.startswith("---")


def test_plain_directory_uses_mtimes_and_skips_vendor_dirs(tmp_path):
    (tmp_path / "README").write_text("Plain readme without extension\n")
    for skipped in ("node_modules/pkg/README.md", "vendor/lib/doc.md", ".git/notes.md"):
        (tmp_path / skipped).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / skipped).write_text("# Skip me\n")
    os.utime(tmp_path / "README", (1_700_000_000, 1_700_000_000))
    tree = read_local_tree(tmp_path, max_bytes=MiB)
    assert [item.key for item in tree.items] == ["README"]
    assert tree.items[0].last_changed_at == datetime.fromtimestamp(1_700_000_000, tz=UTC)
    assert tree.items[0].authors == [] and tree.head_sha is None  # a bare .git folder is no history


def test_title_falls_back_to_first_heading_then_setext_then_path(tmp_path):
    (tmp_path / "a.md").write_text("```sh\n# install the tool\n```\n\n## Logging\n\ntext\n")
    (tmp_path / "b.md").write_text("Getting started locally\n-----------------------\n\ntext\n")
    (tmp_path / "c.md").write_text("no headings at all\n")
    (tmp_path / "d.md").write_text("API Conventions\n===============\n\nintro\n\n## Types (Kinds)\n")
    tree = read_local_tree(tmp_path, max_bytes=MiB)
    titles = {item.key: item.title for item in tree.items}
    assert titles == {
        "a.md": "Logging",
        "b.md": "Getting started locally",
        "c.md": "c.md",
        "d.md": "API Conventions",
    }
    headings = {item.key: item.headings for item in tree.items}
    assert headings["d.md"] == ["API Conventions", "Types (Kinds)"]  # document order


def test_progress_is_reported_per_file(tmp_path):
    docs_repo(tmp_path / "repo")
    seen = []
    read_local_tree(
        tmp_path / "repo", max_bytes=MiB, progress=lambda done, total, path: seen.append((done, total))
    )
    assert seen[-1] == (4, 4) and len(seen) == 4


def _tree_with_links(root, outside):
    """A tree holding every kind of link: to a file outside, to a directory outside, and within."""
    outside.mkdir()
    (outside / "secret.txt").write_text("DB_PASSWORD=hunter2\n")
    (outside / "docs").mkdir()
    (outside / "docs" / "README.md").write_text("# Outside\n\nDB_PASSWORD=hunter2\n")
    (root / "docs").mkdir(parents=True, exist_ok=True)
    (root / "docs" / "real.md").write_text("# Real\n\nKept.\n")
    os.symlink(outside / "secret.txt", root / "leak.md")
    os.symlink("/etc/passwd", root / "passwd.txt")
    os.symlink(outside / "docs", root / "linked")
    os.symlink("docs/real.md", root / "alias.md")


@pytest.mark.parametrize("use_git", [False, True], ids=["plain-directory", "git-checkout"])
def test_symbolic_links_are_skipped_with_reasons_never_followed(tmp_path, use_git):
    root = tmp_path / "tree"
    if use_git:
        repo = GitRepo(root)
        _tree_with_links(root, tmp_path / "outside")
        repo.commit("links and a doc")
    else:
        root.mkdir()
        _tree_with_links(root, tmp_path / "outside")
    tree = read_local_tree(root, max_bytes=MiB)
    assert [item.key for item in tree.items] == ["docs/real.md"]
    assert all("hunter2" not in item.body and "root:" not in item.body for item in tree.items)
    reasons = {skip["path"]: skip["reason"] for skip in tree.skips}
    assert "outside the tree" in reasons["leak.md"] and "not followed" in reasons["leak.md"]
    assert "outside the tree" in reasons["passwd.txt"]
    assert "inside the tree" in reasons["alias.md"]
    # A linked directory is never entered, so nothing under it is even listed.
    assert not any(path.startswith("linked/") for path in reasons)


def test_a_file_swapped_for_a_link_after_listing_is_not_followed(tmp_path, monkeypatch):
    from kb.sources import local

    root = tmp_path / "tree"
    root.mkdir()
    (root / "page.md").write_text("# Page\n")
    (tmp_path / "secret.md").write_text("# Secret\n\nDB_PASSWORD=hunter2\n")
    checked = local.symlink_reason

    def check_then_swap(root_dir, relative):
        reason = checked(root_dir, relative)  # the file is still a plain file here
        (root / "page.md").unlink()
        os.symlink(tmp_path / "secret.md", root / "page.md")
        return reason

    monkeypatch.setattr(local, "symlink_reason", check_then_swap)
    tree = read_local_tree(root, max_bytes=MiB)
    assert tree.items == []
    assert tree.skips == [{"path": "page.md", "reason": "symbolic link (links are not followed)"}]
