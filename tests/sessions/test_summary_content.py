"""The summary against a hand-built session whose agreed and open points
are known."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from agreements.models import Point
from sessions.models import AgendaItem, Attendance, Participant, Session
from sessions.summary import build_session_summary, draft_narrative

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(world):
    w = world
    m = w.membership(w.note_taker)
    s = w.session
    s.start()
    AgendaItem.objects.create(session=s, position=1, title="Navigation")
    sorokina = Participant.objects.create(
        negotiation=w.negotiation, party=w.severia, name="Yelena Sorokina", function="head"
    )
    reyes = Participant.objects.create(
        negotiation=w.negotiation, party=w.aurelia, name="Tomas Reyes", function="expert"
    )
    Participant.objects.create(negotiation=w.negotiation, party=w.aurelia, name="Absent Person")
    for p in (sorokina, reyes):
        Attendance.objects.create(session=s, participant=p)

    def say(text, kind="note", speaker=None, visibility="record", supersedes=None):
        return s.record_entry(
            membership=m,
            client_id=uuid.uuid4(),
            text=text,
            kind=kind,
            speaker=speaker,
            visibility=visibility,
            supersedes=supersedes,
        )[0]

    say("Yes, in principle, ships may pass.", "statement", sorokina)
    proposal = say("Merchant vessels shall pass  freely.", "proposal", reyes)
    navigation = Point.open(negotiation=w.negotiation, title="Navigation")
    agreed = navigation.propose(text=proposal.text, party=w.aurelia, membership=m, session=s, entry=proposal)
    agreed.agree(parties=[w.aurelia, w.severia], membership=m, session=s)

    quotas = Point.open(negotiation=w.negotiation, title="Quotas")
    quotas.propose(text="Квоты [ежегодно].", party=w.severia, membership=m, session=s, language="ru")
    quotas.propose(text="Quotas [yearly] [every three years].", party=w.aurelia, membership=m, session=s)
    quotas.propose(text="Quotas [every two years].", party=w.aurelia, membership=m, session=s)  # replaces the first

    say("Aurelia to circulate a map.", "action_item", reyes)
    wrong = say("Next meeting on Mondy.", "decision")
    say("Next meeting on Monday.", "decision", supersedes=wrong)
    say("Их глава нервничает.", "observation", visibility="internal")
    Session.objects.filter(pk=s.pk).update(
        started_at=datetime(2026, 11, 18, 9, 0, tzinfo=UTC), ended_at=datetime(2026, 11, 18, 10, 30, tzinfo=UTC)
    )
    Session.schedule(
        negotiation=w.negotiation,
        title="Second round",
        place="Port Calder",
        scheduled_for=datetime(2026, 11, 25, 9, 0, tzinfo=UTC) + timedelta(days=1),
    )
    s.refresh_from_db()
    w.proposal = proposal
    return build_session_summary(s)


def test_the_header_has_the_session_its_duration_and_attendance_by_party(content):
    h = content["header"]
    assert (h["session_number"], h["title"], h["place"], h["date"], h["duration_minutes"]) == (
        1,
        "Opening round",
        "Port Calder",
        "2026-11-18",
        90,
    )
    assert h["attendance"] == [
        {"party": "Republic of Aurelia", "participants": [{"name": "Tomas Reyes", "function": "Expert"}]},
        {
            "party": "Severian Federation",
            "participants": [{"name": "Yelena Sorokina", "function": "Head of delegation"}],
        },
    ]
    assert h["agenda"] == ["Navigation"]


def test_agreed_formulations_are_verbatim_with_parties_and_their_source_entry(content, world):
    (agreed,) = content["agreed"]
    assert agreed["text"] == "Merchant vessels shall pass  freely."
    assert agreed["consenting_parties"] == ["Republic of Aurelia", "Severian Federation"]
    assert (agreed["ad_referendum"], agreed["provisional"], agreed["proposed_by"]) == (
        False,
        False,
        "Republic of Aurelia",
    )
    assert agreed["sources"] == [{"entry": str(world.proposal.public_id), "seq": 2}]


def test_points_without_agreement_show_each_partys_latest_words_and_open_brackets(content):
    (quotas,) = content["discussed"]
    assert quotas["point"] == "Quotas"
    assert [(p["party"], p["text"]) for p in quotas["positions"]] == [
        ("Republic of Aurelia", "Quotas [every two years]."),
        ("Severian Federation", "Квоты [ежегодно]."),
    ]
    assert quotas["open_brackets"] == 2


def test_action_items_decisions_and_statements_use_the_current_text_and_never_internal_entries(content):
    assert [(a["text"], a["owner"]) for a in content["action_items"]] == [
        ("Aurelia to circulate a map.", "Tomas Reyes")
    ]
    assert [d["text"] for d in content["decisions"]] == ["Next meeting on Monday."]
    assert [(s["speaker"], s["text"]) for s in content["statements"]] == [
        ("Yelena Sorokina", "Yes, in principle, ships may pass.")
    ]
    assert "нервничает" not in str(content)


def test_counts_and_the_next_session(content):
    counts = content["counts"]
    assert counts["entries"] == 4  # the corrected decision counts once, the internal note not at all
    assert counts["entries_by_kind"] == {"action_item": 1, "decision": 1, "proposal": 1, "statement": 1}
    assert (counts["formulations_proposed"], counts["formulations_agreed"]) == (4, 1)
    assert content["next_session"]["title"] == "Second round"


def test_the_narrative_is_assembled_from_the_record(content):
    text = draft_narrative(content)
    assert "Session 1 (Opening round) of Strait talks met at Port Calder on 2026-11-18 for 90 minutes" in text
    assert "Agreed in this session: point 1 (Navigation)." in text
    assert "Discussed without agreement: point 2 (Quotas, 2 open brackets)." in text
    assert "“Next meeting on Monday.”" in text
