"""The console acts on talks under way: taking up or adding an agenda item there starts a scheduled session,
as its first line does. The agenda ahead of a session is the heads' to prepare on the agenda page; a
note-taker's console does not change it while it is still only scheduled."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sessions.models import Session, SessionClosed

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def prepared(world):
    world.session.prepare_agenda_item("Opening")
    world.session.prepare_agenda_item("Fisheries")
    assert world.session.status == Session.Status.SCHEDULED
    return world


def test_taking_up_the_first_item_in_the_console_starts_the_scheduled_session(prepared, client):
    client.force_login(prepared.note_taker)
    opening = prepared.session.agenda_items.get(title="Opening")
    response = client.post(f"/sessions/{prepared.session.public_id}/agenda/current", {"item": opening.pk}, headers=HTMX)
    assert response.status_code == 200
    prepared.session.refresh_from_db()
    assert prepared.session.status == Session.Status.IN_PROGRESS and prepared.session.started_at is not None
    assert prepared.session.current_agenda_item == opening


def test_an_item_added_in_the_console_starts_the_session_so_the_agenda_ahead_no_longer_changes(prepared, client):
    client.force_login(prepared.note_taker)
    response = client.post(
        f"/sessions/{prepared.session.public_id}/agenda", {"title": "Any other business"}, headers=HTMX
    )
    assert response.status_code == 200
    prepared.session.refresh_from_db()
    assert prepared.session.status == Session.Status.IN_PROGRESS
    with pytest.raises(SessionClosed, match="has started"):
        prepared.session.prepare_agenda_item("Borders")
    assert [i.title for i in prepared.session.agenda_items.order_by("position")] == [
        "Opening",
        "Fisheries",
        "Any other business",
    ]


def test_an_item_refused_in_the_console_leaves_the_session_scheduled(prepared, client):
    client.force_login(prepared.note_taker)
    response = client.post(f"/sessions/{prepared.session.public_id}/agenda", {"title": "   "}, headers=HTMX)
    assert response.status_code == 400
    prepared.session.refresh_from_db()
    assert prepared.session.status == Session.Status.SCHEDULED
    with pytest.raises(ValidationError):
        prepared.session.add_agenda_item("")
    assert Session.objects.get(pk=prepared.session.pk).status == Session.Status.SCHEDULED
