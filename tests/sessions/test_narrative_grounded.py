"""The narrative-grounding test: every sentence of the drafted narrative
states a fact of the record, checked here against the database itself
(never with the summary's own helpers), over records with the edge cases
that once made the narrative say what the record does not: no attendance,
one side absent, attendance for one party while the other's speakers
spoke, a one-minute sitting, a sitting over an hour, disputes, nothing
agreed, everything agreed, a neutral secretariat at the table."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agreements.models import Agreement, Formulation, Point
from sessions.models import Attendance, Entry, Participant, Session, Summary
from sessions.services import session_close, summary_build
from sessions.summary import build_session_summary, draft_narrative, narrative_sentences

pytestmark = pytest.mark.django_db

NINE = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


# ---- what the record says, read from the database ------------------------------------


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def shared(session: Session):
    return Entry.objects.filter(session=session, stream=Entry.RECORD_STREAM)


def current_lines(session: Session) -> list[Entry]:
    """Lines of the shared record as they now read: entries that are not
    another delegation's reading and that no later version replaced."""
    replaced = set(shared(session).exclude(supersedes=None).values_list("supersedes_id", flat=True))
    return [e for e in shared(session).filter(disputes=None).order_by("seq") if e.pk not in replaced]


def standing_readings(session: Session) -> list[Entry]:
    """Other delegations' readings, as last corrected, none of whose
    versions the recording delegation accepted."""
    entries = {e.pk: e for e in shared(session)}
    accepted = {e.accepts_id for e in entries.values() if e.accepts_id}
    replaced = {e.supersedes_id for e in entries.values() if e.supersedes_id}
    out = []
    for e in entries.values():
        if e.disputes_id is None or e.pk in replaced:
            continue
        chain, v = [e], e
        while v.supersedes_id in entries and entries[v.supersedes_id].disputes_id is not None:
            v = entries[v.supersedes_id]
            chain.append(v)
        if not any(c.pk in accepted for c in chain):
            out.append(e)
    return out


def line_of(session: Session, reading: Entry) -> Entry:
    """The current version of the line a reading disputes."""
    target = reading.disputes
    while (nxt := shared(session).filter(supersedes=target).first()) is not None:
        target = nxt
    return target


def attendance_by_party(session: Session) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for a in Attendance.objects.filter(session=session).select_related("participant__party"):
        out.setdefault(a.participant.party.name, []).append((a.participant.name, a.participant.get_function_display()))
    return out


def agreed_here(session: Session) -> list[Formulation]:
    here = Agreement.objects.filter(session=session, kind__in=[Agreement.Kind.AGREED, Agreement.Kind.CONFIRMED])
    return list(
        Formulation.objects.filter(pk__in=here.values("formulation_id"), status__in=Formulation.AGREED_STATUSES)
    )


