"""An invitation link's secret, once opened, is in no further address: not in the page (its language
switcher's return address), not in a Referer (its address has none), not in the log line of a refused form."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import get_user_model

from negotiations.models import Membership
from tests.setup.test_invitation_links import STRONG, link_for

pytestmark = pytest.mark.django_db


def test_opening_a_link_moves_its_secret_out_of_the_address_and_the_page(client, world):
    path = link_for(client, world)
    secret = path.rsplit("/", 1)[1]
    opened = client.get(path)
    assert opened.status_code == 302 and opened.url == "/invitations/open"
    page = client.get(opened.url)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"  # (no-referrer would make browsers send Origin: null, failing CSRF)
    body = page.content.decode()
    assert "Aurelian delegation" in body
    assert secret not in body


def test_a_refused_form_on_an_open_link_logs_no_secret_and_the_link_still_works(client, world, caplog):
    path = link_for(client, world)
    secret = path.rsplit("/", 1)[1]
    client.get(path)
    caplog.set_level(logging.INFO)
    refused = client.post("/invitations/open", {"username": "newcomer", "password1": STRONG, "password2": "other"})
    assert refused.status_code == 400
    assert caplog.records, "a 400 is logged"
    assert not any(secret in record.getMessage() for record in caplog.records)
    joined = client.post("/invitations/open", {"username": "newcomer", "password1": STRONG, "password2": STRONG})
    assert joined.status_code == 302 and joined.url == world.negotiation.get_absolute_url()
    user = get_user_model().objects.get(username="newcomer")
    assert Membership.objects.get(user=user, negotiation=world.negotiation).role == Membership.Role.NOTE_TAKER


def test_the_opened_page_without_a_link_of_ones_own_is_the_unusable_page(client, world):
    path = link_for(client, world)
    client.get(path)
    stranger = client.__class__()
    assert stranger.get("/invitations/open").status_code == 410
    response = stranger.post("/invitations/open", {"username": "x1", "password1": STRONG, "password2": STRONG})
    assert response.status_code == 410
    assert not get_user_model().objects.filter(username="x1").exists()


def test_after_joining_the_session_keeps_no_secret(client, world):
    path = link_for(client, world)
    client.get(path)
    client.post("/invitations/open", {"username": "newcomer", "password1": STRONG, "password2": STRONG})
    assert "invitation_secret" not in client.session
    assert client.get("/invitations/open").status_code == 410
