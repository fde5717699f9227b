"""The bomb shapes of issue [6] against the renderer, the front-matter reader and the YAML readers."""

import pytest

from kb.glaciers.owners import owners_areas
from kb.ownership import ParseError
from kb.ownership.owners import parse_owners, read_owners_tree
from kb.rendering import (
    MAX_NESTING,
    FrontMatterError,
    RenderError,
    heading_slug,
    render_markdown,
    split_front_matter,
)
from kb.sources.local import read_local_tree
from kb.yaml_safe import YAMLLimitError, compose_yaml, load_yaml

LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [" + ", ".join([f"*{chr(97 + n)}"] * 9) + "]\n" for n in range(8)
)


def test_the_billion_laughs_is_a_few_hundred_bytes_and_is_refused():
    assert len(LAUGHS) < 400
    with pytest.raises(YAMLLimitError, match="aliases expand"):
        load_yaml(LAUGHS)


@pytest.mark.parametrize(
    "text, problem",
    [
        ("[" * 10_000, "nested deeper"),
        ("a:\n" + "".join(" " * (n + 1) + f"k{n}:\n" for n in range(300)), "nested deeper"),
        ("a: " + "x" * 300_000, "longer than"),
        ("x: &x 1\n" + "".join(f"k{n}: *x\n" for n in range(200)), "more than 100 YAML aliases"),
    ],
    ids=["flow-depth", "block-depth", "size", "alias-count"],
)
def test_other_yaml_bombs_are_refused(text, problem):
    with pytest.raises(YAMLLimitError, match=problem):
        compose_yaml(text)


def test_ordinary_yaml_with_anchors_still_loads():
    assert load_yaml("base: &b {x: 1}\ncopy: *b\nday: 2024-05-01\n")["copy"] == {"x": 1}


@pytest.mark.parametrize("front", [LAUGHS, "[" * 10_000])
def test_a_front_matter_bomb_is_a_front_matter_error_and_the_file_is_kept(tmp_path, front):
    (tmp_path / "bomb.md").write_text(f"---\n{front}\n---\n# Still here\n\nbody text\n")
    with pytest.raises(FrontMatterError) as caught:
        split_front_matter((tmp_path / "bomb.md").read_text())
    assert caught.value.line and caught.value.line >= 2
    tree = read_local_tree(tmp_path, max_bytes=1 << 20)
    [warning] = tree.warnings
    assert warning["path"] == "bomb.md" and warning["line"] and "front matter refused" in warning["error"]
    [item] = tree.items
    assert item.title == "Still here"


def test_owners_parsers_refuse_bombs_without_raising_anything_else():
    tree = read_owners_tree([("OWNERS", LAUGHS), ("x/OWNERS", "approvers: [a]")])
    assert list(tree.files) == ["x"] and [(e.path, e.line is not None) for e in tree.errors] == [
        ("OWNERS", True)
    ]
    assert owners_areas([("OWNERS", LAUGHS), ("x/OWNERS", "approvers: [a]")])["x"].approvers == ["a"]
    with pytest.raises(ParseError, match="aliases expand"):
        parse_owners(LAUGHS)


@pytest.mark.parametrize(
    "body",
    [
        "- " * 100_000 + "x",
        "".join("  " * n + "- x\n" for n in range(1000)),
        "> " * 100_000 + "x",
        "<div>\n" * 20_000,
        "a\n=\n" * 10_000,
    ],
    ids=["one-line-lists", "1000-list-levels", "quotes", "deep-html", "setext-repeats"],
)
def test_deep_or_repetitive_markdown_renders_with_nesting_capped(body):
    html = render_markdown(body)
    assert html.count("<ul>") <= MAX_NESTING and html.count("<blockquote>") <= MAX_NESTING
    assert html.count("<div>") == 0  # raw HTML this deep is shown as text


@pytest.mark.parametrize(
    "body",
    ["[" * 60_000 + "x" + "]" * 60_000, "<a " * 120_000, "*[a]: b\n" * 30_000, "[a]: /b\n" * 40_000],
    ids=["brackets", "a-tags", "abbreviations", "reference-definitions"],
)
def test_bomb_sized_markup_is_refused_with_render_error(body):
    with pytest.raises(RenderError, match="too much Markdown markup"):
        render_markdown(body)


def test_heading_ids_are_github_slugs_with_numbered_repeats():
    html = render_markdown("# Getting started\n\n## Getting started\n\n## C++ & `Go`!\n")
    assert '<h1 id="getting-started">' in html and '<h2 id="getting-started-1">' in html
    assert '<h2 id="c--go">' in html and heading_slug("C++ & Go!") == "c--go"
