"""An exported file is named for the negotiation, the session and the day,
so a registry can file it without opening it: ASCII for every client, and
the exact title for clients that read RFC 6266's ``filename*``."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote

import pytest

from exports import records
from negotiations.models import Negotiation

pytestmark = pytest.mark.django_db


def disposition(api, user, path) -> dict[str, str]:
    response = api.as_user(user).get(path)
    assert response.status_code == 200, response.content[:300]
    kind, *params = response["Content-Disposition"].split("; ")
    assert kind == "attachment"
    return dict(p.split("=", 1) for p in params)


@pytest.fixture
def started(world):
    world.session.start()
    world.day = world.session.started_at.astimezone(UTC).date().isoformat()
    return world


def test_minutes_are_named_for_the_negotiation_the_session_and_its_day(started, api):
    w = started
    for user in (w.head, w.other_note_taker):  # the other delegation gets the same name
        names = disposition(api, user, f"/sessions/{w.session.public_id}/minutes.pdf")
        assert names == {"filename": f'"strait-talks-session-1-{w.day}-minutes.pdf"'}


def test_a_delegations_internal_version_says_so_in_its_name(started, api):
    names = disposition(api, started.note_taker, f"/sessions/{started.session.public_id}/minutes.md?version=internal")
    assert names == {"filename": f'"strait-talks-session-1-{started.day}-minutes-internal.md"'}


def test_the_agreed_text_is_named_for_the_negotiation_and_the_day_it_was_made(started, api):
    today = datetime.now(UTC).date().isoformat()
    names = disposition(api, started.other_head, f"/negotiations/{started.negotiation.public_id}/agreed-text.json")
    assert names == {"filename": f'"strait-talks-agreed-text-{today}.json"'}


def test_a_title_in_another_script_keeps_its_letters_in_filename_star_and_falls_back_in_ascii(started, api):
    Negotiation.objects.filter(pk=started.negotiation.pk).update(title="Переговоры о проливе Кель")
    names = disposition(api, started.head, f"/sessions/{started.session.public_id}/minutes.md")
    assert names["filename"] == f'"negotiation-session-1-{started.day}-minutes.md"'
    charset, language, exact = names["filename*"].split("'")
    assert (charset, language) == ("UTF-8", "")
    assert exact.isascii()
    assert unquote(exact) == f"переговоры-о-проливе-кель-session-1-{started.day}-minutes.md"


def test_accents_fall_back_to_their_letters_and_a_long_title_is_cut_at_a_word():
    record = {
        "negotiation": {
            "title": "Überseeabkommen über die Schifffahrt in der Meerenge von Kel und Veldrin (Dritte Runde)"
        },
        "record": {"kind": "agreed-text", "version": "shared"},
    }
    at = datetime(2026, 11, 26, 0, 1, tzinfo=UTC)
    ascii_stem = records.filename_stem(record, at, ascii=True)
    assert ascii_stem == "uberseeabkommen-uber-die-schifffahrt-in-der-meerenge-von-kel-agreed-text-2026-11-26"
    assert records.filename_stem(record, at).startswith("überseeabkommen-über-die-")
    record["negotiation"]["title"] = "/../\\ <>"
    assert records.filename_stem(record, at) == "negotiation-agreed-text-2026-11-26"


def test_dashes_and_slashes_in_a_title_separate_its_words():
    record = {"negotiation": {"title": "Aurelia–Severia talks/Veldrin—Strait"}, "record": {"kind": "agreed-text"}}
    at = datetime(2026, 11, 26, 0, 1, tzinfo=UTC)
    assert (
        records.filename_stem(record, at, ascii=True) == "aurelia-severia-talks-veldrin-strait-agreed-text-2026-11-26"
    )
