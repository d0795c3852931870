"""A member of two negotiations cannot pull negotiation Y's lines, points,
formulations, sessions, parties or speakers into negotiation X: forms answer
"no such ... in this negotiation", API paths answer 404, as for an object
that does not exist."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError

from agreements.models import Formulation, Point
from negotiations.models import Membership, Negotiation
from sessions.models import Entry, Participant, Session

pytestmark = pytest.mark.django_db

Y_WORDS = "Fishing grounds north of Vell stay Borealian"
Y_POINT = "Northern fishing grounds"


@pytest.fixture
def two(world, make_user):
    """The Aurelian head and note-taker also sit in negotiation Y, with Borealis."""
    w = world
    y = Negotiation.start(title="Fisheries", parties=[w.aurelia.name, w.borealis.name], by=w.head)
    y.add_member(
        user=w.note_taker, role=Membership.Role.NOTE_TAKER, by=Membership.objects.get(user=w.head, negotiation=y)
    )
    y_session = Session.schedule(negotiation=y, title="Fisheries round 1")
    y_session.start()
    y_member = Membership.objects.get(user=w.note_taker, negotiation=y)
    w.y, w.y_session = y, y_session
    w.y_entry, _ = y_session.record_entry(membership=y_member, client_id=uuid.uuid4(), text=Y_WORDS, kind="proposal")
    w.y_point = Point.open(negotiation=y, title=Y_POINT)
    w.y_formulation = w.y_point.propose(text=Y_WORDS, party=w.borealis, membership=y_member, session=y_session)
    w.y_speaker = Participant.objects.create(negotiation=y, party=w.borealis, name="Oda Vell")
    w.session.start()
    w.point = Point.open(negotiation=w.negotiation, title="Navigation")
    return w


def _no_leak(response) -> str:
    page = response.content.decode()
    assert Y_WORDS not in page
    assert Y_POINT not in page
    return page


def test_the_formulation_form_will_not_prefill_a_line_of_another_negotiation(two, client):
    client.force_login(two.note_taker)
    response = client.get(
        f"/record/sessions/{two.session.public_id}/formulations/new",
        {"entry": str(two.y_entry.public_id)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "No such line in this negotiation" in _no_leak(response)


def test_the_propose_form_refuses_a_line_of_another_negotiation(two, client):
    client.force_login(two.note_taker)
    response = client.post(
        f"/record/sessions/{two.session.public_id}/formulations",
        {
            "entry": str(two.y_entry.public_id),
            "text": "Ships pass.",
            "party": two.aurelia.pk,
            "point": "new",
            "point_title": "T",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "No such line in this negotiation" in _no_leak(response)
    assert not Formulation.objects.filter(point__negotiation=two.negotiation).exists()


def test_the_propose_form_refuses_a_point_of_another_negotiation(two, client):
    client.force_login(two.note_taker)
    response = client.post(
        f"/record/sessions/{two.session.public_id}/formulations",
        {"text": "Ships pass.", "party": two.aurelia.pk, "point": str(two.y_point.public_id)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "No such point in this negotiation" in _no_leak(response)
    assert two.y_point.formulations.count() == 1


def test_the_propose_form_refuses_a_party_of_another_negotiation(two, client):
    client.force_login(two.note_taker)
    response = client.post(
        f"/record/sessions/{two.session.public_id}/formulations",
        {"text": "Ships pass.", "party": two.borealis.pk, "point": str(two.point.public_id)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "No such party in this negotiation" in response.content.decode()
    assert not two.point.formulations.exists()


def test_agreeing_in_x_to_a_formulation_of_y_is_no_such_formulation(two, client):
    client.force_login(two.note_taker)
    response = client.post(
        f"/record/sessions/{two.session.public_id}/formulations/{two.y_formulation.public_id}/agree",
        {"parties": [two.aurelia.pk]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 404
    assert not two.y_formulation.events.exists()


def test_agreeing_for_a_party_of_another_negotiation_is_refused(two, client):
    x_formulation = two.point.propose(text="Ships pass.", party=two.aurelia, membership=two.membership(two.note_taker))
    client.force_login(two.note_taker)
    response = client.post(
        f"/record/sessions/{two.session.public_id}/formulations/{x_formulation.public_id}/agree",
        {"parties": [two.aurelia.pk, two.borealis.pk]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "No such party in this negotiation" in response.content.decode()
    assert not x_formulation.events.exists()


def test_the_api_refuses_a_session_of_another_negotiation_for_a_formulation(two, api):
    response = api.as_user(two.note_taker).post(
        f"/points/{two.point.public_id}/formulations",
        {"text": "Ships pass.", "party": two.aurelia.name, "session": str(two.y_session.public_id)},
    )
    assert response.status_code == 400
    assert not two.point.formulations.exists()


def test_the_api_refuses_a_party_of_another_negotiation(two, api):
    response = api.as_user(two.note_taker).post(
        f"/points/{two.point.public_id}/formulations", {"text": "Ships pass.", "party": two.borealis.name}
    )
    assert response.status_code == 400
    assert not two.point.formulations.exists()


def test_the_api_will_not_name_a_speaker_of_another_negotiation(two, api):
    response = api.as_user(two.note_taker).post(
        f"/sessions/{two.session.public_id}/entries",
        {"client_id": str(uuid.uuid4()), "text": "He spoke.", "speaker": "Oda Vell", "party": two.aurelia.name},
    )
    assert response.status_code == 201
    speaker = Entry.objects.get(public_id=response.json()["id"]).speaker
    assert speaker.negotiation == two.negotiation  # a new participant of X, not Y's Oda Vell
    assert speaker != two.y_speaker


def test_recording_an_entry_refuses_a_speaker_party_or_line_of_another_negotiation(two):
    m = two.membership(two.note_taker)
    with pytest.raises(ValidationError, match="No such speaker"):
        two.session.record_entry(membership=m, client_id=uuid.uuid4(), text="x", speaker=two.y_speaker)
    with pytest.raises(ValidationError, match="No such party"):
        two.session.record_entry(membership=m, client_id=uuid.uuid4(), text="x", party=two.borealis)
    with pytest.raises(ValidationError, match="No such line"):
        two.session.record_entry(membership=m, client_id=uuid.uuid4(), text="x", supersedes=two.y_entry)
    with pytest.raises(ValidationError, match="No such agenda item"):
        two.session.record_entry(
            membership=m, client_id=uuid.uuid4(), text="x", agenda_item=two.y_session.add_agenda_item("Quotas")
        )
    assert not two.session.entries.exists()


def test_a_formulation_cannot_be_saved_with_a_line_or_session_of_another_negotiation(two):
    with pytest.raises(ValidationError, match="No such line"):
        Formulation.objects.create(
            point=two.point,
            text="x",
            party=two.aurelia,
            entry=two.y_entry,
            proposed_by=two.note_taker,
            status="proposed",
        )
    with pytest.raises(ValidationError, match="No such session"):
        Formulation.objects.create(
            point=two.point,
            text="x",
            party=two.aurelia,
            session=two.y_session,
            proposed_by=two.note_taker,
            status="proposed",
        )


def test_api_paths_of_another_negotiation_stay_404_for_a_member_of_only_one(two, api):
    """The other side: the Severian note-taker sits only in X; Y's objects do not exist for them."""
    client = api.as_user(two.other_note_taker)
    assert client.get(f"/formulations/{two.y_formulation.public_id}").status_code == 404
    assert client.get(f"/sessions/{two.y_session.public_id}").status_code == 404
    assert (
        client.post(f"/points/{two.y_point.public_id}/formulations", {"text": "x", "party": "Borealis"}).status_code
        == 404
    )


