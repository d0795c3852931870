"""Staff manage people in /admin/, but cannot close, reopen or approve for
the parties, nor change what a closed session holds."""

from __future__ import annotations

import uuid

import pytest

from sessions.models import Act, Participant, Session
from sessions.services import session_close

pytestmark = pytest.mark.django_db


def test_staff_cannot_change_a_sessions_status_in_the_admin(world, client):
    world.session.record_entry(membership=world.membership(world.note_taker), client_id=uuid.uuid4(), text="Opening.")
    client.force_login(world.staff)
    world.staff.is_superuser = True
    world.staff.save()
    url = f"/admin/negotiation_sessions/session/{world.session.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    client.post(
        url,
        {
            "negotiation": world.negotiation.pk,
            "title": "Opening round",
            "place": "Port Calder",
            "status": Session.Status.CLOSED,
            "agenda_items-TOTAL_FORMS": 0,
            "agenda_items-INITIAL_FORMS": 0,
            "attendance-TOTAL_FORMS": 0,
            "attendance-INITIAL_FORMS": 0,
        },
    )
    world.session.refresh_from_db()
    assert world.session.status == Session.Status.IN_PROGRESS
    assert not Act.objects.filter(kind=Act.Kind.SESSION_CLOSED).exists()


def test_a_closed_sessions_attendance_cannot_be_edited_in_the_admin(world, client):
    person = Participant.objects.create(negotiation=world.negotiation, party=world.aurelia, name="Amara Lind")
    world.session.set_attendance(person, True)
    session_close(session=world.session, by=world.membership(world.head))
    world.staff.is_superuser = True
    world.staff.save()
    client.force_login(world.staff)
    page = client.get(f"/admin/negotiation_sessions/session/{world.session.pk}/change/").content.decode()
    assert 'name="attendance-0-DELETE"' not in page
    assert 'name="agenda_items-TOTAL_FORMS"' not in page or 'name="agenda_items-0-title"' not in page
