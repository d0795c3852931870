"""The README's quick start for a head of delegation, sentence by sentence where the journey
(tests/browser/test_setup_journey.py) does not already walk through it."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command

from negotiations.models import Membership, Negotiation

pytestmark = pytest.mark.django_db


def test_the_people_and_delegations_page_is_linked_from_the_negotiations_list_for_staff_only(client, world):
    client.force_login(world.staff)
    assert 'href="/people/"' in client.get("/").content.decode()
    client.force_login(world.head)
    assert 'href="/people/"' not in client.get("/").content.decode()


def test_the_demos_records_user_manages_people_on_the_page(client):
    call_command("seed_demo", stdout=io.StringIO())
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="records"))
    assert client.get("/people/").status_code == 200


def test_a_new_negotiation_is_owned_by_the_heads_delegation(client, world):
    client.force_login(world.head)
    client.post(
        "/negotiations/new",
        {"title": "Owned", "other_parties": "Ostria", "format": "bilateral", "classification": "UNCLASSIFIED"},
    )
    negotiation = Negotiation.objects.get(title="Owned")
    assert negotiation.owner == world.aurelian


def test_a_colleague_with_an_account_is_added_by_username_on_the_people_page(client, world, make_user):
    make_user("petra", delegation=world.aurelian)
    client.force_login(world.head)
    response = client.post(
        f"/negotiations/{world.negotiation.public_id}/people/add", {"username": "petra", "role": "note_taker"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(user__username="petra", negotiation=world.negotiation).role == "note_taker"


def test_links_expire_after_seven_days_unless_configured():
    assert settings.INVITATION_LIFETIME_DAYS == 7
