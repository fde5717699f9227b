"""Hypothesis fuzzing of the renderer, the front-matter reader and the ownership parsers.

Each may fail only with its documented error type (RenderError, FrontMatterError,
ParseError) or answer "nothing"; any other exception, or a run past the deadline,
fails the test. Examples are few and small so the suite stays fast.
"""

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.documents.links import read_markdown_links
from kb.glaciers.owners import owners_areas
from kb.ownership import ParseError
from kb.ownership.codeowners import parse_codeowners
from kb.ownership.maintainers import parse_maintainers, parse_role_sections
from kb.ownership.owners import parse_owners, read_owners_tree
from kb.rendering import FrontMatterError, RenderError, render_markdown, split_front_matter

# The deadline is a liveness bound that catches a quadratic or runaway case, not a speed test:
# generous, because CI's two cores are shared.
BOUNDED = settings(
    max_examples=40, deadline=timedelta(seconds=20), suppress_health_check=[HealthCheck.too_slow]
)
# Pieces that start Markdown constructs, repeated: the shapes bombs are made of.
MARKDOWN_PIECES = st.sampled_from(
    ["- ", "> ", "[", "]", "(", ")", "![", "<a ", "<div>", "</div>", "*", "_", "`", "~~", "|", "#", "\n",
     "\n=\n", "    ", "1. ", "[^1]", "[x]: /y\n", "&#", "\\", "<!--", "-->", "---\n", "x", " "]
)  # fmt: skip
MARKDOWN = st.one_of(
    st.text(max_size=2000),
    st.lists(MARKDOWN_PIECES, max_size=400).map("".join),
    st.tuples(MARKDOWN_PIECES, st.integers(1, 5_000)).map(lambda pair: pair[0] * pair[1]),
)
YAML_PIECES = st.sampled_from(
    ["a: ", "- ", "[", "]", "{", "}", ", ", "&x ", "*x", "&y ", "*y", "\n", "  ", "? ", ": ", "!!str ",
     "'", '"', "|\n", ">\n", "approvers:\n", "  - alice\n", "aliases:\n", "filters:\n", "x", "1", "..."]
)  # fmt: skip
YAML = st.one_of(st.text(max_size=500), st.lists(YAML_PIECES, max_size=200).map("".join))


@BOUNDED
@given(MARKDOWN)
def test_render_markdown_answers_html_or_render_error(text):
    try:
        html = render_markdown(text)
    except RenderError:
        return
    assert isinstance(html, str) and "<script" not in html


@BOUNDED
@given(MARKDOWN)
def test_link_reader_answers_on_any_markdown(text):
    try:
        found = read_markdown_links(text)
    except RenderError:
        return
    assert all(link.line >= 1 for link in found.links)


@BOUNDED
@given(YAML)
def test_front_matter_is_a_mapping_or_front_matter_error(yaml_text):
    try:
        parsed = split_front_matter(f"---\n{yaml_text}\n---\nbody\n")
    except FrontMatterError as exc:
        assert exc.line is None or exc.line >= 1
        return
    assert isinstance(parsed.front_matter, dict)


@BOUNDED
@given(YAML)
def test_ownership_parsers_answer_or_raise_parse_error(yaml_text):
    read_owners_tree([("OWNERS", yaml_text), ("OWNERS_ALIASES", yaml_text)])
    owners_areas([("OWNERS", yaml_text), ("OWNERS_ALIASES", yaml_text)])
    for parse in (parse_owners, parse_codeowners, parse_maintainers, parse_role_sections):
        try:
            parse(yaml_text, path="x")
        except ParseError:
            pass