def spoken_length(seconds: float) -> str:
    minutes = int((seconds + 30) // 60)
    if minutes == 0:
        return "less than a minute"
    hours, rest = divmod(minutes, 60)
    return " and ".join(([_plural(hours, "hour")] if hours else []) + ([_plural(rest, "minute")] if rest else []))


def check(sentence, session: Session) -> None:
    """Assert that ``sentence`` says what the record holds: its fact against
    the database, and its words against its fact."""
    kind, v, text = sentence.fact.kind, sentence.fact.values, sentence.text
    n = session.negotiation
    if kind == "session":
        assert (v["number"], v["title"], v["negotiation"]) == (session.number, session.title, n.title)
        assert v["place"] == (session.place or None)
        assert v["started_on"] == (session.started_at.date().isoformat() if session.started_at else None)
        assert f"Session {session.number} ({session.title}) of {n.title}" in text
        assert (f" at {session.place}" in text) == bool(session.place)
        if session.started_at:
            day = session.started_at.date()
            in_words = f"{day.day} {day.strftime('%B')} {day.year}"  # the record's own language: English
            assert text.endswith(f"met{' at ' + session.place if session.place else ''} on {in_words}.")
        else:
            assert text.endswith("has not started.")
    elif kind == "duration":
        assert session.started_at and session.ended_at, "a duration is stated only from a recorded start and close"
        assert v["started_at"] == session.started_at.isoformat() and v["ended_at"] == session.ended_at.isoformat()
        seconds = (session.ended_at - session.started_at).total_seconds()
        assert text == f"The sitting lasted {spoken_length(seconds)}."
    elif kind == "attendance_not_recorded":
        assert not Attendance.objects.filter(session=session).exists()
        assert text == "Attendance was not recorded."
    elif kind == "attendance":
        people = attendance_by_party(session).get(v["party"], [])
        assert people, f"{v['party']} is named as attending, but attendance lists nobody of it"
        assert sorted(map(tuple, v["participants"])) == sorted(people)
        assert text.startswith(f"Attending for {v['party']}: ")
        for name, function in people:
            assert f"{name} ({function.lower()})" in text
        others = Participant.objects.filter(negotiation=n).exclude(name__in=[p for p, _ in people])
        assert not [p.name for p in others if p.name in text]
    elif kind == "no_attendance":
        assert v["party"] in n.parties.values_list("name", flat=True)
        assert v["party"] not in attendance_by_party(session)
        assert Attendance.objects.filter(session=session).exists()
        assert text == f"No attendance was recorded for {v['party']}."
    elif kind == "statements":
        said = [e for e in current_lines(session) if e.kind == Entry.Kind.STATEMENT and e.party_id]
        parties = sorted({e.party.name for e in said})
        assert (v["count"], v["parties"]) == (len(said), parties)
        assert set(parties) - set(attendance_by_party(session)), "said only where attendance leaves a party out"
        assert text.startswith(f"{_plural(len(said), 'statement')} {'was' if len(said) == 1 else 'were'} made")
        for party in n.parties.all():
            assert (party.name in text) == (party.name in parties)
    elif kind == "agreed":
        agreed = agreed_here(session)
        assert v["count"] == len(agreed)
        stated = {fid: (number, adref, provisional) for number, fid, adref, provisional in v["points"]}
        assert sorted(stated) == sorted(str(f.public_id) for f in agreed)
        if agreed:
            assert text.startswith(f"{_plural(len(agreed), 'formulation')} {'was' if len(agreed) == 1 else 'were'}")
            for f in agreed:
                adref = f.status == Formulation.Status.AGREED_AD_REFERENDUM
                provisional = f.status == Formulation.Status.PROVISIONALLY_AGREED
                assert stated[str(f.public_id)] == (f.point.number, adref, provisional)
                said = f"point {f.point.number} ({f.point.title})"
                assert said in text
                assert (f"{said} ad referendum" in text) == adref
                assert (f"{said} provisionally" in text) == provisional
        else:
            assert text == "No formulation was agreed in this session."
    elif kind == "awaiting":
        f = Formulation.objects.get(public_id=v["formulation"])
        assert f.status == Formulation.Status.AWAITING_CONSENT and f.point.number == v["point_number"]
        assert Agreement.objects.filter(formulation=f, session=session, kind=Agreement.Kind.AGREED).exists()
    elif kind == "discussed":
        touched = Point.objects.filter(negotiation=n, formulations__session=session).distinct()
        open_points = []
        for point in touched.order_by("number"):
            formulations = list(point.formulations.order_by("created_at", "pk"))
            if any(f.status in Formulation.AGREED_STATUSES for f in formulations):
                continue
            latest = {f.party_id: f for f in formulations if f.status != Formulation.Status.WITHDRAWN}
            open_points.append((point.number, sum(f.open_brackets for f in latest.values())))
        assert [tuple(p) for p in v["points"]] == open_points
        assert text.startswith(f"{_plural(len(open_points), 'point')} {'was' if len(open_points) == 1 else 'were'}")
        for number, brackets in open_points:
            said = _plural(brackets, "open bracket") if brackets else "no open brackets"
            assert re.search(rf"point {number} \([^)]*\), {said}(;|\.$)", text), (number, said, text)
    elif kind == "disputed_lines":
        readings = standing_readings(session)
        lines = {line_of(session, r).pk for r in readings}
        by = sorted({r.delegation.label for r in readings})
        assert (v["count"], v["by"]) == (len(lines), by)
        assert text.startswith(_plural(len(lines), "line") + " of the shared record")
        assert all(label in text for label in by)
    elif kind == "dispute":
        line = shared(session).get(seq=v["seq"])
        assert line in current_lines(session)
        readings = [r for r in standing_readings(session) if line_of(session, r) == line]
        assert readings, "a dispute is stated only where another delegation's reading stands"
        expected = [(line.delegation.label, line.text)] + [(r.delegation.label, r.text) for r in readings]
        assert sorted(map(tuple, v["readings"])) == sorted(expected)
        for label, said in expected:
            assert f"{label}'s record reads “{said}”" in text
    elif kind == "decision":
        line = shared(session).get(seq=v["seq"])
        assert line in current_lines(session) and line.kind == Entry.Kind.DECISION
        assert text == f"Decision recorded: “{line.text}”"
    elif kind == "reading":
        reading = next(r for r in standing_readings(session) if line_of(session, r).seq == v["of"])
        assert (v["delegation"], v["text"]) == (reading.delegation.label, reading.text)
        assert text == f"  ({reading.delegation.label}'s record reads “{reading.text}”)"
    elif kind == "action_items":
        count = sum(1 for e in current_lines(session) if e.kind == Entry.Kind.ACTION_ITEM)
        assert v["count"] == count and count > 0
        assert text == f"{_plural(count, 'action item')} {'was' if count == 1 else 'were'} recorded."
    elif kind == "recorded_late":
        late = sorted(e.seq for e in current_lines(session) + standing_readings(session) if e.recorded_late)
        assert sorted(v["seqs"]) == late and late
        assert text.startswith(f"{_plural(len(late), 'entry', 'entries')} {'was' if len(late) == 1 else 'were'}")
    elif kind == "next_session":
        nxt = Session.objects.filter(negotiation=n, number__gt=session.number).order_by("number").first()
        assert (v["number"], v["title"], v["place"]) == (nxt.number, nxt.title, nxt.place or None)
        assert text == f"Next: session {nxt.number} ({nxt.title})" + (f" at {nxt.place}." if nxt.place else ".")
    else:
        pytest.fail(f"The narrative states a kind of fact this test cannot check against the record: {kind}")


BAD_PLURALS = re.compile(
    r"(?<![\d.])1 (minutes|hours|points|formulations|lines|statements|entries|action items|open brackets)\b"
    r"|\b(?:[02-9]|\d\d+) (minute|hour|point|formulation|line|statement|entry|action item|open bracket)\b"
)


def grounded(session: Session) -> list:
    """Check every sentence of the session's drafted narrative against the
    record and return them."""
    session.refresh_from_db()
    content = build_session_summary(session)
    sentences = narrative_sentences(content)
    assert draft_narrative(content) == "\n".join(s.text for s in sentences)
    for sentence in sentences:
        check(sentence, session)
    text = draft_narrative(content)
    assert not BAD_PLURALS.search(text), BAD_PLURALS.search(text)
    internal = Entry.objects.filter(session=session).exclude(stream=Entry.RECORD_STREAM)
    for e in internal:
        assert e.text not in text, "an internal entry reached the shared narrative"
    return sentences


def kinds(sentences) -> list[str]:
    return [s.fact.kind for s in sentences]


# ---- the records ------------------------------------------------------------------------


@pytest.fixture
def table(world):
    """Participants of both parties, and a way to say things and to time the sitting."""
    w = world
    w.reyes = Participant.objects.create(
        negotiation=w.negotiation, party=w.aurelia, name="Tomas Reyes", function="head"
    )
    w.ibarra = Participant.objects.create(negotiation=w.negotiation, party=w.aurelia, name="Lucia Ibarra")
    w.sorokina = Participant.objects.create(
        negotiation=w.negotiation, party=w.severia, name="Yelena Sorokina", function="head"
    )
    w.nasser = Participant.objects.create(
        negotiation=w.negotiation, party=w.severia, name="ناصر الحسيني", function="interpreter"
    )
    w.session.start()

    def say(text, kind="statement", speaker=None, by=None, visibility="record", **extra):
        membership = w.membership(by or w.note_taker)
        return w.session.record_entry(
            membership=membership,
            client_id=uuid.uuid4(),
            text=text,
            kind=kind,
            speaker=speaker,
            visibility=visibility,
            **extra,
        )[0]

    def attend(*people):
        for p in people:
            Attendance.objects.create(session=w.session, participant=p)

    def sat(seconds: float | None, *, started=True):
        Session.objects.filter(pk=w.session.pk).update(
            started_at=NINE if started else None,
            ended_at=NINE + timedelta(seconds=seconds) if seconds is not None else None,
        )
        w.session.refresh_from_db()

    def agree_fully(title: str, text: str, *, ad_referendum: bool = False):
        point = Point.open(negotiation=w.negotiation, title=title)
        f = point.propose(text=text, party=w.aurelia, membership=w.membership(w.note_taker), session=w.session)
        for parties, user in (([w.aurelia, w.severia], w.note_taker), ([w.severia], w.other_head)):
            f.agree(parties=parties, membership=w.membership(user), session=w.session, ad_referendum=ad_referendum)
        return f

    w.say, w.attend, w.sat, w.agree_fully = say, attend, sat, agree_fully
    return w


def test_with_no_attendance_the_narrative_says_so_and_names_the_parties_that_made_statements(table):
    w = table
    w.say("Ships may pass, in principle.", speaker=w.sorokina)
    w.say("We take note.", speaker=w.reyes)
    w.sat(60)
    sentences = grounded(w.session)
    by_kind = {s.fact.kind: s.text for s in sentences}
    assert by_kind["attendance_not_recorded"] == "Attendance was not recorded."
    assert by_kind["statements"] == "2 statements were made on behalf of Republic of Aurelia and Severian Federation."
    assert by_kind["duration"] == "The sitting lasted 1 minute."
    assert "attendance" not in by_kind and "participant" not in draft_narrative(build_session_summary(w.session))


def test_a_party_with_nobody_attending_is_not_named_as_attending(table):
    w = table
    w.attend(w.reyes, w.ibarra)
    w.say("Aurelia opens.", speaker=w.reyes)
    w.sat(2 * 3600 + 5 * 60)
    sentences = grounded(w.session)
    texts = [s.text for s in sentences]
    assert "Attending for Republic of Aurelia: Lucia Ibarra (delegation member), Tomas Reyes (head of delegation)." in (
        texts
    )
    assert "No attendance was recorded for Severian Federation." in texts
    assert "The sitting lasted 2 hours and 5 minutes." in texts
    assert "statements" not in kinds(sentences)  # everyone who spoke is in the attendance
    assert not [t for t in texts if t.startswith("Attending for Severian")]


def test_when_one_party_attends_and_the_others_speakers_speak_both_facts_are_stated_apart(table):
    w = table
    w.attend(w.reyes)
    w.say("Severia proposes a joint patrol.", speaker=w.sorokina)
    w.say("Translation follows.", speaker=w.nasser)
    w.sat(3600)
    texts = [s.text for s in grounded(w.session)]
    assert "Attending for Republic of Aurelia: Tomas Reyes (head of delegation)." in texts
    assert "No attendance was recorded for Severian Federation." in texts
    assert "2 statements were made on behalf of Severian Federation." in texts
    assert "The sitting lasted 1 hour." in texts


def test_disputed_lines_are_counted_with_who_recorded_the_other_reading(table):
    w = table
    w.attend(w.reyes, w.sorokina)
    said = w.say("We will not accept any fishing quota.", speaker=w.sorokina)
    said.correct(
        membership=w.membership(w.other_note_taker), client_id=uuid.uuid4(), text="We accept no quota set without us."
    )
    typo = w.say("Ships pas freely.", speaker=w.reyes)
    fixed, _ = typo.correct(membership=w.membership(w.other_note_taker), client_id=uuid.uuid4(), text="Ships pass.")
    fixed.accept_reading(membership=w.membership(w.note_taker), client_id=uuid.uuid4())
    decision = w.say("Experts meet in March.", kind="decision")
    decision.correct(membership=w.membership(w.other_note_taker), client_id=uuid.uuid4(), text="Experts meet in April.")
    w.sat(25 * 60)
    sentences = grounded(w.session)
    texts = [s.text for s in sentences]
    assert "2 lines of the shared record carry a differing reading, recorded by Severia." in texts
    assert kinds(sentences).count("dispute") == 2
    assert "No formulation was agreed in this session." in texts
    assert not [t for t in texts if "Ships pas freely." in t]  # accepted: nothing left in dispute


def test_a_line_recorded_late_and_the_next_session_are_stated_as_recorded(table):
    w = table
    w.attend(w.sorokina)
    w.say("Opening words.", speaker=w.sorokina)
    Session.schedule(negotiation=w.negotiation, title="Second round", place="Kel")
    w.session.close(by=w.membership(w.head))
    w.session.refresh_from_db()
    late = w.say("Closing words.", speaker=w.reyes, by=w.other_note_taker, captured_at=w.session.ended_at)
    assert late.recorded_late
    sentences = grounded(w.session)
    texts = [s.text for s in sentences]
    assert f"1 entry was recorded late (captured before the close, stored after it): {late.seq}." in texts
    assert "Next: session 2 (Second round) at Kel." in texts
    assert "2 statements were made on behalf of Republic of Aurelia and Severian Federation." in texts


def test_everything_agreed_and_nothing_left_open(table):
    w = table
    w.attend(w.reyes, w.sorokina)
    w.agree_fully("Navigation", "Merchant vessels pass freely.")
    w.agree_fully("Quotas", "Quotas are set yearly.")
    w.agree_fully("Lighthouse", "Kel Light keeps its name.", ad_referendum=True)
    w.say("Aurelia circulates a map.", kind="action_item", speaker=w.reyes)
    w.sat(45 * 60)
    sentences = grounded(w.session)
    texts = [s.text for s in sentences]
    assert (
        "3 formulations were agreed in this session: point 1 (Navigation); point 2 (Quotas); "
        "point 3 (Lighthouse) ad referendum."
    ) in texts
    assert "discussed" not in kinds(sentences)
    assert "1 action item was recorded." in texts


def test_under_the_package_rule_an_agreed_formulation_is_said_to_be_agreed_provisionally(table):
    w = table
    w.negotiation.package_rule = True
    w.negotiation.save(update_fields=["package_rule"])
    w.agree_fully("Navigation", "Merchant vessels pass freely.")
    w.sat(15 * 60)
    texts = [s.text for s in grounded(w.session)]
    assert "1 formulation was agreed in this session: point 1 (Navigation) provisionally." in texts


def test_nothing_agreed_with_points_left_bracketed(table):
    w = table
    w.attend(w.ibarra, w.nasser)
    m = w.membership(w.note_taker)
    quotas = Point.open(negotiation=w.negotiation, title="Quotas")
    quotas.propose(text="Квоты [ежегодно].", party=w.severia, membership=m, session=w.session, language="ru")
    quotas.propose(text="Quotas [yearly] [every three years].", party=w.aurelia, membership=m, session=w.session)
    light = Point.open(negotiation=w.negotiation, title="Lighthouse")
    light.propose(text="The light keeps its name.", party=w.aurelia, membership=m, session=w.session)
    w.sat(90)
    texts = [s.text for s in grounded(w.session)]
    assert "No formulation was agreed in this session." in texts
    assert (
        "2 points were discussed without agreement: point 1 (Quotas), 3 open brackets; "
        "point 2 (Lighthouse), no open brackets."
    ) in texts
    assert "The sitting lasted 2 minutes." in texts


def test_a_neutral_secretariat_at_the_table_is_never_counted_as_a_party(secretariat, table):
    w = table
    w.attend(w.reyes, w.sorokina)
    said = w.say("The chair opens the sitting.", kind="note", by=w.scribe)
    w.say("Severia thanks the chair.", speaker=w.sorokina, by=w.scribe)
    said.correct(membership=w.membership(w.other_note_taker), client_id=uuid.uuid4(), text="The chair opens.")
    quoted = w.say("Aurelia welcomes it.", speaker=w.reyes)
    quoted.correct(membership=w.membership(w.scribe), client_id=uuid.uuid4(), text="Aurelia welcomes the chair.")
    w.sat(10 * 60)
    sentences = grounded(w.session)
    texts = [s.text for s in sentences]
    assert "2 lines of the shared record carry a differing reading, recorded by Severia and Table secretariat." in texts
    assert not [t for t in texts if t.startswith("Attending for Table secretariat")]
    assert "statements" not in kinds(sentences)


def test_internal_entries_never_reach_the_shared_narrative(table):
    """Severia's speakers speak only in delegations' internal notes: the
    narrative names no statement on Severia's behalf and quotes none of it."""
    w = table
    w.attend(w.reyes)
    w.say("Aurelia opens.", speaker=w.reyes)
    w.say("Sorokina looks uneasy.", kind="observation", speaker=w.sorokina, visibility="internal")
    w.say("Severia hints at a concession.", speaker=w.sorokina, visibility="internal")
    w.say("Tell capital tonight.", kind="decision", by=w.other_note_taker, visibility="internal")
    w.say("Draft a fallback.", kind="action_item", by=w.other_note_taker, visibility="internal")
    w.sat(5 * 60)
    sentences = grounded(w.session)
    text = "\n".join(s.text for s in sentences)
    assert "statements" not in kinds(sentences)  # the only Severian statement is internal
    assert "decision" not in kinds(sentences) and "action_items" not in kinds(sentences)
    for secret in ("uneasy", "concession", "capital tonight", "fallback"):
        assert secret not in text


def test_without_a_recorded_close_nothing_is_said_about_duration(table):
    w = table
    w.attend(w.reyes, w.sorokina)
    w.sat(None)
    sentences = grounded(w.session)
    assert "duration" not in kinds(sentences)
    assert not [s for s in sentences if "minute" in s.text or "hour" in s.text]


def test_a_session_that_never_started_is_not_said_to_have_met(world):
    w = world
    sentences = grounded(w.session)
    assert sentences[0].text == "Session 1 (Opening round) of Strait talks at Port Calder has not started."
    assert "duration" not in kinds(sentences)


def test_the_stored_narrative_is_the_grounded_one_and_a_heads_edit_survives_a_rebuild(table):
    w = table
    w.say("Severia proposes a joint patrol.", speaker=w.sorokina)
    summary = session_close(session=w.session, by=w.membership(w.head))
    assert summary_build(summary=summary) == "built"
    summary.refresh_from_db()
    sentences = grounded(w.session)
    assert summary.narrative == "\n".join(s.text for s in sentences)
    assert "Attendance was not recorded." in summary.narrative

    summary.edit_narrative(text="Our account.", membership=w.membership(w.head), version=summary.narrative_version)
    Summary.objects.filter(pk=summary.pk).update(status=Summary.Status.PENDING)
    assert summary_build(summary=summary) == "built"
    summary.refresh_from_db()
    assert (summary.narrative, summary.narrative_version) == ("Our account.", 1)


# ---- any record: a bounded property test ------------------------------------------------


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    present=st.sets(st.sampled_from(["reyes", "ibarra", "sorokina", "nasser"])),
    spoken=st.lists(
        st.tuples(st.sampled_from(["reyes", "ibarra", "sorokina", "nasser", None]), st.booleans()), max_size=5
    ),
    seconds=st.one_of(st.none(), st.integers(min_value=0, max_value=4 * 3600)),
    agreed=st.integers(min_value=0, max_value=2),
    opened=st.integers(min_value=0, max_value=2),
    disputed=st.booleans(),
)
def test_every_sentence_of_any_narrative_is_grounded(table, present, spoken, seconds, agreed, opened, disputed):
    w = table
    with transaction.atomic():
        w.attend(*(getattr(w, name) for name in sorted(present)))
        lines = [
            w.say(
                f"Line {i}.",
                speaker=getattr(w, name) if name else None,
                visibility="record" if is_shared else "internal",
            )
            for i, (name, is_shared) in enumerate(spoken)
        ]
        for i in range(agreed):
            w.agree_fully(f"Agreed {i}", f"Text {i}.")
        for i in range(opened):
            point = Point.open(negotiation=w.negotiation, title=f"Open {i}")
            point.propose(
                text="[" * i + "Text.", party=w.severia, membership=w.membership(w.note_taker), session=w.session
            )
        shared_lines = [e for e in lines if e.stream == Entry.RECORD_STREAM]
        if disputed and shared_lines:
            shared_lines[0].correct(
                membership=w.membership(w.other_note_taker), client_id=uuid.uuid4(), text="Another reading."
            )
        w.sat(seconds)
        sentences = grounded(w.session)
        attending = {p.party.name for p in (getattr(w, name) for name in present)}
        texts = [s.text for s in sentences]
        assert ("Attendance was not recorded." in texts) == (not present)
        for party in (w.aurelia, w.severia):
            assert any(t.startswith(f"Attending for {party.name}:") for t in texts) == (party.name in attending)
        assert ("duration" in kinds(sentences)) == (seconds is not None)
        transaction.set_rollback(True)


