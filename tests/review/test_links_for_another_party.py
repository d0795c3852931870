"""A link for another party's head founds that party's delegation. It never puts a stranger into a
delegation that already has members: delegations belong to no single negotiation, so a head of one party
could otherwise slip a person of their choosing into the other party's team (who could then open
negotiations in that party's name)."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from negotiations.models import Delegation, DelegationMember, Invitation, Membership, Negotiation
from tests.setup.test_invitation_links import accept, link_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def borealian_talks(world):
    """The Aurelians open talks with Borealis, whose delegation (with the outsider in it) takes no part yet."""
    world.negotiation = Negotiation.start(
        title="Northern talks", parties=[world.aurelia.name, world.borealis.name], by=world.head
    )
    return world


def test_no_link_is_made_for_a_party_whose_delegation_has_members(client, borealian_talks, api):
    world = borealian_talks
    client.force_login(world.head)
    page = client.post(
        f"/negotiations/{world.negotiation.public_id}/people/links",
        {"role": "head", "party": world.borealis.pk},
    )
    assert page.status_code == 400
    assert "add its head by their username" in page.content.decode()
    response = api.as_user(world.head).post(
        f"/negotiations/{world.negotiation.public_id}/invitations", {"role": "head", "party": world.borealis.name}
    )
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_a_link_for_an_empty_delegation_stops_once_that_delegation_has_members(client, world):
    ostria_talks = Negotiation.start(title="Ostrian talks", parties=[world.aurelia.name, "Ostria"], by=world.head)
    world.negotiation = ostria_talks
    ostria = ostria_talks.parties.get(name="Ostria")
    path = link_for(client, world, role="head", party=ostria)
    delegation = Delegation.objects.get(party=ostria)
    delegation.add_member(get_user_model().objects.create_user("ostrian_minister"))  # records staff place someone
    assert accept(client, path, username="stranger").status_code == 410
    assert not get_user_model().objects.filter(username="stranger").exists()
    assert list(DelegationMember.objects.filter(delegation=delegation).values_list("user__username", flat=True)) == [
        "ostrian_minister"
    ]
    assert not Membership.objects.filter(negotiation=ostria_talks, delegation=delegation).exists()


def test_two_head_links_for_one_party_accepted_at_once_found_its_delegation_once(transactional_db, world):
    from django.test import Client

    world.negotiation = Negotiation.start(title="Ostrian talks", parties=[world.aurelia.name, "Ostria"], by=world.head)
    ostria = world.negotiation.parties.get(name="Ostria")
    head_m = world.membership(world.head)
    raws = [
        Invitation.issue(negotiation=world.negotiation, by=head_m, role=Membership.Role.HEAD, party=ostria)[1]
        for _ in range(2)
    ]
    results = []
    barrier = threading.Barrier(2)

    def take(raw, name):
        client = Client()
        barrier.wait()
        results.append(accept(client, f"/invitations/{raw}", username=name).status_code)
        connection.close()

    threads = [threading.Thread(target=take, args=args) for args in zip(raws, ["first", "second"], strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [302, 410]
    assert DelegationMember.objects.filter(delegation__party=ostria).count() == 1
    assert Membership.objects.filter(negotiation=world.negotiation, delegation__party=ostria).count() == 1
