"""One record, many renderings: every verbatim text of a rich record is in
every format, exactly; the Markdown quotes every recorded text so that a
CommonMark renderer reads it back as the recorded characters and never as
a heading, a list, code, a table or HTML."""

from __future__ import annotations

import io
import json
import re
import unicodedata
from datetime import UTC
from typing import Any

import pytest
from docx import Document
from markdown_it import MarkdownIt

from exports import records, renderers
from exports.verification import docx_visible, pdf_visible
from tests.scene import HARD, build_rich_record

pytestmark = pytest.mark.django_db

# Kinds of Markdown node that no part of the minutes, template or record, may become.
FORBIDDEN = {"html_block", "html_inline", "code_block", "fence", "code_inline", "link_open", "image", "table_open"}
FORBIDDEN |= {"s_open"}  # GFM strikethrough


@pytest.fixture
def rich(world):
    return build_rich_record(world)


def verbatim_texts(record: dict[str, Any]) -> list[str]:
    """Every recorded text of the minutes' record, wherever it sits: each
    ``text`` of a line, formulation, reading, corrigendum or internal entry
    (not the acts, whose words are the record's own), and the narrative."""
    found = [record["narrative"]]

    def walk(node: Any, path: tuple[str, ...]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str) and "acts" not in path:
                    found.append(value)
                else:
                    walk(value, (*path, key))
        elif isinstance(node, list):
            for value in node:
                walk(value, path)

    walk(record, ())
    return found


def commonmark():
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def inline_text(token) -> str:
    """What a reader sees of an inline token: its text, a line break for a break."""
    out = []
    for child in token.children or []:
        if child.type == "text":
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
    return "".join(out)


def quoted_paragraphs(tokens) -> list[str]:
    """The text of every paragraph inside a block quote."""
    found, depth = [], 0
    for token in tokens:
        depth += {"blockquote_open": 1, "blockquote_close": -1}.get(token.type, 0)
        if depth and token.type == "inline":
            found.append(inline_text(token))
    return found


def minutes_export(record: dict[str, Any]) -> records.Export:
    return records.prepare(record, "minutes")


def test_the_rich_record_holds_every_kind_of_text_the_minutes_carry(rich):
    record = records.minutes_record(rich.session, internal_for=rich.aurelian)
    texts = verbatim_texts(record)
    assert set(HARD.values()) <= set(texts)
    summary = record["summary"]
    assert [q["text"] for q in summary["questions"]] == [HARD["question"], HARD["question_2"]]
    assert [d["readings"][1]["text"] for d in summary["disputes"]] == [HARD["reading"]]
    assert record["minutes_status"] == "approved" and record["corrigenda"][0]["in_force"]


@pytest.mark.parametrize("version", ["shared", "internal"])
def test_every_verbatim_text_is_in_every_format_exactly(rich, version):
    record = records.minutes_record(rich.session, internal_for=rich.aurelian if version == "internal" else None)
    export = minutes_export(record)
    texts = verbatim_texts(record)
    assert (HARD["internal"] in texts) == (version == "internal")

    assert json.loads(renderers.to_json(export))["record"] == record

    quoted = quoted_paragraphs(commonmark().parse(renderers.md_visible(export)))
    assert [t for t in texts if t not in quoted] == []

    document = Document(io.BytesIO(renderers.to_docx(export)))
    paragraphs = [p.text for p in document.paragraphs]
    assert [t for t in texts if renderers.docx_text(t) not in paragraphs] == []

    # PDF text extraction joins wrapped lines and reverses right-to-left runs:
    # compare left-to-right texts with whitespace made single spaces.
    pdf = pdf_visible(renderers.to_pdf(export))
    ltr = [t for t in texts if not any(unicodedata.bidirectional(c) in ("R", "AL") for c in t)]
    assert len(ltr) >= len(HARD) - 1
    assert [t for t in ltr if " ".join(t.split()) not in pdf] == []


def test_statements_questions_and_the_next_session_are_in_every_format(rich):
    export = minutes_export(records.minutes_record(rich.session))
    md = renderers.md_visible(export)
    docx = docx_visible(Document(io.BytesIO(renderers.to_docx(export))))
    pdf = pdf_visible(renderers.to_pdf(export))
    for visible in (md, docx, pdf):
        assert "Next session: 2. Second round, Kel, 3 December 2026" in visible
        assert "Statements on the record" in visible
        assert "Questions" in visible
        assert "Amara Lind" in visible and "Rami Haddad" in visible


def test_no_recorded_text_becomes_markdown_structure(rich):
    record = records.minutes_record(rich.session, internal_for=rich.aurelian)
    tokens = commonmark().parse(renderers.md_visible(minutes_export(record)))
    assert sorted({t.type for t in tokens} & FORBIDDEN) == []
    assert sorted({c.type for t in tokens for c in t.children or []} & FORBIDDEN) == []
    structure, depth = [], 0
    for token in tokens:
        depth += {"blockquote_open": 1, "blockquote_close": -1}.get(token.type, 0)
        if depth and token.type.endswith("_open") and token.type not in ("blockquote_open", "paragraph_open"):
            structure.append(token.type)
    assert structure == []  # inside a quote: paragraphs only
    headings = [inline_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open"]
    items = [inline_text(t) for t in tokens if t.type == "inline" and t.level > 2]
    for words in ("Not a heading", "not a list", "not a numbered", "not a table", "not a quote"):
        assert not any(words in h for h in headings + items), words


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        "\n\nlead and trail\n\n",
        "  \tindented\t  ",
        "\\",
        "a\\\nb",
        "===\n---\n***\n___",
        "+ plus\n* star\n10) ten\n2. two",
        "<div>\n<!-- c -->\n</div>",
        "&amp; &#32; &copy;",
        "[x]: http://example.org\n[x]",
        "~~~\ncode\n~~~",
        "\u00a0nbsp\u00a0",
        "\u3000ideographic\u3000",
        "line\u2028separator",
        "end with two spaces  \nnext",
    ],
)
def test_a_quoted_text_renders_back_to_exactly_the_recorded_characters(text):
    tokens = commonmark().parse(renderers._quote(text) + "\n")
    assert (
        sorted(
            {t.type for t in tokens}
            - {"blockquote_open", "blockquote_close", "paragraph_open", "paragraph_close", "inline"}
        )
        == []
    )
    assert "\n".join(quoted_paragraphs(tokens)) == text


