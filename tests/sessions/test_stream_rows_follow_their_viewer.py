"""A console stream's rows are in its own member's language and time zone, even when the session's
feed renders each row once for all the streams that show it the same way."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from asgiref.testing import ApplicationCommunicator

from tests.conftest import asgi_get
from tests.scene import build_scene
from tests.sessions.test_held_streams_memory import close_streams

pytestmark = pytest.mark.django_db(transaction=True)


def time_in(zone: str, moment) -> str:
    return f'<span class="time">{moment.astimezone(ZoneInfo(zone)):%H:%M}</span>'


def test_two_consoles_in_two_languages_and_zones_each_get_their_rows_in_their_own(world, client):
    scene = build_scene(world)
    client.force_login(scene.note_taker)
    session_cookie = f"sessionid={client.cookies['sessionid'].value}"
    path = f"/sessions/{scene.session.public_id}/stream"
    french = {"Cookie": f"{session_cookie}; verbatim_language=fr; verbatim_tz=Asia/Tokyo"}
    english = {"Cookie": f"{session_cookie}; verbatim_language=en; verbatim_tz=America/New_York"}
    note_taker = scene.membership(scene.note_taker)

    async def open_stream(headers: dict[str, str]) -> ApplicationCommunicator:
        from config.asgi import application

        stream = ApplicationCommunicator(application, asgi_get(path, headers))
        await stream.send_input({"type": "http.request", "body": b"", "more_body": False})
        assert (await stream.receive_output(10))["status"] == 200
        return stream

    async def rows_until(stream: ApplicationCommunicator, marker: bytes) -> str:
        received = b""
        while marker not in received:
            received += (await stream.receive_output(10))["body"]
        return received.decode()

    async def both() -> tuple[str, str, str, str]:
        first = await open_stream(french)  # the feed renders the shared rows for this one first
        french_replay = await rows_until(first, b"Aurelian eyes only.")
        second = await open_stream(english)
        english_replay = await rows_until(second, b"Aurelian eyes only.")
        await sync_to_async(scene.session.record_entry)(
            membership=note_taker, client_id=uuid.uuid4(), text="A line while both watch."
        )
        french_live = await rows_until(first, b"A line while both watch.")
        english_live = await rows_until(second, b"A line while both watch.")
        await close_streams([first, second])
        return french_replay, english_replay, french_live, english_live

    french_replay, english_replay, french_live, english_live = async_to_sync(both)()
    for rows in (french_replay, french_live):
        assert "compte rendu commun n°" in rows and "shared record no." not in rows
    for rows in (english_replay, english_live):
        assert "shared record no." in rows and "compte rendu commun n°" not in rows
    assert time_in("Asia/Tokyo", scene.entry.created_at) in french_replay
    assert time_in("America/New_York", scene.entry.created_at) in english_replay
