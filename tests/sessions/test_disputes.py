"""Words belong to whoever recorded them: another delegation's correction is
a differing reading kept beside the original, until the recording
delegation accepts it."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sessions.models import Entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def statement(world):
    entry, _ = world.session.record_entry(
        membership=world.membership(world.head),
        client_id=uuid.uuid4(),
        text="Aurelia will not accept any fishing quota.",
        kind=Entry.Kind.STATEMENT,
    )
    return entry


def test_a_correction_by_the_other_delegation_is_a_dispute_and_the_original_stays(world, statement):
    reading, created = statement.correct(
        membership=world.membership(world.other_note_taker),
        client_id=uuid.uuid4(),
        text="Aurelia will accept any fishing quota.",
    )
    assert created and reading.disputes == statement and reading.supersedes is None
    assert reading.delegation == world.severian and reading.kind == Entry.Kind.STATEMENT
    assert not Entry.objects.filter(supersedes=statement).exists()
    assert Entry.objects.get(pk=statement.pk).text == "Aurelia will not accept any fishing quota."
    assert reading.canonical()["disputes"] == str(statement.public_id)
    assert world.session.broken_links() == []


def test_a_correction_by_the_recording_delegation_still_supersedes(world, statement):
    correction, _ = statement.correct(
        membership=world.membership(world.note_taker), client_id=uuid.uuid4(), text="Aurelia will not accept a quota."
    )
    assert correction.supersedes == statement and correction.disputes is None


def test_the_recording_delegation_accepts_a_reading_and_it_supersedes(world, statement):
    reading, _ = statement.correct(
        membership=world.membership(world.other_note_taker),
        client_id=uuid.uuid4(),
        text="Aurelia will not accept a quota now.",
    )
    accepted, created = reading.accept_reading(membership=world.membership(world.note_taker), client_id=uuid.uuid4())
    assert created and accepted.supersedes == statement and accepted.accepts == reading
    assert accepted.text == reading.text and accepted.delegation == world.aurelian


def test_only_the_recording_delegation_accepts_a_reading(world, statement):
    reading, _ = statement.correct(
        membership=world.membership(world.other_note_taker), client_id=uuid.uuid4(), text="Another reading."
    )
    with pytest.raises(PermissionDenied, match="Aurelian delegation"):
        reading.accept_reading(membership=world.membership(world.other_head), client_id=uuid.uuid4())
    with pytest.raises(ValidationError, match="nothing to accept"):
        statement.accept_reading(membership=world.membership(world.note_taker), client_id=uuid.uuid4())


def test_a_reading_is_accepted_once(world, statement):
    reading, _ = statement.correct(
        membership=world.membership(world.other_note_taker), client_id=uuid.uuid4(), text="Another reading."
    )
    client_id = uuid.uuid4()
    first, _ = reading.accept_reading(membership=world.membership(world.note_taker), client_id=client_id)
    again, created = reading.accept_reading(membership=world.membership(world.note_taker), client_id=client_id)
    assert again == first and not created
    with pytest.raises(ValidationError, match="already accepted"):
        reading.accept_reading(membership=world.membership(world.head), client_id=uuid.uuid4())
