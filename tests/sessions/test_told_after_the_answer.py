"""An API request that changes a session says so once its answer has gone out (sessions/live.py):
the author is answered before the process wakes the session's streams. A console's request, and a
change outside a request (a job, a command), say so at once."""

from __future__ import annotations

import time

import pytest
import redis
from django.conf import settings
from django.core.signals import request_finished, request_started

from sessions.live import CHANNEL_PREFIX, notify

pytestmark = pytest.mark.django_db(transaction=True)  # a line's wake-up is said once its transaction commits


@pytest.fixture
def listening():
    client = redis.Redis.from_url(settings.REDIS_URL)
    pubsub = client.pubsub()
    pubsub.subscribe(f"{CHANNEL_PREFIX}told-after")
    assert pubsub.get_message(timeout=2)["type"] == "subscribe"

    def heard(within: float) -> list[bytes]:
        found, deadline = [], time.monotonic() + within
        while time.monotonic() < deadline:
            message = pubsub.get_message(timeout=0.05)
            if message and message["type"] == "message":
                found.append(message["data"])
        return found

    yield heard
    pubsub.close()
    client.close()


def test_a_change_in_an_api_request_is_said_when_the_request_has_finished(listening):
    request_started.send(sender=None, scope={"type": "http", "path": "/api/v1/sessions/x/entries"})
    try:
        notify("told-after")
        notify("told-after")  # a request that changed the session twice wakes its streams once
        assert listening(0.3) == []
    finally:
        request_finished.send(sender=None)
    assert listening(2) == [b"1"]


def test_a_change_in_a_consoles_request_is_said_at_once(listening):
    request_started.send(sender=None, environ={"PATH_INFO": "/sessions/x/entries"})
    try:
        notify("told-after")
        assert listening(2) == [b"1"]
    finally:
        request_finished.send(sender=None)
    assert listening(0.3) == []


def test_a_change_outside_a_request_is_said_at_once(listening):
    notify("told-after")
    assert listening(2) == [b"1"]


def test_a_line_posted_through_the_api_wakes_its_streams_once_it_is_answered(world, api):
    from tests.conftest import new_client_id

    world.session.start()
    api.as_user(world.note_taker)
    pubsub = redis.Redis.from_url(settings.REDIS_URL).pubsub()
    pubsub.subscribe(f"{CHANNEL_PREFIX}{world.session.public_id}")
    assert pubsub.get_message(timeout=2)["type"] == "subscribe"
    answer = api.post(f"/sessions/{world.session.public_id}/entries", {"client_id": new_client_id(), "text": "Hi."})
    assert answer.status_code == 201
    message = pubsub.get_message(timeout=2)
    pubsub.close()
    assert message is not None and message["type"] == "message"
