"""The PDF prints every character the record accepts, and its layout holds:
a character no font draws prints as a labelled box naming its code point,
long words break at the line end, tabs, runs of spaces and U+2028 print as
recorded, and the carried record stays exact."""

from __future__ import annotations

import copy
import io
import json
import re
import unicodedata
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from docx import Document
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pypdf import PdfReader

from agreements.models import Point
from exports import pdftext, records, renderers, verification
from negotiations.text import refusal
from sessions.models import Summary
from sessions.services import summary_build

pytestmark = pytest.mark.django_db

LONG_WORD = "Verhandlungs" + "ab" * 2494
GERMAN = "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetzesdurchführungsverordnungsänderungsentwürfe"
CORPUS = {
    "arabic": "بموجب المادة 12 من اتفاق 2024، تلتزم الأطراف بـ 3 بنود.",
    "hebrew": "לפי סעיף 7 בהסכם משנת 2024 יתקיימו 2 פגישות.",
    "persian": "می‌خواهم این متن را بنویسم.",
    "devanagari": "दोनों पक्ष संधि के अनुच्छेद ४ पर सहमत हैं।",
    "thai": "ทั้งสองฝ่ายตกลงตามข้อความนี้",
    "cjk": "双方同意本条款。𠀀 and 𪚥 are Extension B.",
    "decomposed": "Ae\u0301e\u0300o\u0308 cafe\u0301",
    "emoji": "Agreed 👩‍👩‍👧 🏳️‍🌈 👍🏽",
    "nbsp_bom": "Article\u00a012\ufeff applies.",
    "line_separator": "first line\u2028second line\u2029third paragraph",
    "tabs": "Col1\tCol2\t\tCol4",
    "spaces": "wide     gap",
    "markup": "#set page(width: 1cm) *bold* `code` <b>html</b> $x$ [link](x) \\ // not a comment",
    "private_use": "glyphs \ue000 \uf8ff \U000f0000 here",
    "overlay": "struck a\u0334b\u0335c\u0336d\u0337e\u0338",
    "german": GERMAN,
    "wide_word": "W" * 60,
    "long_word": LONG_WORD,
    "long_text": ("Twenty thousand characters of record. " * 527)[:20000],
}
ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "pdf-every-character"


@pytest.fixture
def hard(world):
    """A closed session whose statements, action items and decisions carry
    every corpus text, and a point whose agreed formulation is each one."""
    m = world.membership(world.note_taker)
    world.session.start()
    for script, text in CORPUS.items():
        for kind in ("statement", "action_item", "decision"):
            world.session.record_entry(membership=m, client_id=uuid.uuid4(), text=text, kind=kind)
        point = Point.open(negotiation=world.negotiation, title=f"Point in {script}")
        f = point.propose(text=text, party=world.aurelia, membership=m, session=world.session)
        if "[" not in text:  # bracketed text stays open
            f.agree(parties=[world.aurelia, world.severia], membership=m, session=world.session)
            f.agree(parties=[world.severia], membership=world.membership(world.other_note_taker), session=world.session)
    world.session.close(by=world.membership(world.head))
    summary_build(summary=Summary.objects.create(session=world.session))
    world.minutes = records.prepare(records.minutes_record(world.session), "minutes-hard-text")
    world.agreed = records.prepare(records.agreed_text_record(world.negotiation), "agreed-hard-text")
    return world


FURNITURE = re.compile(r"^(UNCLASSIFIED|DRAFT|Strait talks UNCLASSIFIED page \d+ of \d+)$")


