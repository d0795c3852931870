"""What a long export costs: the PDF's Typst compiler is kept per process and
still sets each document as a new one would, each distinct character is tested
for a glyph once, and the DOCX looks each paragraph style up once."""

from __future__ import annotations

import io
import threading
import uuid

import pytest
import typst
from pypdf import PdfReader

from exports import pdftext, records, renderers
from sessions.models import Summary
from sessions.services import summary_build

pytestmark = pytest.mark.django_db

LATIN = "The strait stays open to every ship."
SCRIPTS = {
    "arabic": "بموجب المادة 12 من اتفاق 2024، تلتزم الأطراف.",
    "hebrew": "לפי סעיף 7 בהסכם משנת 2024.",
    "cjk": "双方同意本条款。",
    "cyrillic": "Маяк горит всю ночь.",
}


def minutes_of(world, texts: list[str]) -> records.Export:
    """Closed minutes whose statements are ``texts``, in a session of their own."""
    from sessions.models import Session

    session = Session.schedule(negotiation=world.negotiation, title=f"Session {uuid.uuid4().hex[:6]}")
    session.start()
    for text in texts:
        session.record_entry(
            membership=world.membership(world.note_taker), client_id=uuid.uuid4(), text=text, kind="statement"
        )
    session.close(by=world.membership(world.head))
    summary_build(summary=Summary.objects.create(session=session))
    return records.prepare(records.minutes_record(session), "minutes")


def fresh_compile(export: records.Export) -> bytes:
    """The PDF as a new compiler per document set it (before compilers were kept)."""
    return typst.compile(
        str(renderers.TEMPLATES / "record.typ"),
        sys_inputs={"data": renderers._pdf_data(export), "carried": renderers.to_json(export).decode()},
        pdf_standards=["a-3b"],
        timestamp=int(export.generated_at.timestamp()),
    )


def text_of(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_kept_compiler_sets_a_second_document_in_other_scripts_as_a_new_compiler_would(world):
    latin = minutes_of(world, [LATIN])
    scripts = minutes_of(world, list(SCRIPTS.values()))
    first = renderers.to_pdf(latin)
    (kept,) = renderers._idle_compilers  # one compiler, kept for the next document
    second = renderers.to_pdf(scripts)
    assert renderers._idle_compilers == [kept]
    assert second == fresh_compile(scripts)  # byte for byte: fonts and data are the second document's own
    assert first == fresh_compile(latin)
    text = text_of(second)
    for script, sample in SCRIPTS.items():
        if script in ("arabic", "hebrew"):  # right-to-left: extraction order varies, the digits stay
            assert "2024" in text, script
        else:
            assert sample.rstrip(".。") in text.replace("\n", " "), script
    assert LATIN not in text and LATIN in text_of(first)


def test_two_threads_rendering_at_once_each_get_their_own_document(world):
    exports = [minutes_of(world, [LATIN]), minutes_of(world, list(SCRIPTS.values()))]
    expected = [fresh_compile(e) for e in exports]
    results: dict[int, list[bytes]] = {0: [], 1: []}

    def render(i: int) -> None:
        for _ in range(3):
            results[i].append(renderers.to_pdf(exports[i]))

    threads = [threading.Thread(target=render, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results[0] == [expected[0]] * 3 and results[1] == [expected[1]] * 3
    assert 1 <= len(renderers._idle_compilers) <= 2  # at most one per thread that rendered at the same time


def test_each_distinct_character_is_tested_for_a_glyph_once(world, monkeypatch):
    export = minutes_of(world, [LATIN * 20, "\ue000 " * 50])
    asked: list[str] = []
    drawable = pdftext.drawable
    monkeypatch.setattr(pdftext, "drawable", lambda char: asked.append(char) or drawable(char))
    prepared = pdftext.prepare(renderers._envelope(export))
    assert len(asked) == len(set(asked))
    assert prepared["labels"] == {"\ue000": "U+E000"}


def test_a_long_docx_looks_each_paragraph_style_up_once(world, monkeypatch):
    from docx.parts.document import DocumentPart

    export = minutes_of(world, [f"Statement {i}." for i in range(40)])
    asked: list[str] = []
    get_style_id = DocumentPart.get_style_id
    monkeypatch.setattr(
        DocumentPart, "get_style_id", lambda part, style, kind: asked.append(style) or get_style_id(part, style, kind)
    )
    renderers.to_docx(export)
    assert len(asked) == len(set(asked)) and {"Verbatim", "Attribution"} <= set(asked)
