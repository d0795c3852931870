"""Open streams hold no database connection between wake-ups, membership
re-checks included: a real uvicorn process with a pool smaller than the
number of its open streams keeps answering writes, and its connections to
PostgreSQL never exceed the pool. A member whose account is deactivated
loses their open streams at the next re-check.

The servers here re-check every second (VERBATIM_STREAM_RECHECK_SECONDS=1)
so that several re-checks happen within a few seconds."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid

import pytest
from django.db import connection

from negotiations.models import ApiToken
from tests.conftest import url_of_test_database
from tests.scene import build_scene
from tests.sse import open_stream

pytestmark = pytest.mark.django_db(transaction=True)

POOL_SIZE = 3
STREAMS = 8
RECHECK_SECONDS = 1


@pytest.fixture
def scene(world):
    return build_scene(world)


def server_connections(application_name: str) -> int:
    """How many connections the server process has open to the test database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
            [application_name],
        )
        return cursor.fetchone()[0]


def start_server(start_asgi_server, application_name: str, query: str = f"?pool_size={POOL_SIZE}"):
    separator = "&" if query else "?"
    return start_asgi_server(
        DATABASE_URL=url_of_test_database(f"{query}{separator}application_name={application_name}"),
        VERBATIM_STREAM_RECHECK_SECONDS=str(RECHECK_SECONDS),
    )


def api_stream(server, scene, token: str):
    return open_stream(
        server.url, f"/api/v1/sessions/{scene.session.public_id}/events", {"Authorization": f"Bearer {token}"}
    )


def post_entry(server, scene, token: str, text: str) -> tuple[int, float]:
    """POST an entry through the API; its status and how long it took. A
    server that cannot get a connection answers late or not at all: give up
    after 5 s (its pool would make it wait 30 s)."""
    request = urllib.request.Request(
        f"{server.url}/api/v1/sessions/{scene.session.public_id}/entries",
        data=json.dumps({"client_id": str(uuid.uuid4()), "text": text}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, time.monotonic() - started
    except TimeoutError:
        return 0, time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, time.monotonic() - started


def watch_connections(application_name: str, seconds: float) -> list[int]:
    samples = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        samples.append(server_connections(application_name))
        time.sleep(0.1)
    return samples


def stream_ends(stream, within: float) -> bool:
    """Whether the response body ends (its last, empty chunk arrives) in time.
    The SSE reader reads the raw socket, so it sees the chunk framing."""
    deadline = time.monotonic() + within
    while (remaining := deadline - time.monotonic()) > 0:
        stream.response.fp.raw._sock.settimeout(remaining)
        try:
            line = stream.response.fp.readline()
        except TimeoutError:
            return False
        if line in (b"", b"0\r\n"):
            return True
    return False


def test_more_open_streams_than_pooled_connections_leave_writes_prompt_and_connections_within_the_pool(
    start_asgi_server, scene
):
    name = f"verbatim-streams-{uuid.uuid4().hex[:8]}"
    server = start_server(start_asgi_server, name)
    reader_token = ApiToken.issue(scene.other_note_taker)
    writer_token = ApiToken.issue(scene.note_taker)
    streams = [api_stream(server, scene, reader_token) for _ in range(STREAMS)]
    for stream in streams:
        assert stream.status == 200
        assert len(stream.next_events("entry", 2)) == 2  # the replay: the shared entry and Severia's internal one

    # Every stream re-checks its membership several times while idle.
    samples = watch_connections(name, 3.5 * RECHECK_SECONDS)

    timings = []
    for n in range(3):
        status, took = post_entry(server, scene, writer_token, f"Written past the re-checks {n}.")
        assert status == 201, f"write {n} answered {status or 'nothing'} after {took:.1f} s"
        timings.append(took)
    assert max(timings) < 2.0, timings
    for stream in streams:
        texts = [e.json()["text"] for e in stream.next_events("entry", 3)]
        assert texts == [f"Written past the re-checks {n}." for n in range(3)]

    samples += watch_connections(name, 2.5 * RECHECK_SECONDS)
    assert max(samples) <= POOL_SIZE, samples
    for stream in streams:
        stream.close()


def test_idle_streams_hold_no_connection_between_re_checks_without_a_pool(start_asgi_server, scene):
    """Without a pool every held connection is a real one: between re-checks
    the server has none open, however many streams it serves."""
    name = f"verbatim-streams-{uuid.uuid4().hex[:8]}"
    server = start_server(start_asgi_server, name, query="")
    token = ApiToken.issue(scene.other_note_taker)
    streams = [api_stream(server, scene, token) for _ in range(STREAMS)]
    for stream in streams:
        assert stream.next_events("entry", 2)
    time.sleep(1.5 * RECHECK_SECONDS)  # every stream has re-checked at least once
    samples = watch_connections(name, 2.5 * RECHECK_SECONDS)
    # A re-check holds its connection for a few milliseconds: most samples see none. Streams that
    # kept theirs would show as STREAMS connections in every sample.
    assert min(samples) == 0, samples
    for stream in streams:
        stream.close()


def test_a_deactivated_members_open_api_stream_ends_within_a_few_seconds(start_asgi_server, scene):
    server = start_server(start_asgi_server, f"verbatim-streams-{uuid.uuid4().hex[:8]}")
    stream = api_stream(server, scene, ApiToken.issue(scene.other_note_taker))
    assert stream.status == 200
    stream.next_events("entry", 2)
    scene.other_note_taker.is_active = False
    scene.other_note_taker.save(update_fields=["is_active"])
    started = time.monotonic()
    (gone,) = stream.next_events("gone", 1, timeout=3 * RECHECK_SECONDS + 2)
    assert "no longer" in gone.data
    assert stream_ends(stream, within=2.0)
    assert time.monotonic() - started < 3 * RECHECK_SECONDS + 2
    stream.close()