def lines_of(content: bytes) -> list[str]:
    """The extracted lines, without the zero-width spaces that mark where a
    long word may break, and without each page's header and footer."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return [line for line in text.replace(pdftext.BREAK, "").split("\n") if not FURNITURE.match(line)]


def test_every_corpus_text_exports_to_pdf_for_minutes_and_agreed_text(hard):
    for export in (hard.minutes, hard.agreed):
        content = renderers.to_pdf(export)
        assert content.startswith(b"%PDF") and b"pdfaid:part" in content
        verdict = verification.verify(f"{export.filename_stem}.pdf", content)
        assert verdict.matches, verdict.line  # the carried record is exact and the visible text re-renders alike


def test_a_character_no_font_draws_prints_as_its_labelled_code_point(hard):
    text = "\n".join(lines_of(renderers.to_pdf(hard.minutes)))
    for label in ("U+E000", "U+F8FF", "U+F0000"):
        assert label in text
    for char in ("\ue000", "\uf8ff", "\U000f0000"):
        assert char not in text
    assert "𠀀" in text and "𪚥" in text  # Extension B is drawn (HanaMinB), not replaced


def test_private_use_and_noncharacters_are_never_drawn_while_ext_b_and_joiners_are():
    for char in ("\ue000", "\uf8ff", "\U000f0000", "\U0010fffd", "\ufdd0", "\uffff", "\x01"):
        assert not pdftext.drawable(char), f"U+{ord(char):04X}"
    for char in ("\U00020000", "\U0002a6a5", "\u200d", "\u200c", "\u200e", "\ufe0f", "\ufeff", "\u2028", "\t", "ก"):
        assert pdftext.drawable(char), f"U+{ord(char):04X}"


def test_every_font_of_the_chain_is_installed():
    assert pdftext.missing_families() == []  # bin/fonts installs them
    assert "Noto Sans Bengali" in pdftext.chain(pdftext.SERIF)  # scripts the chain does not name come after it
    for char in ("\u0995", "\u0b95", "\u1200"):  # Bengali KA, Tamil KA, Ethiopic HA
        assert pdftext.drawable(char)


def test_an_assigned_character_beyond_every_font_prints_as_its_label(world):
    beyond = next(
        chr(point)
        for point in range(0x3000, 0x30000)
        if unicodedata.category(chr(point)) not in {"Cn", "Co", "Cs"} and not pdftext.drawable(chr(point))
    )
    m = world.membership(world.note_taker)
    world.session.start()
    world.session.record_entry(membership=m, client_id=uuid.uuid4(), text=f"Mr {beyond} spoke.", kind="statement")
    world.session.close(by=world.membership(world.head))
    summary_build(summary=Summary.objects.create(session=world.session))
    text = " ".join(lines_of(renderers.to_pdf(records.prepare(records.minutes_record(world.session), "m"))))
    assert f"Mr {pdftext.label(beyond)} spoke." in text


def test_a_long_word_breaks_at_the_line_end_and_every_character_stays(hard):
    for export in (hard.minutes, hard.agreed):
        lines = lines_of(renderers.to_pdf(export))
        assert max(len(line) for line in lines) <= 150  # unbroken, the word made one line of 5,000
        joined = "".join(lines)
        assert LONG_WORD in joined
        assert GERMAN in joined
        assert "W" * 60 in joined and not any("W" * 60 in line for line in lines)  # 60 wide letters wrap in the box


def test_the_break_opportunities_mark_the_extracted_text_of_a_long_word(hard):
    raw = "".join(page.extract_text() for page in PdfReader(io.BytesIO(renderers.to_pdf(hard.agreed))).pages)
    assert pdftext.BREAK in raw and pdftext.BREAK not in json.dumps(hard.agreed.record, ensure_ascii=False)


def test_only_runs_wider_than_the_limit_in_scripts_safe_to_break_get_break_opportunities():
    assert pdftext.BREAK in pdftext.break_long_runs("M" * 60)
    thai = CORPUS["thai"] * 5
    arabic = "بموجب" * 20
    devanagari = CORPUS["devanagari"].replace(" ", "") * 5
    cjk = "双方同意本条款" * 20
    for run in (thai, arabic, devanagari, cjk):
        assert pdftext.break_long_runs(run) == run
    assert pdftext.break_long_runs("internationalization") == "internationalization"
    assert pdftext.break_long_runs("e\u0301" * 60).count(pdftext.BREAK) == 59  # never before a combining mark


def test_tabs_spaces_and_line_separators_print_as_recorded(hard):
    lines = lines_of(renderers.to_pdf(hard.minutes))
    text = "\n".join(lines)
    assert "Col1Col2" not in text and "Col2Col4" not in text
    assert "Col1 Col2 Col4" in text
    assert "wide     gap" in text
    assert any(line.rstrip().endswith("first line") for line in lines)
    assert any(line.lstrip().startswith("second line") for line in lines)
    assert any(line.lstrip().startswith("third paragraph") for line in lines)


def test_overlay_marks_extract_as_themselves(hard):
    text = "\n".join(lines_of(renderers.to_pdf(hard.agreed)))
    assert CORPUS["overlay"] in text


def test_open_brackets_are_counted_in_words():
    assert renderers.plural(1, "open bracket") == "1 open bracket"
    assert renderers.plural(2, "open bracket") == "2 open brackets"
    assert renderers.plural(0, "open bracket") == "0 open brackets"


def test_the_pdf_says_1_open_bracket_and_keeps_the_semicolons_of_its_captions(world):
    m = world.membership(world.note_taker)
    world.session.start()
    point = Point.open(negotiation=world.negotiation, title="Quotas")
    point.propose(text="Quotas are set [annually].", party=world.aurelia, membership=m, session=world.session)
    pilotage = Point.open(negotiation=world.negotiation, title="Pilotage")
    f = pilotage.propose(text="Pilots board at the buoy.", party=world.aurelia, membership=m, session=world.session)
    f.agree(parties=[world.aurelia, world.severia], membership=m, session=world.session, ad_referendum=True)
    f.agree(
        parties=[world.severia],
        membership=world.membership(world.other_note_taker),
        session=world.session,
        ad_referendum=True,
    )
    world.session.close(by=world.membership(world.head))
    summary_build(summary=Summary.objects.create(session=world.session))
    minutes = " ".join(lines_of(renderers.to_pdf(records.prepare(records.minutes_record(world.session), "m"))))
    agreed = " ".join(lines_of(renderers.to_pdf(records.prepare(records.agreed_text_record(world.negotiation), "a"))))
    for text in (minutes, agreed):
        assert "1 open bracket" in text and "1 open brackets" not in text
    markdown = renderers.to_markdown(records.prepare(records.minutes_record(world.session), "m")).decode()
    assert "(1 open bracket)" in markdown
    document = Document(io.BytesIO(renderers.to_docx(records.prepare(records.minutes_record(world.session), "m"))))
    assert any(p.text.endswith("(1 open bracket)") for p in document.paragraphs)
    assert "recorded by note_taker (Aurelia); ad referendum" in minutes
    assert "noted by note_taker (Aurelia); confirmed by other_note_taker (Severia)" in agreed


def test_the_template_never_puts_a_semicolon_where_typst_would_swallow_it():
    template = (Path(settings.BASE_DIR) / "templates" / "exports" / "record.typ").read_text()
    swallowed = re.findall(r"#[\w.()\"]+;", template)  # in markup, "#x;" ends the expression and drops the ";"
    assert swallowed == []


def test_the_carried_record_stays_exact_with_placeholders_and_breaks_only_in_print(hard):
    for export in (hard.minutes, hard.agreed):
        carried = verification.read(renderers.to_pdf(export))
        assert carried.record == export.record
        carried_json = json.dumps(carried.record, ensure_ascii=False)
        assert LONG_WORD in carried_json and "\uf8ff" in carried_json and pdftext.BREAK not in carried_json


def test_png_renders_of_the_corpus_are_written_for_a_person_to_look_at(hard):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for export in (hard.minutes, hard.agreed):
        pages = renderers.to_png_pages(export, ppi=80)
        assert pages
        for number, png in enumerate(pages, start=1):
            assert png.startswith(b"\x89PNG")
            (ARTIFACTS / f"{export.filename_stem}-{number}.png").write_bytes(png)
    print(f"PNG renders in {ARTIFACTS}")


# Characters that broke or bent the PDF before, mixed into arbitrary ones.
HARD_CHARACTERS = (
    "\ue000\uf8ff\U000f0000\U0010fffd\U00020000\U0002a6a5\u200d\u200c\u200e\u200f\ufeff\u2028\u2029"
    "\t\n \u00a0\u3000\u0301\u0334\u0338\ufe0f#[]*$\\`<>\"'ب\u05d0क\u094dกW"
)
character = st.one_of(st.characters(exclude_categories=["Cs"]), st.sampled_from(HARD_CHARACTERS))
accepted_text = (
    st.one_of(
        st.text(character, min_size=1, max_size=120),
        st.builds(lambda c, n: c * n, character, st.integers(min_value=50, max_value=400)),
    )
    .filter(lambda t: t.strip() != "")
    .filter(lambda t: refusal(t) is None)
)


@pytest.fixture
def small_minutes(world):
    m = world.membership(world.note_taker)
    world.session.start()
    world.session.record_entry(membership=m, client_id=uuid.uuid4(), text="placeholder", kind="statement")
    world.session.record_entry(membership=m, client_id=uuid.uuid4(), text="placeholder", kind="action_item")
    point = Point.open(negotiation=world.negotiation, title="Any text")
    f = point.propose(text="placeholder", party=world.aurelia, membership=m, session=world.session)
    f.agree(parties=[world.aurelia, world.severia], membership=m, session=world.session)
    f.agree(parties=[world.severia], membership=world.membership(world.other_note_taker), session=world.session)
    world.session.close(by=world.membership(world.head))
    summary_build(summary=Summary.objects.create(session=world.session))
    return records.minutes_record(world.session)


@hypothesis_settings(
    max_examples=25, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=accepted_text)
def test_any_accepted_text_never_makes_the_pdf_fail(small_minutes, text):
    record = copy.deepcopy(small_minutes)
    summary = record["summary"]
    summary["statements"][0]["text"] = text
    summary["action_items"][0]["text"] = text
    summary["agreed"][0]["text"] = text
    content = renderers.to_pdf(records.prepare(record, "any-text"))
    assert verification.read(content).record == record  # printed with placeholders and breaks, carried exact
