"""Words belong to whoever recorded them, through the API: another
delegation's correction is a differing reading beside the original, which
stays, until the recording delegation accepts it."""

from __future__ import annotations

import uuid

import pytest

from sessions.models import Entry, Participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def statement(world):
    """amara's statement as the Aurelian note-taker recorded it."""
    world.session.start()
    amara = Participant.objects.create(negotiation=world.negotiation, party=world.aurelia, name="Amara Osei")
    entry, _ = world.session.record_entry(
        membership=world.membership(world.note_taker),
        client_id=uuid.uuid4(),
        text="Aurelia will not accept any fishing quota.",
        kind="statement",
        speaker=amara,
    )
    return entry


def correct(api, entry, text: str):
    return api.post(f"/entries/{entry.public_id}/corrections", {"client_id": str(uuid.uuid4()), "text": text})


def accept(api, reading_id, client_id: str | None = None):
    return api.post(f"/entries/{reading_id}/accept", {"client_id": client_id or str(uuid.uuid4())})


def listed(api, world) -> list[dict]:
    return api.get(f"/sessions/{world.session.public_id}/entries").json()["entries"]


def test_the_other_delegations_correction_is_a_reading_beside_the_original(world, statement, api):
    response = correct(api.as_user(world.other_note_taker), statement, "Aurelia will accept any fishing quota.")
    assert response.status_code == 201
    reading = response.json()
    assert reading["disputes"] == str(statement.public_id)
    assert (reading["supersedes"], reading["accepts"]) == (None, None)
    assert (reading["delegation"], reading["author"]) == (world.severian.name, "other_note_taker")
    assert (reading["speaker"], reading["kind"]) == ("Amara Osei", "statement")
    statement.refresh_from_db()
    assert statement.text == "Aurelia will not accept any fishing quota."
    entries = api.as_user(world.head).get(f"/sessions/{world.session.public_id}/entries").json()["entries"]
    assert [(e["text"], e["disputes"]) for e in entries] == [
        ("Aurelia will not accept any fishing quota.", None),
        ("Aurelia will accept any fishing quota.", str(statement.public_id)),
    ]
    assert not Entry.objects.filter(supersedes=statement).exists()


def test_the_recording_delegation_accepts_a_reading_and_it_supersedes_the_original(world, statement, api):
    reading = correct(api.as_user(world.other_note_taker), statement, "Aurelia will accept a joint quota.").json()
    client_id = str(uuid.uuid4())
    accepted = accept(api.as_user(world.note_taker), reading["id"], client_id)
    assert accepted.status_code == 201
    body = accepted.json()
    assert body["supersedes"] == str(statement.public_id)
    assert body["accepts"] == reading["id"]
    assert (body["text"], body["delegation"]) == ("Aurelia will accept a joint quota.", world.aurelian.name)
    # A retry of the same acceptance answers with the same entry.
    again = accept(api, reading["id"], client_id)
    assert (again.status_code, again.json()["id"]) == (200, body["id"])
    # Nothing left the record: the original, the reading and the acceptance are all listed.
    assert [e["text"] for e in listed(api, world)] == [
        "Aurelia will not accept any fishing quota.",
        "Aurelia will accept a joint quota.",
        "Aurelia will accept a joint quota.",
    ]


def test_an_accepted_reading_supersedes_the_entry_as_it_now_reads(world, statement, api):
    own = correct(api.as_user(world.head), statement, "Aurelia will not accept any fishing quota now.").json()
    reading = correct(api.as_user(world.other_head), statement, "Aurelia may accept a quota.").json()
    body = accept(api.as_user(world.note_taker), reading["id"]).json()
    assert body["supersedes"] == own["id"]


def test_the_disputing_delegation_cannot_accept_its_own_reading(world, statement, api):
    reading = correct(api.as_user(world.other_note_taker), statement, "Aurelia will accept any fishing quota.").json()
    for user in (world.other_note_taker, world.other_head):
        response = accept(api.as_user(user), reading["id"])
        assert response.status_code == 403
        assert "Only Aurelian delegation, who recorded the entry" in response.json()["detail"]
    assert not Entry.objects.filter(accepts__public_id=reading["id"]).exists()


def test_a_reviewer_cannot_accept_a_reading(world, statement, api):
    reading = correct(api.as_user(world.other_note_taker), statement, "Aurelia will accept any fishing quota.").json()
    response = accept(api.as_user(world.reviewer), reading["id"])
    assert response.status_code == 403


def test_an_entry_that_is_no_reading_has_nothing_to_accept(world, statement, api):
    response = accept(api.as_user(world.note_taker), statement.public_id)
    assert response.status_code == 400
    assert "nothing to accept" in response.json()["detail"]


def test_a_reading_is_accepted_once(world, statement, api):
    reading = correct(api.as_user(world.other_note_taker), statement, "Aurelia will accept any fishing quota.").json()
    assert accept(api.as_user(world.note_taker), reading["id"]).status_code == 201
    second = accept(api.as_user(world.head), reading["id"])
    assert second.status_code == 400
    assert "already accepted" in second.json()["detail"]
    assert Entry.objects.filter(accepts__public_id=reading["id"]).count() == 1
