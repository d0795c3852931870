"""Markdown quotes every recorded text: for any text the record accepts, a
CommonMark renderer reads the quote back as exactly the recorded
characters, in one plain block quote, never as a heading, a list, code, a
table or HTML."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from exports import renderers
from negotiations.text import refusal
from tests.negotiations.test_format_parity import commonmark, inline_text, quoted_paragraphs

# Characters the record accepts, weighted towards those Markdown gives a meaning to.
MARKDOWN_ISH = st.sampled_from(list("\\`*_[]<>&|~#+-=!():.0123456789 \t\n\u00a0\u2028\u3000") + ["&amp;", "&#32;"])
ANY = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")) | st.sampled_from(["\t", "\n"])
RECORDED = st.lists(MARKDOWN_ISH | ANY, max_size=40).map("".join).filter(lambda t: refusal(t) is None)
ONE_LINE = RECORDED.map(lambda t: t.replace("\n", " ").replace("\t", " "))

PLAIN_QUOTE = {"blockquote_open", "blockquote_close", "paragraph_open", "paragraph_close", "inline"}


@settings(max_examples=400, deadline=None, derandomize=True)
@given(RECORDED)
def test_any_recorded_text_quoted_in_markdown_reads_back_exactly(text):
    tokens = commonmark().parse(renderers._quote(text) + "\n")
    assert {t.type for t in tokens} <= PLAIN_QUOTE
    assert {c.type for t in tokens for c in t.children or []} <= {"text", "softbreak", "hardbreak"}
    assert "\n".join(quoted_paragraphs(tokens)) == text


@settings(max_examples=300, deadline=None, derandomize=True)
@given(ONE_LINE)
@example("\\ #")  # found by a random run: a trailing "#" closed the heading
@example("Point #")
@example("##")
def test_any_recorded_title_in_a_markdown_heading_reads_back_exactly(title):
    tokens = commonmark().parse(f"### {renderers.md_inline(title)}\n")
    assert [t.type for t in tokens] == ["heading_open", "inline", "heading_close"]
    assert {c.type for c in tokens[1].children} <= {"text"}
    assert inline_text(tokens[1]) == title
