"""Usernames and full names chosen outside the sign-up page (an invitation link followed through the API,
records staff's page and API) obey the same rules as the page's: a username of letters, digits and @ . + - _
only (no space, slash, invisible or bidi character to pass for someone else), a full name the record can carry."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tests.setup.test_invitation_links import STRONG, link_for

pytestmark = pytest.mark.django_db

LOOKALIKES = ["head\u200b", "he ad", "head/x", "\u202edaeh", "head\u0007"]


@pytest.mark.parametrize("username", LOOKALIKES)
def test_a_link_followed_through_the_api_refuses_a_username_the_sign_up_page_refuses(client, world, api, username):
    path = link_for(client, world)
    response = api.as_user(None).post("/invitations/accept", {"link": path, "username": username, "password": STRONG})
    assert response.status_code == 400, response.content
    assert not get_user_model().objects.filter(username=username).exists()
    # the link was not spent on the refused name
    ok = api.post("/invitations/accept", {"link": path, "username": "newcomer", "password": STRONG})
    assert ok.status_code == 201, ok.content


@pytest.mark.parametrize("username", LOOKALIKES)
def test_records_staff_cannot_create_a_username_the_sign_up_page_refuses(client, world, api, username):
    response = api.as_user(world.staff).post("/users", {"username": username, "password": STRONG})
    assert response.status_code == 400, response.content
    client.force_login(world.staff)
    page = client.post("/people/users", {"username": username, "password": STRONG})
    assert page.status_code == 400
    assert not get_user_model().objects.filter(username=username).exists()


def test_records_staff_page_refuses_a_full_name_with_a_control_character_as_the_api_does(client, world, api):
    client.force_login(world.staff)
    page = client.post("/people/users", {"username": "ana", "full_name": "Ana\u001bLima", "password": STRONG})
    assert page.status_code == 400
    assert "U+001B" in page.content.decode()
    assert not get_user_model().objects.filter(username="ana").exists()
    response = api.as_user(world.staff).post(
        "/users", {"username": "ana", "full_name": "Ana\u001bLima", "password": STRONG}
    )
    assert response.status_code == 400