def test_the_minutes_page_gives_a_one_minute_sitting_in_the_singular(table, client):
    w = table
    summary = session_close(session=w.session, by=w.membership(w.head))
    w.session.refresh_from_db()
    Session.objects.filter(pk=w.session.pk).update(started_at=w.session.ended_at - timedelta(seconds=60))
    w.session.refresh_from_db()
    assert summary_build(summary=summary) == "built"
    client.force_login(w.other_head)
    body = client.get(f"/sessions/{w.session.public_id}/minutes").content.decode()
    assert " · 1 minute</p>" in body and "1 minutes" not in body
    assert "The sitting lasted 1 minute." in body


def test_the_minutes_page_gives_a_sitting_of_seconds_as_less_than_a_minute(table, client):
    w = table
    summary = session_close(session=w.session, by=w.membership(w.head))
    w.session.refresh_from_db()
    Session.objects.filter(pk=w.session.pk).update(started_at=w.session.ended_at - timedelta(seconds=20))
    w.session.refresh_from_db()
    assert summary_build(summary=summary) == "built"
    client.force_login(w.head)
    body = client.get(f"/sessions/{w.session.public_id}/minutes").content.decode()
    assert " · less than a minute</p>" in body and "0 minutes" not in body
    assert "The sitting lasted less than a minute." in body