@pytest.mark.parametrize("text", ["# Strait *talks*", "1. Round", "- Round", "<b>Round</b> | two", "  lead"])
def test_a_recorded_title_stays_plain_text_in_a_markdown_heading(text):
    tokens = commonmark().parse(f"# {renderers.md_inline(text)}\n")
    assert [t.type for t in tokens] == ["heading_open", "inline", "heading_close"]
    assert inline_text(tokens[1]) == text


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def test_a_docx_paragraph_that_starts_right_to_left_is_laid_out_right_to_left(rich):
    document = Document(io.BytesIO(renderers.to_docx(minutes_export(records.minutes_record(rich.session)))))
    by_text = {p.text: p for p in document.paragraphs}
    rtl = by_text[HARD["statement_rtl"]]._p
    assert rtl.find(f"{W}pPr/{W}bidi") is not None
    assert [r.get(f"{W}val") for r in rtl.iter(f"{W}rtl")] == ["1"]
    ltr = by_text[renderers.docx_text(HARD["agreed"])]._p
    assert ltr.find(f"{W}pPr/{W}bidi") is None and not list(ltr.iter(f"{W}rtl"))


@pytest.mark.parametrize(
    ("text", "rtl"),
    [("2024 هو عام", True), ("«שלום» 3", True), ("42 ships", False), ("(١٢) – 12", False), ("", False)],
)
def test_the_first_strong_character_decides_the_direction(text, rtl):
    assert renderers.starts_rtl(text) is rtl


def test_a_docx_prints_tabs_and_line_breaks_as_word_tabs_and_breaks(rich):
    record = records.minutes_record(rich.session)
    record["summary"]["action_items"][0]["text"] = "Col1\tCol2\t\tCol4\u2028next line\nlast line"
    document = Document(io.BytesIO(renderers.to_docx(minutes_export(record))))
    (p,) = [p for p in document.paragraphs if p.text.startswith("Col1")]
    assert [child.tag.removeprefix(W) for r in p._p.iter(f"{W}r") for child in r if child.tag != f"{W}rPr"] == [
        "t", "tab", "t", "tab", "tab", "t", "br", "t", "br", "t",
    ]  # fmt: skip
    assert p.text == "Col1\tCol2\t\tCol4\nnext line\nlast line"


ISO_MOMENT = r"\d{4}-\d\d-\d\dT\d\d:\d\d"


def test_exports_print_dates_for_people_and_the_json_keeps_iso(rich):
    record = records.minutes_record(rich.session)
    export = minutes_export(record)
    start = rich.session.started_at.astimezone(UTC)
    day = f"{start.day} {start:%B} {start.year}"
    approved = record["approvals"][0]["at"]
    visible = {
        "md": renderers.md_visible(export),
        "docx": docx_visible(Document(io.BytesIO(renderers.to_docx(export)))),
        "pdf": pdf_visible(renderers.to_pdf(export)),
    }
    for fmt, text in visible.items():
        assert not re.search(ISO_MOMENT, text), fmt
        assert f"Port Calder · {day}" in text, fmt
        assert renderers._when(approved) in text, fmt
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d UTC", renderers._when(approved))
    assert re.match(ISO_MOMENT, json.loads(renderers.to_json(export))["record"]["approved_at"])


def test_the_agreed_text_says_when_a_point_was_agreed_in_words(rich):
    export = records.prepare(records.agreed_text_record(rich.negotiation), "agreed-text")
    for text in (renderers.md_visible(export), docx_visible(Document(io.BytesIO(renderers.to_docx(export))))):
        assert not re.search(ISO_MOMENT, text)
        assert re.search(r"Agreed in session 1 on \d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d UTC\.", text)


def test_every_text_of_the_agreed_text_to_date_is_in_every_format_exactly(rich):
    record = records.agreed_text_record(rich.negotiation)
    texts = [t["text"] for p in record["points"] for t in p["texts"] + p["versions"]]
    assert {HARD["open"], HARD["agreed"]} <= set(texts)
    export = records.prepare(record)
    tokens = commonmark().parse(renderers.md_visible(export))
    assert [t for t in texts if t not in quoted_paragraphs(tokens)] == []
    assert sorted({t.type for t in tokens} & FORBIDDEN) == []
    paragraphs = [p.text for p in Document(io.BytesIO(renderers.to_docx(export))).paragraphs]
    assert [t for t in texts if renderers.docx_text(t) not in paragraphs] == []
    pdf = pdf_visible(renderers.to_pdf(export))
    assert [t for t in texts if " ".join(t.split()) not in pdf] == []
