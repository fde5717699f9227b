"""The link, anchor and placeholder scanners on bomb shapes: same answers as before on real text,
and the shapes that used to rescan the rest of the line from every candidate still give answers."""

import pytest

from onboarding.gaps.markdown_scan import anchors, links, prose_lines
from onboarding.gaps.placeholders import find_placeholders


def test_code_spans_and_comments_are_still_blanked():
    body = "see `[x](a.md)` and ``[y](b.md)`` <!-- [z](c.md)\n--> [w](d.md)\n`unclosed [v](e.md)"
    assert [target for _, target in links(body)] == ["d.md", "e.md"]
    assert [number for number, _ in prose_lines(body)] == [1, 2, 3]


def test_links_with_titles_references_and_html_are_found():
    body = '[a](x.md "T") [b](<y.md>)\n[ref]: z.md "title"\n<a class="c" href="w.md">w</a>'
    assert [target for _, target in links(body)] == ["x.md", "y.md", "z.md", "w.md"]


@pytest.mark.parametrize(
    "body",
    [
        "[" * 50_000 + "x" + "]" * 50_000,
        "[a](" * 50_000,
        "<a " * 50_000,
        "<!--" * 50_000,
        "`a" * 50_000,
        "`" * 100_000,
        "a TODO " * 50_000,
        "# a" + " #" * 50_000 + " x",
    ],
    ids=["brackets", "open-links", "a-tags", "comments", "ticks", "tick-run", "todos", "hashes"],
)
def test_bomb_shapes_are_scanned(body):
    assert isinstance(list(links(body)), list)
    assert isinstance(anchors(body, []), set)
    assert isinstance(find_placeholders(body), list)


def test_headings_keep_closing_hashes_out_and_c_sharp_in():
    assert anchors("## Title ##\n# C#\n", []) == {"title", "c"}
