"""The hot path's statements are written out once (negotiations/rows.py, sessions/statements.py,
``get_for_user``, ``ApiToken.for_secret``): they must answer exactly what the ORM answered, and
refuse exactly what it refused."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from agreements.models import Formulation, Point
from negotiations.access import get_for_user
from negotiations.models import ApiToken, Membership, Negotiation
from sessions import statements
from sessions.models import Entry, Participant, Session
from tests.conftest import new_client_id

pytestmark = pytest.mark.django_db


def field_values(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields}


def objects_of_every_kind(world) -> dict[type, object]:
    """One object of each kind ``get_for_user`` checks, in the world's negotiation."""
    head = world.membership(world.head)
    entry, _ = world.session.record_entry(membership=head, client_id=uuid.uuid4(), text="We open the talks.")
    participant = Participant.objects.create(negotiation=world.negotiation, party=world.aurelia, name="A. Minister")
    point = Point.open(negotiation=world.negotiation, title="Fisheries")
    formulation = point.propose(text="The Parties shall cooperate.", party=world.aurelia, membership=head)
    return {
        Negotiation: world.negotiation,
        Session: world.session,
        Entry: entry,
        Participant: participant,
        Point: point,
        Formulation: formulation,
    }


def test_the_access_check_in_one_statement_answers_what_the_orm_answered_for_every_kind_of_object(world):
    for model, obj in objects_of_every_kind(world).items():
        for user in (world.head, world.note_taker, world.other_head):
            fast, fast_access = get_for_user(user, model, obj.public_id)
            orm, orm_access = get_for_user(user, model, obj.public_id, queryset=model.objects.all())
            assert field_values(fast) == field_values(orm), model
            membership, expected = fast_access.membership, orm_access.membership
            assert field_values(membership) == field_values(expected)
            assert field_values(membership.negotiation) == field_values(expected.negotiation)
            assert field_values(membership.delegation) == field_values(expected.delegation)
            assert field_values(membership.delegation.party) == field_values(expected.delegation.party)
            assert membership.user.pk == user.pk


def test_the_access_check_in_one_statement_is_a_404_for_an_outsider_and_for_an_unknown_id(world):
    for model, obj in objects_of_every_kind(world).items():
        with pytest.raises(Http404):
            get_for_user(world.outsider, model, obj.public_id)
        with pytest.raises(Http404):
            get_for_user(world.head, model, uuid.uuid4())


def test_a_neutral_secretariat_member_gets_a_delegation_without_a_party(secretariat):
    _, access = get_for_user(secretariat.clerk, Session, secretariat.session.public_id)
    assert access.membership.delegation == secretariat.secretariat
    assert access.membership.delegation.party is None
    assert access.membership.role == Membership.Role.HEAD


def test_a_removed_member_is_refused_by_the_access_check_in_one_statement(world):
    head = world.membership(world.head)
    world.negotiation.remove_member(membership=world.membership(world.note_taker), by=head)
    with pytest.raises(Http404):
        get_for_user(world.note_taker, Session, world.session.public_id)


def test_the_token_lookup_in_one_statement_gives_the_token_and_its_user(world):
    raw = ApiToken.issue(world.note_taker, two_factor=True)
    token = ApiToken.for_secret(raw)
    stored = ApiToken.objects.select_related("user").get(digest=ApiToken.hash(raw))
    assert field_values(token) | {"last_used_at": None} == field_values(stored) | {"last_used_at": None}
    assert field_values(token.user) == field_values(stored.user)
    assert token.user.is_verified()


def test_the_session_lock_and_the_lookup_answer_what_the_orm_answered(world):
    head = world.membership(world.head)
    client_id = uuid.uuid4()
    first, _ = world.session.record_entry(membership=head, client_id=client_id, text="First line.")
    last, _ = world.session.record_entry(membership=head, client_id=uuid.uuid4(), text="Second line.")
    with transaction.atomic():
        locked = statements.locked_session(world.session.pk)
        assert field_values(locked) == field_values(Session.objects.get(pk=world.session.pk))
        found = statements.stored_or_last(locked, Entry.RECORD_STREAM, client_id)
        assert sorted(field_values(e)["id"] for e in found) == [first.pk, last.pk]
        assert [field_values(e) for e in found if e.pk == first.pk] == [field_values(Entry.objects.get(pk=first.pk))]
        only_last = statements.stored_or_last(locked, Entry.RECORD_STREAM, uuid.uuid4())
        assert [field_values(e) for e in only_last] == [field_values(Entry.objects.get(pk=last.pk))]
        internal = Entry.stream_for(Entry.Visibility.INTERNAL, head.delegation)
        assert statements.stored_or_last(locked, internal, uuid.uuid4()) == []


def test_the_written_insert_still_checks_every_text_field_before_storing(world):
    head = world.membership(world.head)
    world.session.record_entry(membership=head, client_id=uuid.uuid4(), text="A line.")
    entry = Entry(
        session=world.session,
        seq=99,
        client_id=uuid.uuid4(),
        text="A noncharacter \ufdd0 no document format can carry",  # the record's rules refuse it on every save
        author=world.head,
        delegation=head.delegation,
        created_at=world.session.created_at,
        digest="0" * 64,
    )
    with pytest.raises(ValidationError):
        statements.insert_entry(entry)
    assert not Entry.objects.filter(seq=99).exists()


def test_posting_a_line_through_the_api_takes_seven_statements(world, api, client):
    world.session.start()
    api.as_user(world.note_taker)
    api.post(f"/sessions/{world.session.public_id}/entries", {"client_id": new_client_id(), "text": "Warm-up."})
    with CaptureQueriesContext(connection) as queries:
        answer = api.post(f"/sessions/{world.session.public_id}/entries", {"client_id": new_client_id(), "text": "Hi."})
    assert answer.status_code == 201
    # the token, the session with the membership, BEGIN, the lock, the stored-or-last lookup, INSERT, COMMIT
    assert len(queries.captured_queries) == 7, [q["sql"][:80] for q in queries.captured_queries]
