"""A session ends by a head's act, through the API, and no typed line is
dropped: lines captured before the close arrive during the grace period,
stored once and marked late; after it they are refused with a reason."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from sessions.models import Act, Entry, Session, Summary
from sessions.services import summary_build
from tests.conftest import minutes_fingerprint

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(world):
    world.session.start()
    world.session.record_entry(
        membership=world.membership(world.note_taker), client_id=uuid.uuid4(), text="Opening remarks."
    )
    return world.session


def url(session, action: str = "") -> str:
    return f"/sessions/{session.public_id}{action}"


def line(captured_at: datetime | None = None, text: str = "Queued when the head closed.") -> dict:
    payload = {"client_id": str(uuid.uuid4()), "text": text}
    if captured_at is not None:
        payload["captured_at"] = captured_at.isoformat()
    return payload


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.mark.parametrize("user", ["note_taker", "other_note_taker", "reviewer"])
def test_only_a_head_closes_a_session(world, session, api, user):
    response = api.as_user(getattr(world, user)).post(url(session, "/close"))
    assert response.status_code == 403
    assert response.json()["detail"] == "Only a head of delegation can close a session; ask your head."
    session.refresh_from_db()
    assert session.status == Session.Status.IN_PROGRESS


def test_a_head_closes_and_the_answer_says_until_when_late_lines_are_accepted(world, session, api):
    before = api.as_user(world.other_head).get(url(session)).json()
    assert (before["ended_at"], before["grace_ends_at"]) == (None, None)
    body = api.post(url(session, "/close")).json()
    assert body["status"] == "closed"
    assert at(body["grace_ends_at"]) - at(body["ended_at"]) == timedelta(seconds=settings.VERBATIM_CLOSE_GRACE_SECONDS)
    act = Act.objects.get(negotiation=world.negotiation, kind=Act.Kind.SESSION_CLOSED)
    assert (act.by, act.delegation) == (world.other_head, world.severian)


def test_the_secretariats_head_closes_a_session_only_where_it_keeps_the_record(secretariat, session, api):
    refused = api.as_user(secretariat.clerk).post(url(session, "/close"))
    assert refused.status_code == 403 and "does not keep the record" in refused.json()["detail"]
    secretariat.negotiation.secretariat_keeps_record = True
    secretariat.negotiation.save(update_fields=["secretariat_keeps_record"])
    assert api.post(url(session, "/close")).json()["status"] == "closed"


def test_a_line_captured_before_the_close_and_arriving_after_it_is_stored_once_marked_late(world, session, api):
    captured = timezone.now()
    api.as_user(world.head).post(url(session, "/close"))
    api.as_user(world.other_note_taker)
    payload = line(captured)
    first = api.post(url(session, "/entries"), payload)
    retry = api.post(url(session, "/entries"), payload)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json()["id"] == retry.json()["id"]
    assert first.json()["recorded_late"] is True
    assert abs(at(first.json()["captured_at"]) - captured) < timedelta(milliseconds=1)  # JSON carries milliseconds
    stored = Entry.objects.get(client_id=payload["client_id"])  # one entry, with the console's time as sent
    assert stored.captured_at == captured and stored.created_at > stored.session.ended_at


def test_two_lines_queued_in_another_console_at_the_close_both_reach_the_record_exactly_once(world, session, api):
    captured = [timezone.now(), timezone.now()]
    api.as_user(world.head).post(url(session, "/close"))
    api.as_user(world.other_note_taker)
    queued = [line(c, text) for c, text in zip(captured, ["First queued line.", "Second queued line."], strict=True)]
    for payload in queued + queued:  # the console sends, loses the answers, and sends again
        assert api.post(url(session, "/entries"), payload).status_code in {200, 201}
    listed = api.get(url(session, "/entries")).json()["entries"]
    late = [(e["text"], e["recorded_late"]) for e in listed if e["recorded_late"]]
    assert late == [("First queued line.", True), ("Second queued line.", True)]


def test_a_line_captured_after_the_close_is_refused(world, session, api):
    api.as_user(world.head).post(url(session, "/close"))
    response = api.as_user(world.note_taker).post(url(session, "/entries"), line(timezone.now() + timedelta(seconds=5)))
    assert response.status_code == 409


def test_a_line_without_a_capture_time_is_not_accepted_late(world, session, api):
    api.as_user(world.head).post(url(session, "/close"))
    response = api.as_user(world.note_taker).post(url(session, "/entries"), line())
    assert response.status_code == 409


def test_after_the_grace_period_a_line_is_refused_with_a_reason_to_keep_the_text(world, session, api):
    api.as_user(world.head).post(url(session, "/close"))
    # The head closed the session longer ago than the grace period.
    closed_at = timezone.now() - timedelta(seconds=settings.VERBATIM_CLOSE_GRACE_SECONDS + 60)
    Session.objects.filter(pk=session.pk).update(started_at=closed_at - timedelta(hours=1), ended_at=closed_at)
    response = api.as_user(world.note_taker).post(url(session, "/entries"), line(closed_at - timedelta(seconds=30)))
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "accepts no more entries" in detail and "Keep the text" in detail
    assert not Entry.objects.filter(text="Queued when the head closed.").exists()


def test_a_capture_time_without_a_time_zone_is_refused_with_an_example(world, session, api):
    payload = line(text="Local time.") | {"captured_at": "2026-03-14T10:02:07"}
    response = api.as_user(world.note_taker).post(url(session, "/entries"), payload)
    assert response.status_code == 400
    assert "time zone" in response.json()["detail"]


def test_a_head_reopens_a_closed_session_with_a_reason_and_lines_are_taken_again(world, session, api):
    api.as_user(world.head).post(url(session, "/close"))
    body = api.post(url(session, "/reopen"), {"reason": "The Severian closing statement was not taken."}).json()
    assert (body["status"], body["ended_at"], body["grace_ends_at"]) == ("in_progress", None, None)
    act = Act.objects.get(negotiation=world.negotiation, kind=Act.Kind.SESSION_REOPENED)
    assert act.text.endswith("The Severian closing statement was not taken.")
    response = api.as_user(world.other_note_taker).post(url(session, "/entries"), line(text="Closing statement."))
    assert response.status_code == 201
    assert response.json()["recorded_late"] is False


def test_a_note_taker_cannot_reopen(world, session, api):
    api.as_user(world.head).post(url(session, "/close"))
    response = api.as_user(world.note_taker).post(url(session, "/reopen"), {"reason": "More to say."})
    assert response.status_code == 403
    assert "head of delegation" in response.json()["detail"]
    session.refresh_from_db()
    assert session.status == Session.Status.CLOSED


def test_reopening_needs_a_reason(world, session, api):
    api.as_user(world.head).post(url(session, "/close"))
    response = api.post(url(session, "/reopen"), {"reason": "  "})
    assert response.status_code == 400
    assert "Say why" in response.json()["detail"]


def test_a_session_in_progress_has_nothing_to_reopen(world, session, api):
    response = api.as_user(world.head).post(url(session, "/reopen"), {"reason": "Why not."})
    assert response.status_code == 409
    assert "not closed" in response.json()["detail"]


def test_a_session_whose_minutes_are_approved_is_not_reopened(world, session, api):
    api.as_user(world.head).post(url(session, "/close"))
    summary_build(summary=Summary.objects.get(session=session))
    api.post(url(session, "/minutes/approve"), minutes_fingerprint(session))
    api.as_user(world.other_head).post(url(session, "/minutes/approve"), minutes_fingerprint(session))
    response = api.post(url(session, "/reopen"), {"reason": "Second thoughts."})
    assert response.status_code == 409
    assert "corrigendum" in response.json()["detail"]
