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
    agreed.agree(parties=[w.aurelia, w.severia], membership=m, session=s)  # Severia's consent is only noted
    agreed.agree(parties=[w.severia], membership=w.membership(w.other_head), session=s)  # Severia confirms

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
    assert "Session 1 (Opening round) of Strait talks met at Port Calder on 18 November 2026." in text
    assert "The sitting lasted 1 hour and 30 minutes." in text
    assert "Attending for Republic of Aurelia: Tomas Reyes (expert)." in text
    assert "Attending for Severian Federation: Yelena Sorokina (head of delegation)." in text
    assert "1 formulation was agreed in this session: point 1 (Navigation)." in text
    assert "1 point was discussed without agreement: point 2 (Quotas), 2 open brackets." in text
    assert "“Next meeting on Monday.”" in text


def test_an_agreed_formulation_says_who_noted_and_who_confirmed_each_partys_consent(content):
    (agreed,) = content["agreed"]
    aurelia, severia = agreed["consents"]
    assert (aurelia["party"], aurelia["state"], aurelia["noted"]) == ("Republic of Aurelia", "confirmed", None)
    assert aurelia["confirmed"]["by"] == "note_taker" and aurelia["confirmed"]["delegation"] == "Aurelia"
    assert severia["state"] == "confirmed"
    assert (severia["noted"]["by"], severia["noted"]["delegation"]) == ("note_taker", "Aurelia")
    assert (severia["confirmed"]["by"], severia["confirmed"]["delegation"]) == ("other_head", "Severia")
    assert severia["line"] == "Severia: noted by note_taker (Aurelia); confirmed by other_head (Severia)"
    assert agreed["recorded_by"] == "note_taker (Aurelia)"
    assert content["awaiting_consent"] == []


# ---- a session with a dispute, a consent awaiting confirmation and a late line ----------------


@pytest.fixture
def disputed(world):
    """Aurelia records a statement, Severia records a differing reading of
    it (left open) and of another (accepted); a text is agreed by Aurelia's
    note-taker for both parties and confirmed by Aurelia only; a decision
    is disputed too; one line arrives late after the close."""
    w = world
    aurelian, severian = w.membership(w.note_taker), w.membership(w.other_note_taker)
    s = w.session
    s.start()
    sorokina = Participant.objects.create(negotiation=w.negotiation, party=w.severia, name="Yelena Sorokina")

    def say(text, kind="note", by=aurelian, **extra):
        return s.record_entry(membership=by, client_id=uuid.uuid4(), text=text, kind=kind, **extra)[0]

    w.said = say("We will not accept any fishing quota.", "statement", speaker=sorokina)
    w.reading, _ = w.said.correct(
        membership=severian, client_id=uuid.uuid4(), text="We will not accept any quota set without us."
    )
    w.typo = say("Ships pas freely.", "statement", speaker=sorokina)
    w.fixed, _ = w.typo.correct(membership=severian, client_id=uuid.uuid4(), text="Ships pass freely.")
    w.fixed.accept_reading(membership=aurelian, client_id=uuid.uuid4())
    w.decision = say("Experts meet in March.", "decision")
    w.decision.correct(membership=severian, client_id=uuid.uuid4(), text="Experts meet in April.")
    say("Тайно: их делегация колеблется.", "observation", visibility="internal")
    say("Наша запись: они колеблются.", "observation", by=severian, visibility="internal")

    point = Point.open(negotiation=w.negotiation, title="Lighthouse")
    w.awaiting = point.propose(text="Kel Light keeps its name.", party=w.aurelia, membership=aurelian, session=s)
    w.awaiting.agree(parties=[w.aurelia, w.severia], membership=aurelian, session=s)
    s.close(by=w.membership(w.head))
    s.refresh_from_db()
    w.late, _ = s.record_entry(
        membership=severian,
        client_id=uuid.uuid4(),
        text="Closing words from the chair.",
        kind="statement",
        captured_at=s.ended_at,
    )
    s.refresh_from_db()
    w.content = build_session_summary(s)
    return w


def test_a_dispute_carries_both_readings_each_attributed_to_its_delegation(disputed):
    (dispute, decision) = disputed.content["disputes"]
    assert dispute["seq"] == disputed.said.seq and dispute["speaker"] == "Yelena Sorokina"
    assert [(r["reads"], r["text"], r["recorded_by"]) for r in dispute["readings"]] == [
        ("Aurelia's record reads", "We will not accept any fishing quota.", "note_taker"),
        ("Severia's record reads", "We will not accept any quota set without us.", "other_note_taker"),
    ]
    assert dispute["readings"][1]["sources"] == [
        {"entry": str(disputed.reading.public_id), "seq": disputed.reading.seq}
    ]
    assert [r["text"] for r in decision["readings"]] == ["Experts meet in March.", "Experts meet in April."]


