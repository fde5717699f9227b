import pytest

from kb.ownership.codeowners import CodeownersRule, effective_codeowners, parse_codeowners
from tests.kb.ownership.golden import FIXTURES


def read(name):
    return parse_codeowners((FIXTURES / name).read_text(), path="CODEOWNERS")


def test_last_match_wins():
    rules = read("github.CODEOWNERS")
    assert rules.owners_for("README.md") == ["@global-owner1", "@global-owner2"]
    assert rules.owners_for("src/app.js") == ["@js-owner"]
    assert rules.owners_for("build/logs/x.txt") == ["@octocat"]  # "**/logs" comes later
    assert rules.owners_for("docs/getting-started.md") == ["@doctocat"]
    assert rules.owners_for("apps/web/index.html") == ["@octocat"]
    assert rules.owners_for("apps/github") == []  # a pattern with no owners unowns
    assert rules.owners_for("scripts/deploy.sh") == ["@doctocat", "@octo-org/octocats"]
    assert rules.owners_for("#notes.md") == ["@hash-owner"]


def test_docs_star_owns_files_in_docs_but_not_docs_sub():
    """GitHub: "docs/*" matches docs/getting-started.md but not docs/build-app/troubleshooting.md."""
    rules = read("docs-star.CODEOWNERS")
    assert rules.owners_for("docs/getting-started.md") == ["@docs-owner"]
    assert rules.owners_for("docs/build-app/troubleshooting.md") == ["@default-owner"]
    assert rules.directory_owners("docs") == ["@docs-owner"]
    assert rules.directory_owners("docs/sub") == ["@default-owner"]
    assert rules.directory_owners("build/logs") == ["@build-owner"]
    assert rules.owners_for("Makefile") == ["@build-owner"]
    assert rules.owners_for("tools/Makefile") == ["@build-owner"]  # unanchored: any depth


def test_no_rule_for_a_folder_means_no_owner():
    rules = parse_codeowners("docs/* @docs\n*.md @writers\n", path="CODEOWNERS")
    assert rules.directory_owners("docs") == ["@docs"]
    assert rules.directory_owners("docs/sub") == []
    assert rules.directory_owners("") == []  # "*.md" owns Markdown files, not the folder


def test_sections_give_default_owners():
    rules = read("gitlab-sections.CODEOWNERS")
    assert rules.owners_for("docs/x.md") == ["@docs-team"]
    assert rules.owners_for("README.md") == ["@readme-owner"]
    assert rules.owners_for("internal/db.go") == ["@storage-owner"]
    assert rules.rules[-1].section == "Backend"


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*.md", "a/b/c.md", True),
        ("/*.md", "a/b/c.md", False),
        ("/*.md", "c.md", True),
        ("/*", "c.md", True),
        ("/*", "a/c.md", False),
        ("*", "a/b/c.md", True),
        ("docs/", "docs", False),
        ("docs/", "x/docs/a", True),
        ("docs/*", "docs/a", True),
        ("docs/*", "docs/a/b", False),
        ("/docs/**", "docs/a/b", True),
        ("a/**/b", "a/b", True),
        ("a/**/b", "a/x/y/b/z", True),
        ("apps/*/config", "apps/web/config/x.yaml", True),
        ("foo?.txt", "foo1.txt", True),
        ("foo?.txt", "foo/.txt", False),
        ("Docs/", "docs/a.md", False),  # case-sensitive, as on GitHub
    ],
)
def test_gitignore_style_patterns(pattern, path, expected):
    assert CodeownersRule(pattern, ["@x"], 1).matches(path) is expected


@pytest.mark.parametrize(
    ("pattern", "area"),
    [
        ("*", ("directory", "")),
        ("/docs/", ("directory", "docs")),
        ("docs/*", ("directory", "docs")),
        ("/build/logs/**", ("directory", "build/logs")),
        ("/api", ("directory", "api")),
        ("Makefile", ("file", "Makefile")),
        ("/LICENSE", ("file", "LICENSE")),
        ("/go.mod", ("file", "go.mod")),
        ("*.md", None),
        ("apps/*/config", None),
    ],
)
def test_rules_name_file_or_directory_areas(pattern, area):
    assert CodeownersRule(pattern, ["@x"], 1).area == area


def test_github_reads_the_first_codeowners_of_its_three_locations():
    assert (
        effective_codeowners(["docs/CODEOWNERS", "CODEOWNERS", ".github/CODEOWNERS"]) == ".github/CODEOWNERS"
    )
    assert effective_codeowners(["docs/CODEOWNERS", "CODEOWNERS"]) == "CODEOWNERS"
    assert effective_codeowners(["docs/CODEOWNERS"]) == "docs/CODEOWNERS"
    assert effective_codeowners(["src/CODEOWNERS", "OWNERS"]) is None
