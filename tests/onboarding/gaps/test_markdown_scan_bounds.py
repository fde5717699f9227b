"""The placeholder scanner on bomb shapes: same answers as before on real text, and the shapes
that used to rescan the rest of the line from every candidate still give answers. (Links and
anchors are read from markdown-it tokens now: tests/kb/documents/test_links.py.)"""

import pytest

from onboarding.gaps.markdown_scan import prose_lines
from onboarding.gaps.placeholders import find_placeholders


def test_code_spans_and_comments_are_still_blanked():
    body = "see `TODO` and ``TBD`` <!-- TODO\n--> TODO\n`unclosed TBD"
    lines = dict(prose_lines(body))
    assert list(lines) == [1, 2, 3]
    assert "TODO" not in lines[1] and "TBD" not in lines[1]
    assert lines[2].strip() == "TODO" and "TBD" in lines[3]


@pytest.mark.parametrize(
    "body",
    [
        "[" * 50_000 + "x" + "]" * 50_000,
        "<!--" * 50_000,
        "`a" * 50_000,
        "`" * 100_000,
        "a TODO " * 50_000,
    ],
    ids=["brackets", "comments", "ticks", "tick-run", "todos"],
)
def test_bomb_shapes_are_scanned(body):
    assert isinstance(find_placeholders(body), list)
