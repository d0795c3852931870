"""Who adds whom: a head adds and changes only their own delegation's
members; another party's delegation is invited only by adding its head, and
from then on only that delegation's own heads manage it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from negotiations.models import Delegation, Membership, Negotiation, Party

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh(world, make_user):
    """A new bilateral negotiation of the Aurelians with Borealis, whose
    delegation does not take part yet."""
    negotiation = Negotiation.start(
        title="Northern talks", parties=[world.aurelia.name, world.borealis.name], by=world.head
    )
    world.fresh = negotiation
    world.boreal_head = make_user("boreal_head", delegation=world.borealian)
    world.boreal_scribe = make_user("boreal_scribe", delegation=world.borealian)
    world.fresh_head = Membership.objects.get(negotiation=negotiation, user=world.head)
    return world


def test_another_delegations_first_member_cannot_join_as_a_mere_reviewer(fresh, api):
    response = api.as_user(fresh.head).post(
        f"/negotiations/{fresh.fresh.public_id}/members", {"username": "boreal_head", "role": "reviewer"}
    )
    assert (response.status_code, response.json()["detail"]) == (400, Negotiation.CANNOT_ADD)
    assert not fresh.fresh.memberships.filter(user=fresh.boreal_head).exists()


def test_the_refusal_of_a_non_head_invitation_reads_like_a_name_nobody_has(fresh, api):
    api.as_user(fresh.head)
    url = f"/negotiations/{fresh.fresh.public_id}/members"
    as_note_taker = api.post(url, {"username": "boreal_head", "role": "note_taker"})
    unknown = api.post(url, {"username": "nobody-at-all", "role": "note_taker"})
    assert (as_note_taker.status_code, as_note_taker.content) == (unknown.status_code, unknown.content)


def test_the_other_party_joins_by_its_head_who_then_adds_its_own_members(fresh, api):
    url = f"/negotiations/{fresh.fresh.public_id}/members"
    invited = api.as_user(fresh.head).post(url, {"username": "boreal_head", "role": "head"})
    assert invited.status_code == 201
    refused = api.as_user(fresh.head).post(url, {"username": "boreal_scribe", "role": "head"})
    assert (refused.status_code, refused.json()["detail"]) == (400, Negotiation.CANNOT_ADD)
    added = api.as_user(fresh.boreal_head).post(url, {"username": "boreal_scribe", "role": "note_taker"})
    assert added.status_code == 201
    assert added.json()["role"] == "note_taker"


def test_a_head_cannot_change_the_role_of_the_other_partys_head(world, api):
    response = api.as_user(world.head).post(
        f"/negotiations/{world.negotiation.public_id}/members", {"username": "other_head", "role": "reviewer"}
    )
    assert response.status_code == 400
    assert world.membership(world.other_head).role == Membership.Role.HEAD


def test_a_head_changes_the_role_of_a_member_of_their_own_delegation(world, api):
    response = api.as_user(world.head).post(
        f"/negotiations/{world.negotiation.public_id}/members", {"username": "reviewer", "role": "note_taker"}
    )
    assert response.status_code == 201
    assert world.membership(world.reviewer).role == Membership.Role.NOTE_TAKER


def test_the_only_head_of_a_delegation_cannot_step_down_or_be_removed(world):
    head = world.membership(world.head)
    with pytest.raises(ValidationError, match="only head"):
        world.negotiation.add_member(user=world.head, role=Membership.Role.REVIEWER, by=head)
    with pytest.raises(ValidationError, match="only head"):
        world.negotiation.remove_member(membership=head, by=head)
    assert world.membership(world.head).is_head


def test_a_head_removes_only_members_of_their_own_delegation(world):
    head = world.membership(world.head)
    with pytest.raises(ValidationError, match="No member of your delegation"):
        world.negotiation.remove_member(membership=world.membership(world.other_note_taker), by=head)
    world.negotiation.remove_member(membership=world.membership(world.note_taker), by=head)
    assert not world.negotiation.memberships.filter(user=world.note_taker).exists()
    assert world.negotiation.memberships.filter(user=world.other_note_taker).exists()


def test_a_party_outside_the_negotiation_cannot_be_brought_in_even_as_head(world, make_user):
    other = Delegation.objects.create(name="Ostrian delegation", party=Party.objects.create(name="Ostria"))
    ostrian = make_user("ostrian", delegation=other)
    with pytest.raises(ValidationError) as refused:
        world.negotiation.add_member(user=ostrian, role=Membership.Role.HEAD, by=world.membership(world.head))
    assert refused.value.messages == [str(Negotiation.CANNOT_ADD)]
