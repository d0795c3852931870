"""The time zone cookie is the browser's word: anything but a zone name zoneinfo knows is ignored."""

from __future__ import annotations

import pytest

from accounts.viewer import TIME_ZONE_COOKIE


@pytest.mark.django_db
def test_a_garbage_time_zone_cookie_shows_pages_in_the_servers_zone(client, world):
    client.force_login(world.head)
    client.cookies[TIME_ZONE_COOKIE] = "Europe/Paris; injected=1\r\nX: y"
    response = client.get(world.negotiation.get_absolute_url())
    assert response.status_code == 200
    assert response.wsgi_request.viewer_time_zone == "UTC"
