"""A head removes a member of their own delegation on the People page: the member's open console and API
streams end within seconds (the servers re-check on their own only every 60 s), and what they recorded stays."""

from __future__ import annotations

import pytest
from django.test import Client

from sessions.models import Entry
from tests.sessions.test_streams_end_when_access_changes import (
    WITHIN,
    api_stream,
    console_stream,
    ends_with_gone,
    live,
    scene,  # noqa: F401 - the fixture
    server,  # noqa: F401 - the fixture
    write,
)

pytestmark = pytest.mark.django_db(transaction=True)


def remove(table, username: str) -> None:
    head = Client()
    head.force_login(table.head)
    response = head.post(f"/negotiations/{table.negotiation.public_id}/people/remove", {"username": username})
    assert response.status_code == 302


def test_removing_a_member_ends_their_console_stream_within_seconds(server, scene, client):  # noqa: F811
    stream = console_stream(server, scene, scene.note_taker, client)
    live(stream, scene)
    remove(scene, "note_taker")
    assert ends_with_gone(stream) < WITHIN
    stream.close()


def test_removing_a_member_ends_their_api_stream_and_keeps_what_they_recorded(server, scene):  # noqa: F811
    line = write(scene, scene.note_taker, "Recorded before the removal.")
    stream = api_stream(server, scene, scene.note_taker)
    live(stream, scene)
    remove(scene, "note_taker")
    assert ends_with_gone(stream) < WITHIN
    stream.close()
    assert Entry.objects.get(pk=line.pk).text == "Recorded before the removal."
