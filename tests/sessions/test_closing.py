"""A session ends by a head's act, no typed line is lost at the close, and
what a closed or approved session holds no longer changes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from sessions.models import Act, AgendaItem, Attendance, Entry, Participant, Session, SessionClosed, Summary
from sessions.services import session_close, session_reopen, summary_build

pytestmark = pytest.mark.django_db


def line(world, user, text, **kwargs):
    return world.session.record_entry(membership=world.membership(user), client_id=uuid.uuid4(), text=text, **kwargs)[0]


def test_a_note_taker_cannot_close_a_session(world):
    with pytest.raises(PermissionDenied, match="head of delegation"):
        session_close(session=world.session, by=world.membership(world.other_note_taker))
    world.session.refresh_from_db()
    assert world.session.status == Session.Status.SCHEDULED


def test_a_head_closes_and_the_close_is_an_act(world):
    session_close(session=world.session, by=world.membership(world.other_head))
    world.session.refresh_from_db()
    assert world.session.status == Session.Status.CLOSED
    act = Act.objects.get(negotiation=world.negotiation, kind=Act.Kind.SESSION_CLOSED)
    assert act.session == world.session and act.delegation == world.severian


def test_a_line_captured_before_the_close_is_accepted_late_once(world):
    line(world, world.note_taker, "Opening.")
    captured = timezone.now()
    session_close(session=world.session, by=world.membership(world.head))
    client_id = uuid.uuid4()
    for _ in range(2):
        entry, _ = world.session.record_entry(
            membership=world.membership(world.other_note_taker),
            client_id=client_id,
            text="Queued while offline.",
            captured_at=captured,
        )
    assert entry.recorded_late and entry.captured_at == captured
    assert Entry.objects.filter(client_id=client_id).count() == 1


def test_a_line_captured_after_the_close_is_refused(world):
    line(world, world.note_taker, "Opening.")
    session_close(session=world.session, by=world.membership(world.head))
    with pytest.raises(SessionClosed, match="reopen"):
        line(world, world.note_taker, "Too late.", captured_at=timezone.now() + timedelta(seconds=5))
    with pytest.raises(SessionClosed):
        line(world, world.note_taker, "No clock at all.")


def test_a_line_arriving_after_the_grace_period_is_refused(world, settings):
    settings.VERBATIM_CLOSE_GRACE_SECONDS = 600
    line(world, world.note_taker, "Opening.")
    session_close(session=world.session, by=world.membership(world.head))
    ended = timezone.now() - timedelta(minutes=11)
    Session.objects.filter(pk=world.session.pk).update(started_at=ended - timedelta(hours=1), ended_at=ended)
    with pytest.raises(SessionClosed):
        line(world, world.note_taker, "Captured in time, arrived too late.", captured_at=ended - timedelta(seconds=1))


def test_a_head_reopens_a_closed_session_and_it_accepts_lines_again(world):
    line(world, world.note_taker, "Opening.")
    session_close(session=world.session, by=world.membership(world.head))
    with pytest.raises(PermissionDenied):
        session_reopen(session=world.session, by=world.membership(world.note_taker), reason="More to say.")
    with pytest.raises(ValidationError):
        session_reopen(session=world.session, by=world.membership(world.head), reason="  ")
    session_reopen(session=world.session, by=world.membership(world.other_head), reason="A statement was missed.")
    world.session.refresh_from_db()
    assert world.session.status == Session.Status.IN_PROGRESS and world.session.ended_at is None
    assert Summary.objects.get(session=world.session).status == Summary.Status.PENDING
    line(world, world.note_taker, "The missed statement.")
    assert Act.objects.filter(kind=Act.Kind.SESSION_REOPENED, text__contains="A statement was missed.").exists()


def test_closing_again_after_a_reopening_builds_the_summary_afresh(world):
    line(world, world.note_taker, "Opening.")
    session_close(session=world.session, by=world.membership(world.head))
    session_reopen(session=world.session, by=world.membership(world.head), reason="Forgot the action item.")
    line(world, world.note_taker, "Circulate the map.", kind=Entry.Kind.ACTION_ITEM)
    summary = session_close(session=world.session, by=world.membership(world.head))
    summary_build(summary=summary)
    summary.refresh_from_db()
    assert summary.status == Summary.Status.READY
    assert [a["text"] for a in summary.content["action_items"]] == ["Circulate the map."]


def test_a_closed_sessions_agenda_and_attendance_are_frozen(world):
    person = Participant.objects.create(negotiation=world.negotiation, party=world.aurelia, name="Amara Lind")
    item = world.session.add_agenda_item("Navigation")
    world.session.set_attendance(person, True)
    session_close(session=world.session, by=world.membership(world.head))
    world.session.refresh_from_db()
    with pytest.raises(SessionClosed, match="attendance"):
        world.session.set_attendance(person, False)
    with pytest.raises(SessionClosed, match="agenda"):
        world.session.add_agenda_item("Any other business")
    with pytest.raises(SessionClosed):
        world.session.take_up(item)
    with pytest.raises(DatabaseError, match="frozen"), transaction.atomic():
        Attendance.objects.filter(session=world.session).delete()
    with pytest.raises(DatabaseError, match="frozen"), transaction.atomic():
        AgendaItem.objects.create(session=world.session, position=9, title="Sneaked in")
    assert Attendance.objects.filter(session=world.session).count() == 1


def test_the_database_refuses_any_change_to_an_approved_session(world):
    line(world, world.note_taker, "Opening.")
    summary = session_close(session=world.session, by=world.membership(world.head))
    summary_build(summary=summary)
    summary.approve(membership=world.membership(world.head), fingerprint=summary.current_fingerprint())
    summary.approve(membership=world.membership(world.other_head), fingerprint=summary.current_fingerprint())
    world.session.refresh_from_db()
    assert world.session.status == Session.Status.MINUTES_APPROVED
    with pytest.raises(DatabaseError, match="corrigendum"), transaction.atomic():
        Session.objects.filter(pk=world.session.pk).update(status=Session.Status.IN_PROGRESS)
    with pytest.raises(SessionClosed):
        session_reopen(session=world.session, by=world.membership(world.head), reason="Try.")
    with pytest.raises(DatabaseError, match="frozen"), transaction.atomic():
        Entry.objects.create(
            session=world.session,
            seq=99,
            client_id=uuid.uuid4(),
            text="Forged.",
            author=world.head,
            delegation=world.aurelian,
            created_at=timezone.now(),
            digest="0" * 64,
        )


def test_a_line_recorded_late_is_in_the_summary_and_lapses_approvals_of_the_old_draft(world):
    line(world, world.note_taker, "Opening.")
    captured = timezone.now()
    summary = session_close(session=world.session, by=world.membership(world.head))
    summary_build(summary=summary)
    summary.refresh_from_db()
    summary.approve(membership=world.membership(world.head), fingerprint=summary.current_fingerprint())
    line(
        world,
        world.other_note_taker,
        "Severia will reply in writing.",
        kind=Entry.Kind.ACTION_ITEM,
        captured_at=captured,
    )
    summary.refresh_from_db()
    assert summary.status == Summary.Status.PENDING
    summary_build(summary=summary)
    summary.refresh_from_db()
    assert [a["text"] for a in summary.content["action_items"]] == ["Severia will reply in writing."]
    assert summary.valid_approvals() == []
    assert [row["state"] for row in summary.approval_state()] == ["voided", "awaiting"]


def test_a_build_that_missed_a_late_line_is_not_stored(world):
    line(world, world.note_taker, "Opening.")
    captured = timezone.now()
    summary = session_close(session=world.session, by=world.membership(world.head))
    assert summary.claim()
    line(world, world.note_taker, "Arrived while the summary was built.", captured_at=captured)
    assert summary.complete({"stale": True}, "stale", upto=1) is None
    summary.refresh_from_db()
    assert summary.status == Summary.Status.RUNNING and summary.content is None


def test_a_build_that_finishes_after_a_reopening_is_not_stored_and_the_next_close_builds_again(world):
    line(world, world.note_taker, "Opening.")
    summary = session_close(session=world.session, by=world.membership(world.head))
    assert summary.claim()
    session_reopen(session=world.session, by=world.membership(world.head), reason="One more statement.")
    assert summary.complete({"stale": True}, "stale", upto=None) is False
    summary.refresh_from_db()
    assert summary.status == Summary.Status.PENDING
    line(world, world.note_taker, "One more statement.")
    summary = session_close(session=world.session, by=world.membership(world.head))
    summary_build(summary=summary)
    summary.refresh_from_db()
    assert summary.status == Summary.Status.READY and summary.content["counts"]["entries"] == 2


def test_a_narrative_a_head_edited_survives_a_rebuild(world):
    line(world, world.note_taker, "Opening.")
    captured = timezone.now()
    summary = session_close(session=world.session, by=world.membership(world.head))
    summary_build(summary=summary)
    summary.refresh_from_db()
    summary.edit_narrative(text="Our words.", membership=world.membership(world.head), version=0)
    line(world, world.note_taker, "Late.", captured_at=captured)
    summary_build(summary=summary)
    summary.refresh_from_db()
    assert summary.status == Summary.Status.READY and summary.narrative == "Our words."
