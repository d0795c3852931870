"""Differing readings in the minutes and every export: when another
delegation corrects a line, both readings stay, each attributed to the
delegation that recorded it, until the recording delegation accepts the
other reading; then only the accepted text shows."""

from __future__ import annotations

import html
import io
import json
import re
import uuid

import pytest
from docx import Document
from pypdf import PdfReader

from sessions.models import Entry, Participant, Summary
from sessions.services import summary_build

pytestmark = pytest.mark.django_db

OURS = "Aurelia will not accept any fishing quota."
THEIRS = "Aurelia will not accept any fishing quota set without consultation."


@pytest.fixture
def scene(world, api):
    w = world
    s = w.session
    s.start()
    speaker = Participant.objects.create(negotiation=w.negotiation, party=w.aurelia, name="Amara Lind")
    w.statement, _ = s.record_entry(
        membership=w.membership(w.note_taker), client_id=uuid.uuid4(), text=OURS, kind="statement", speaker=speaker
    )
    w.action, _ = s.record_entry(
        membership=w.membership(w.note_taker),
        client_id=uuid.uuid4(),
        text="Aurelia to send the map by Friday.",
        kind="action_item",
    )
    s.record_entry(
        membership=w.membership(w.other_note_taker),
        client_id=uuid.uuid4(),
        text="Severian eyes only: they will give way.",
        visibility="internal",
    )
    # the Severian note-taker corrects Aurelia's lines through the API: each becomes a differing reading
    api.as_user(w.other_note_taker)
    response = api.post(
        f"/entries/{w.statement.public_id}/corrections", {"client_id": str(uuid.uuid4()), "text": THEIRS}
    )
    assert response.status_code == 201
    w.reading = Entry.objects.get(public_id=response.json()["id"])
    api.post(
        f"/entries/{w.action.public_id}/corrections",
        {"client_id": str(uuid.uuid4()), "text": "Aurelia to send the map by Monday."},
    )
    return w


def close_and_summarise(w):
    w.session.close(by=w.membership(w.head))
    w.summary = Summary.objects.create(session=w.session)
    summary_build(summary=w.summary)
    w.summary.refresh_from_db()
    return w


def page_text(client, w) -> str:
    client.force_login(w.reviewer)
    body = client.get(f"/sessions/{w.session.public_id}/minutes").content.decode()
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def exports(api, w) -> dict[str, str]:
    api.as_user(w.other_head)
    out = {}
    for fmt in ("md", "json", "docx", "pdf"):
        content = api.get(f"/sessions/{w.session.public_id}/minutes.{fmt}").content
        if fmt == "docx":
            text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
        elif fmt == "pdf":
            text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
        else:
            text = content.decode()
        out[fmt] = " ".join(text.split())
    return out


def test_the_minutes_page_shows_both_readings_each_attributed(scene, client):
    text = page_text(client, close_and_summarise(scene))
    assert f"Aurelia's record reads (note_taker) entry {scene.statement.seq} {OURS}" in text
    assert f"Severia's record reads (other_note_taker) entry {scene.reading.seq} {THEIRS}" in text
    statements = text.split("Statements on the record")[1]
    assert (
        f"Aurelia's record reads {OURS}" in statements
        and f"Severia's record reads entry {scene.reading.seq} {THEIRS}" in statements
    )
    actions = text.split("Action items and decisions")[1].split("Statements on the record")[0]
    assert "Aurelia to send the map by Friday." in actions and "Aurelia to send the map by Monday." in actions
    assert "Severian eyes only" not in text


def test_every_export_carries_both_readings_attributed(scene, api):
    close_and_summarise(scene)
    texts = exports(api, scene)
    for fmt in ("md", "docx", "pdf"):
        text = texts[fmt]
        assert "Differing readings" in text, fmt
        assert "Aurelia's record reads" in text.replace("’", "'") and OURS in text, fmt
        assert "Severia's record reads" in text.replace("’", "'") and THEIRS in text, fmt
        assert "Aurelia to send the map by Monday." in text, fmt
    record = json.loads(texts["json"])["record"]
    (dispute, action) = record["summary"]["disputes"]
    assert [(r["delegation"], r["text"]) for r in dispute["readings"]] == [("Aurelia", OURS), ("Severia", THEIRS)]
    assert [r["text"] for r in action["readings"]] == [
        "Aurelia to send the map by Friday.",
        "Aurelia to send the map by Monday.",
    ]
    assert "Severian eyes only" not in texts["json"]


def test_once_the_recording_delegation_accepts_the_reading_only_the_accepted_text_shows(scene, client, api):
    api.as_user(scene.note_taker)
    assert api.post(f"/entries/{scene.reading.public_id}/accept", {"client_id": str(uuid.uuid4())}).status_code == 201
    close_and_summarise(scene)
    text = page_text(client, scene)
    assert THEIRS in text and OURS not in text
    (dispute,) = scene.summary.content["disputes"]  # only the action item is still disputed
    assert dispute["kind"] == "action_item"
    (statement,) = scene.summary.content["statements"]
    assert (statement["text"], statement["readings"]) == (THEIRS, [])
    md = exports(api, scene)["md"]
    assert THEIRS in md and OURS not in md


def test_a_line_recorded_late_is_marked_in_the_minutes_and_exports(scene, client, api):
    scene.session.close(by=scene.membership(scene.head))
    scene.session.refresh_from_db()
    scene.session.record_entry(
        membership=scene.membership(scene.other_note_taker),
        client_id=uuid.uuid4(),
        text="Severia thanks the hosts.",
        kind="statement",
        captured_at=scene.session.ended_at,
    )
    scene.summary = Summary.objects.create(session=scene.session)
    summary_build(summary=scene.summary)
    assert "Severia thanks the hosts. recorded late" in page_text(client, scene)
    texts = exports(api, scene)
    assert "(recorded late)" in texts["md"] and "(recorded late)" in texts["docx"]
