"""Adding a member never tells a head about users they may not add: an
unknown name, an inactive user, someone of another party or outside any
delegation, or someone another delegation manages, all get the same 400."""

from __future__ import annotations

import pytest

from negotiations.models import Membership, Negotiation

pytestmark = pytest.mark.django_db


def test_every_user_a_head_may_not_add_gets_the_same_answer_as_a_name_nobody_has(world, api, make_user, secretariat):
    make_user("new_s", delegation=world.severian)  # another delegation already taking part manages its own
    make_user("lonely")  # in no delegation
    gone = make_user("gone", delegation=world.aurelian)
    gone.is_active = False
    gone.save()
    url = f"/negotiations/{world.negotiation.public_id}/members"
    api.as_user(world.head)
    answers = {
        name: api.post(url, {"username": name, "role": "reviewer"})
        for name in ("nobody-by-this-name", "outsider", "new_s", "lonely", "gone", "other_head", "staff")
    }
    bodies = {name: (r.status_code, r.content) for name, r in answers.items()}
    assert set(bodies.values()) == {(400, answers["outsider"].content)}, bodies
    detail = answers["outsider"].json()["detail"]
    assert detail == Negotiation.CANNOT_ADD
    for revealing in ("Borealian", "Borealis", "Severian", "outsider", "delegation Borealian"):
        assert revealing not in detail
    assert not Membership.objects.filter(user__username__in=["outsider", "new_s", "lonely", "gone"]).exists()


def test_a_user_of_a_neutral_delegation_not_taking_part_gets_the_same_answer(world, api, make_user):
    from negotiations.models import Delegation

    make_user("mediator", delegation=Delegation.objects.create(name="Mediation office", party=None))
    response = api.as_user(world.head).post(
        f"/negotiations/{world.negotiation.public_id}/members", {"username": "mediator", "role": "reviewer"}
    )
    assert (response.status_code, response.json()["detail"]) == (400, Negotiation.CANNOT_ADD)


def test_the_other_delegations_head_still_adds_its_own_and_a_head_invites_a_new_party(world, api, make_user):
    make_user("new_s", delegation=world.severian)
    response = api.as_user(world.other_head).post(
        f"/negotiations/{world.negotiation.public_id}/members", {"username": "new_s", "role": "note_taker"}
    )
    assert response.status_code == 201
    assert response.json() == {"username": "new_s", "delegation": "Severian delegation", "role": "note_taker"}
