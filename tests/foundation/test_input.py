"""Bad input is refused at the door with a 400 that says what and where:
every text field follows the rules of the record (negotiations/text.py),
whatever path the value takes (API payload, page form, a model saved
directly); times and ids that cannot be stored are refused too."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from agreements.models import Point
from negotiations.models import Negotiation, Party
from negotiations.text import validate_text
from sessions.models import Participant
from tests.scene import build_scene

pytestmark = pytest.mark.django_db

BAD = [
    ("nul", "a\x00b", "U+0000"),
    ("escape", "a\x1b[31m", "U+001B"),
    ("c1 control", "a\x85b", "U+0085"),
    ("noncharacter fdd0", "a\ufdd0b", "U+FDD0"),
    ("noncharacter ffff", "a\uffffb", "U+FFFF"),
    ("noncharacter of plane 16", "a\U0010fffe", "U+10FFFE"),
    ("surrogate", "a\ud800b", "U+D800"),
]


@pytest.fixture
def scene(world):
    return build_scene(world)


def one_line_fields(w):
    """(path, payload with {} where the bad value goes, the field the answer must name), one per kind of field."""
    n, s = w.negotiation.public_id, w.session.public_id
    return [
        ("/negotiations", lambda v: {"title": v, "parties": [w.severia.name]}, "title"),
        ("/negotiations", lambda v: {"title": "T", "parties": [v]}, "parties.0"),
        (
            "/negotiations",
            lambda v: {"title": "T", "parties": ["X"], "working_languages": ["en", v]},
            "working_languages.1",
        ),
        ("/negotiations", lambda v: {"title": "T", "parties": ["X"], "classification": v}, "classification"),
        (f"/negotiations/{n}/sessions", lambda v: {"title": v}, "title"),
        (f"/negotiations/{n}/sessions", lambda v: {"title": "T", "place": v}, "place"),
        (f"/negotiations/{n}/participants", lambda v: {"name": v, "party": w.aurelia.name}, "name"),
        (f"/negotiations/{n}/participants", lambda v: {"name": "Ana", "party": w.aurelia.name, "title": v}, "title"),
        (f"/negotiations/{n}/points", lambda v: {"title": v}, "title"),
        (f"/sessions/{s}/entries", lambda v: {"client_id": str(uuid.uuid4()), "text": "x", "speaker": v}, "speaker"),
        (f"/sessions/{s}/entries", lambda v: {"client_id": str(uuid.uuid4()), "text": "x", "party": v}, "party"),
        (f"/negotiations/{n}/members", lambda v: {"username": v, "role": "reviewer"}, "username"),
    ]


def paragraph_fields(w):
    s = w.session.public_id
    return [
        (f"/sessions/{s}/entries", lambda v: {"client_id": str(uuid.uuid4()), "text": v}, "text"),
        (f"/sessions/{s}/reopen", lambda v: {"reason": v}, "reason"),
        (f"/sessions/{s}/minutes/narrative", lambda v: {"narrative": v}, "narrative"),
        (f"/sessions/{s}/minutes/corrigenda", lambda v: {"text": v}, "text"),
        (f"/formulations/{w.formulation.public_id}/reopen", lambda v: {"reason": v}, "reason"),
    ]


@pytest.mark.parametrize(("case", "value", "code_point"), BAD, ids=[b[0] for b in BAD])
def test_a_refused_character_in_any_text_field_is_a_400_naming_the_field_and_the_character(
    scene, api, case, value, code_point
):
    api.as_user(scene.head)
    for path, payload, field in one_line_fields(scene) + paragraph_fields(scene):
        response = api.post(path, payload(value))
        assert response.status_code == 400, (path, field, response.content)
        body = response.json()
        assert body["detail"].startswith(f"{field}: "), (path, body)
        assert code_point in body["detail"], (path, body)
        assert [e["field"] for e in body["errors"]] == [field]


def test_a_value_longer_than_its_column_is_a_400_naming_the_field_and_the_limit(scene, api):
    api.as_user(scene.head)
    for path, payload, field in one_line_fields(scene):
        response = api.post(path, payload("x" * 301))
        assert response.status_code == 400, (path, field)
        assert response.json()["detail"].startswith(f"{field}: "), response.json()
        assert "the limit is" in response.json()["detail"]


def test_one_line_fields_refuse_tabs_and_line_breaks_and_texts_keep_them(scene, api):
    api.as_user(scene.head)
    refused = api.post(f"/negotiations/{scene.negotiation.public_id}/points", {"title": "Two\nlines"})
    assert refused.status_code == 400
    assert "single line" in refused.json()["detail"]
    kept = api.post(f"/sessions/{scene.session.public_id}/entries", {"client_id": str(uuid.uuid4()), "text": "a\tb\nc"})
    assert kept.status_code == 201 and kept.json()["text"] == "a\tb\nc"


def test_whitespace_only_is_refused_where_a_text_is_required(scene, api):
    response = api.as_user(scene.head).post(
        f"/negotiations/{scene.negotiation.public_id}/points", {"title": " \u00a0 "}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "title: The title is empty. Type it and send again."


def test_titles_keep_their_leading_and_trailing_spaces_and_names_are_trimmed(scene, api):
    api.as_user(scene.head)
    n = scene.negotiation.public_id
    point = api.post(f"/negotiations/{n}/points", {"title": "  Fishing rights "}).json()
    session = api.post(f"/negotiations/{n}/sessions", {"title": " Round two "}).json()
    participant = api.post(f"/negotiations/{n}/participants", {"name": " Ana Lima ", "party": scene.aurelia.name})
    assert point["title"] == "  Fishing rights "
    assert session["title"] == " Round two "
    assert participant.json()["name"] == "Ana Lima"


def test_private_use_characters_and_format_characters_are_accepted(scene, api):
    text = "Seal \ue000 and \U000f0000; ZWNJ \u200c, RLM \u200f, LS \u2028 BOM \ufeff."
    response = api.as_user(scene.note_taker).post(
        f"/sessions/{scene.session.public_id}/entries", {"client_id": str(uuid.uuid4()), "text": text}
    )
    assert response.status_code == 201 and response.json()["text"] == text


def test_a_model_saved_directly_is_checked_too_naming_the_field(world):
    with pytest.raises(ValidationError, match="The title contains U\\+FFFE at position 4"):
        Point.open(negotiation=world.negotiation, title="Fis\ufffe")
    with pytest.raises(ValidationError, match="The name is 201 characters long; the limit is 200"):
        Party.objects.create(name="P" * 201)
    with pytest.raises(ValidationError, match="working language code contains the control character U\\+0000"):
        Negotiation.start(title="T", parties=["Ruritania"], by=world.head, working_languages=["e\x00n"])
    with pytest.raises(ValidationError, match="The name contains the control character U\\+0007"):
        Participant.objects.create(negotiation=world.negotiation, party=world.aurelia, name="Bell\x07")


def test_the_admin_form_shows_the_rule_as_a_field_error(client, world):
    client.force_login(world.staff)
    world.staff.is_superuser = True
    world.staff.save()
    response = client.post("/admin/negotiations/party/add/", {"name": "Nul\x00land", "short_name": ""})
    assert response.status_code == 200  # the form again, with the error: nothing saved
    assert not Party.objects.filter(name__startswith="Nul").exists()


def test_the_rules_in_one_function():
    assert validate_text(" As typed ", what="title") == " As typed "
    assert validate_text("", what="place", required=False) == ""
    with pytest.raises(ValidationError, match="single line"):
        validate_text("a\tb", what="title")
    validate_text("a\tb\nc", what="text", multiline=True)
    with pytest.raises(ValidationError, match="U\\+000D"):
        validate_text("a\r\nb", what="text", multiline=True)


@pytest.mark.parametrize("offset", ["+20:54", "-13:30", "+14:01"])
def test_a_time_zone_offset_no_zone_uses_is_a_400(world, api, offset):
    response = api.as_user(world.head).post(
        f"/negotiations/{world.negotiation.public_id}/sessions",
        {"title": "Round", "scheduled_for": f"2026-03-14T10:00:00{offset}"},
    )
    assert response.status_code == 400
    assert f"offset {offset} of scheduled_for is not one in use" in response.json()["detail"]


@pytest.mark.parametrize("offset", ["+14:00", "-12:00", "+05:45", "Z"])
def test_every_offset_in_use_is_accepted(world, api, offset):
    response = api.as_user(world.head).post(
        f"/negotiations/{world.negotiation.public_id}/sessions",
        {"title": "Round", "scheduled_for": f"2026-03-14T10:00:00{offset}"},
    )
    assert response.status_code == 201


def test_a_time_that_cannot_convert_to_utc_is_a_400(world, api):
    response = api.as_user(world.head).post(
        f"/negotiations/{world.negotiation.public_id}/sessions",
        {"title": "Round", "scheduled_for": "0001-01-01T00:00:00+01:00"},
    )
    assert response.status_code == 400
    assert "out of the range" in response.json()["detail"]


def test_search_refuses_too_many_words_or_characters_with_a_readable_page(client, world):
    client.force_login(world.head)
    for query, words in [
        (" ".join(["word"] * 21), "21 words; the limit is 20"),
        ("x" * 301, "the limit is 300"),
        ("a\x00b", "U+0000"),
    ]:
        response = client.get("/search", {"q": query})
        assert response.status_code == 400
        assert words in response.content.decode()
    assert client.get("/search", {"q": " ".join(["word"] * 20)}).status_code == 200


def test_a_party_or_participant_that_is_not_a_number_or_id_is_a_form_error_not_a_500(client, scene):
    client.force_login(scene.note_taker)
    s = scene.session.public_id
    for party in ["abc", "²", "99999999999999999999999", str(scene.borealis.pk)]:
        response = client.post(f"/sessions/{s}/participants", {"name": "Ana", "party": party, "function": "member"})
        assert response.status_code in (302, 400), (party, response.status_code)
        assert not Participant.objects.filter(name="Ana").exists()
        response = client.post(
            f"/record/sessions/{s}/formulations",
            {"text": "Words.", "party": party, "point": "new", "point_title": "P"},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 400, (party, response.status_code)
        answer = response.content.decode()
        assert "Choose the party" in answer or "No such party in this negotiation" in answer
    for participant in ["abc", "", str(uuid.uuid4())]:
        response = client.post(f"/sessions/{s}/attendance", {"participant": participant, "present": "1"})
        assert response.status_code in (302, 400)
    assert client.post(f"/sessions/{s}/agenda/current", {"item": "²"}).status_code in (200, 302, 400)


def test_a_nul_in_the_login_form_is_a_form_error_not_a_500(client, world):
    response = client.post("/login/", {"username": "he\x00ad", "password": "pw"})
    assert response.status_code == 200
    assert "Check them and try again" in response.content.decode()
    assert "_auth_user_id" not in client.session


@settings(max_examples=300, derandomize=True, deadline=None)
@given(text=st.text(alphabet=st.characters(codec=None, exclude_categories=()), min_size=1, max_size=40))
def test_any_text_the_record_accepts_can_be_written_into_a_docx_paragraph(text):
    """DOCX is XML: whatever passes the rules must be XML-compatible (lxml refuses anything else)."""
    import io

    from docx import Document

    try:
        validate_text(text, multiline=True)
    except ValidationError:
        return
    document = Document()
    document.add_paragraph(text)
    document.save(io.BytesIO())


def test_every_character_xml_refuses_is_refused_at_input():
    xml_invalid = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF, 0xD800)]
    for char in xml_invalid:
        with pytest.raises(ValidationError):
            validate_text(f"a{char}b", multiline=True)


def test_an_offset_python_cannot_represent_and_a_console_clock_off_every_zone_are_400s(scene, api):
    api.as_user(scene.note_taker)
    unparsable = api.post(
        f"/negotiations/{scene.negotiation.public_id}/sessions",
        {"title": "Round", "scheduled_for": "2026-03-14T10:00:00+24:00"},
    )
    assert unparsable.status_code == 400
    assert unparsable.json()["errors"][0]["field"] == "scheduled_for"
    clock = api.post(
        f"/sessions/{scene.session.public_id}/entries",
        {"client_id": str(uuid.uuid4()), "text": "Late line.", "captured_at": "2026-03-14T10:00:00+20:54"},
    )
    assert clock.status_code == 400
    assert "offset +20:54 of captured_at is not one in use" in clock.json()["detail"]


def test_every_code_point_is_refused_or_accepted_by_its_unicode_category_in_both_kinds_of_field():
    """The one-pass check (a regex class) against the rule as written: category Cc except tab and
    line feed in several lines, Cs, and the noncharacters; over all 1,114,112 code points."""
    import unicodedata

    from negotiations.text import refusal

    def refused_by_the_rule(char: str, multiline: bool) -> bool:
        point = ord(char)
        category = unicodedata.category(char)
        return (
            (category == "Cc" and not (multiline and char in "\t\n"))
            or category == "Cs"
            or 0xFDD0 <= point <= 0xFDEF
            or point & 0xFFFE == 0xFFFE
        )

    for multiline in (True, False):
        disagree = [
            f"U+{point:04X}"
            for point in range(0x110000)
            if (refusal(f"ok {chr(point)}", multiline=multiline) is not None)
            != refused_by_the_rule(chr(point), multiline)
        ]
        assert disagree == [], f"multiline={multiline}: {disagree[:10]}"
    # the first offender is named, wherever each kind is found
    for text, said in [
        ("fine, then \x07 and \x00", "U+0007 at position 12"),
        ("🐟 \U0001fffe then \x00", "U+1FFFE at position 3"),
        ("🐟 \x00 then \U0010ffff", "U+0000 at position 3"),
        ("\ud800 🐟 \U0010ffff", "U+D800 at position 1"),
    ]:
        error = refusal(text, multiline=True)
        assert error is not None and said in error.message, (text, error)