def test_statements_and_decisions_keep_both_readings_and_an_accepted_reading_simply_supersedes(disputed):
    statements = {s["text"]: s for s in disputed.content["statements"]}
    assert set(statements) == {
        "We will not accept any fishing quota.",
        "Ships pass freely.",
        "Closing words from the chair.",
    }
    quota = statements["We will not accept any fishing quota."]
    assert quota["recorded_by"] == "Aurelia"
    assert [(r["reads"], r["text"]) for r in quota["readings"]] == [
        ("Severia's record reads", "We will not accept any quota set without us.")
    ]
    assert statements["Ships pass freely."]["readings"] == []  # accepted: no second reading left
    assert "Ships pas freely." not in str(disputed.content)
    (decision,) = disputed.content["decisions"]
    assert (decision["text"], [r["text"] for r in decision["readings"]]) == (
        "Experts meet in March.",
        ["Experts meet in April."],
    )


def test_internal_entries_never_reach_the_summary_even_as_readings(disputed):
    assert "колеблет" not in str(disputed.content)


def test_a_formulation_confirmed_by_one_party_only_is_awaiting_not_agreed(disputed):
    content = disputed.content
    assert content["agreed"] == []
    (waiting,) = content["awaiting_consent"]
    assert waiting["text"] == "Kel Light keeps its name."
    assert waiting["awaiting"] == ["Severian Federation"]
    assert waiting["consenting_parties"] == ["Republic of Aurelia"]
    assert waiting["awaiting_line"] == "awaiting confirmation by Severia"
    assert [c["line"] for c in waiting["consents"]] == [
        "Aurelia: confirmed by note_taker (Aurelia)",
        "Severia: noted by note_taker (Aurelia); awaiting Severia's confirmation",
    ]
    assert content["counts"]["formulations_agreed"] == 0 and content["counts"]["formulations_awaiting_consent"] == 1


def test_a_line_recorded_late_is_marked_where_it_is_listed(disputed):
    content = disputed.content
    late = [s for s in content["statements"] if s["recorded_late"]]
    assert [s["text"] for s in late] == ["Closing words from the chair."]
    assert content["recorded_late"] == [disputed.late.seq] and content["counts"]["recorded_late"] == 1


def test_the_sessions_acts_are_listed_with_their_text(disputed):
    acts = disputed.content["acts"]
    assert [a["kind"] for a in acts] == ["consent_confirmed", "consent_noted", "session_closed"]
    assert acts[1]["text"].startswith("Consent of Severian Federation to the text of point 1 (Lighthouse) noted by")
    assert acts[2]["delegation"] == "Aurelia" and acts[2]["by"] == "head"


def test_the_narrative_names_the_disputes_and_the_awaited_confirmations(disputed):
    text = draft_narrative(disputed.content)
    assert "No formulation was agreed in this session." in text
    assert (
        "point 1 (Lighthouse) was recorded but not confirmed by every party: awaiting confirmation by Severia" in text
    )
    assert (
        f"The records differ on entry {disputed.said.seq} (Yelena Sorokina): "
        "Aurelia's record reads “We will not accept any fishing quota.”; "
        "Severia's record reads “We will not accept any quota set without us.”."
    ) in text
    assert "Decision recorded: “Experts meet in March.”\n  (Severia's record reads “Experts meet in April.”)" in text
    assert "2 lines of the shared record carry a differing reading, recorded by Severia." in text
    assert "1 entry was recorded late" in text


def test_the_summary_is_the_same_when_built_twice(disputed):
    assert build_session_summary(disputed.session) == disputed.content


def test_the_summary_reads_each_author_and_delegation_once_whatever_the_number_of_entries(world):
    from sessions.summary import record_lines

    world.session.start()
    for i in range(30):
        world.session.record_entry(
            membership=world.membership(world.note_taker), client_id=uuid.uuid4(), text=f"Line {i}."
        )
    lines = record_lines(world.session)
    assert len({id(line.current.author) for line in lines}) == 1
    assert len({id(line.current.delegation) for line in lines}) == 1
    assert {line.current.delegation.party.name for line in lines} == {world.aurelia.name}
