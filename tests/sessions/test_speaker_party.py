"""What a speaker says is recorded for the speaker's own party: an entry
cannot name a participant of one party as speaking for another."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError

from sessions.models import Entry, Participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def speaker(world):
    world.session.start()
    return Participant.objects.create(negotiation=world.negotiation, party=world.severia, name="Oleg Varn")


def test_an_entry_whose_speaker_is_of_another_party_is_refused_with_a_400(world, api, speaker):
    response = api.as_user(world.note_taker).post(
        f"/sessions/{world.session.public_id}/entries",
        {"client_id": str(uuid.uuid4()), "text": "We agree.", "speaker": "Oleg Varn", "party": world.aurelia.name},
    )
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Oleg Varn is a participant for Severian Federation, so what they say is recorded for Severian Federation, "
        "not Republic of Aurelia. Send the speaker's own party (or none), or choose another speaker."
    )
    assert not Entry.objects.filter(text="We agree.").exists()


def test_the_speakers_own_party_or_none_is_accepted(world, api, speaker):
    api.as_user(world.note_taker)
    url = f"/sessions/{world.session.public_id}/entries"
    same = api.post(
        url, {"client_id": str(uuid.uuid4()), "text": "One.", "speaker": "Oleg Varn", "party": world.severia.name}
    )
    implied = api.post(url, {"client_id": str(uuid.uuid4()), "text": "Two.", "speaker": "Oleg Varn"})
    assert (same.status_code, implied.status_code) == (201, 201)
    assert same.json()["party"] == implied.json()["party"] == world.severia.name


def test_the_model_refuses_the_disagreement_whatever_path_records_it(world, speaker):
    with pytest.raises(ValidationError, match="recorded for Severian Federation"):
        world.session.record_entry(
            membership=world.membership(world.note_taker),
            client_id=uuid.uuid4(),
            text="Said.",
            speaker=speaker,
            party=world.aurelia,
        )