def test_taking_up_an_agenda_item_of_another_negotiation_is_refused(two, client):
    x_item = two.session.add_agenda_item("Navigation")
    two.session.take_up(x_item)
    y_item = two.y_session.add_agenda_item("Quotas north of Vell")
    client.force_login(two.note_taker)
    response = client.post(
        f"/sessions/{two.session.public_id}/agenda/current", {"item": y_item.pk}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert "No such agenda item in this session" in response.content.decode()
    assert "Quotas north of Vell" not in response.content.decode()
    two.session.refresh_from_db()
    assert two.session.current_agenda_item == x_item  # not silently cleared


def test_marking_attendance_of_a_participant_of_another_negotiation_is_refused(two, client):
    client.force_login(two.note_taker)
    response = client.post(
        f"/sessions/{two.session.public_id}/attendance",
        {"participant": str(two.y_speaker.public_id), "present": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "No such participant in this negotiation" in response.content.decode()
    assert not two.session.attendance.exists()


def test_adding_a_participant_of_a_party_of_another_negotiation_is_refused(two, client):
    client.force_login(two.note_taker)
    response = client.post(
        f"/sessions/{two.session.public_id}/participants",
        {"name": "Ivo Brand", "party": two.borealis.pk, "function": "member"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert "No such party in this negotiation" in response.content.decode()
    assert not two.negotiation.participants.filter(name="Ivo Brand").exists()
