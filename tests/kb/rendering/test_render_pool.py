"""The render worker pool: a per-file time budget, and workers that are not the caller's forks."""

import pytest

from kb.render_pool import render_bodies
from kb.rendering import MAX_MARKUP_UNITS, markup_units

# Within the markup limit, yet seconds of markdown-it-py work (each "![" rescans for a label).
SLOW_BODY = "![" * (MAX_MARKUP_UNITS // 5 - 100)


def test_slow_body_is_just_under_the_markup_limit():
    assert markup_units(SLOW_BODY) <= MAX_MARKUP_UNITS


@pytest.mark.parametrize("parallel", [True, False], ids=["pool", "in-process"])
def test_a_body_over_the_budget_is_skipped_and_the_rest_render(parallel):
    bodies = ["# One", SLOW_BODY, "# Two", "**three**", "- four"]
    results = render_bodies(bodies, budget=0.3, workers=2, parallel=parallel)
    assert [r.html is None for r in results] == [False, True, False, False, False]
    assert "longer than 0.3 s" in results[1].reason
    assert results[0].html.startswith('<h1 id="one">') and "<strong>three</strong>" in results[3].html


def test_bodies_over_the_markup_limit_are_refused_with_the_reason():
    [result] = render_bodies(["[" * (MAX_MARKUP_UNITS + 1)], budget=30, workers=1, parallel=False)
    assert result.html is None and "too much Markdown markup" in result.reason
