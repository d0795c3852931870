"""Stopping cleanly: SIGTERM to a uvicorn process with 100 open API streams
ends every stream at once with a retry hint, and the process exits within
seconds. Each reader reconnects to a second process with its Last-Event-ID
and receives each later entry exactly once."""

from __future__ import annotations

import json
import signal
import time
import urllib.request
import uuid

import pytest

from negotiations.models import ApiToken
from tests.sse import open_stream

pytestmark = pytest.mark.django_db(transaction=True)

STREAMS = 100


def write(server, session, token: str, text: str) -> None:
    request = urllib.request.Request(
        f"{server.url}/api/v1/sessions/{session.public_id}/entries",
        data=json.dumps({"client_id": str(uuid.uuid4()), "text": text}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201


def rest_of_stream(stream, timeout: float) -> list[str]:
    """Every line until the server ends the stream."""
    lines: list[str] = []
    stream.response.fp.raw._sock.settimeout(timeout)
    while line := stream.response.fp.readline():
        lines.append(line.decode().rstrip("\n"))
    return lines


def test_sigterm_ends_open_streams_with_a_retry_hint_and_readers_resume_once_elsewhere(world, start_asgi_server):
    first, second = start_asgi_server(), start_asgi_server()
    token = ApiToken.issue(world.head)
    path = f"/api/v1/sessions/{world.session.public_id}/events"
    streams = [open_stream(first.url, path, {"Authorization": f"Bearer {token}"}) for _ in range(STREAMS)]
    assert {stream.status for stream in streams} == {200}
    write(first, world.session, token, "Before the stop.")
    last_ids = [stream.next_events("entry", 1)[0].id for stream in streams]

    started = time.monotonic()
    first.process.send_signal(signal.SIGTERM)
    endings = [rest_of_stream(stream, timeout=10) for stream in streams]
    ended_in = time.monotonic() - started
    first.process.wait(timeout=10)
    exited_in = time.monotonic() - started
    first.process = None
    print(f"{STREAMS} streams ended in {ended_in:.2f} s; the process exited in {exited_in:.2f} s")
    assert exited_in < 10
    for ending in endings:
        assert any(line.startswith("retry: ") for line in ending), ending
    for stream in streams:
        stream.close()

    resumed = [
        open_stream(second.url, path, {"Authorization": f"Bearer {token}", "Last-Event-ID": last_id})
        for last_id in last_ids
    ]
    later = ["After the stop, one.", "After the stop, two.", "After the stop, three."]
    for text in later:
        write(second, world.session, token, text)
    for stream in resumed:
        events = stream.next_events("entry", len(later))
        assert [event.json()["text"] for event in events] == later
        assert len({event.id for event in events}) == len(later)
    for stream in resumed:
        stream.nothing_more("entry", wait=0.05)
        stream.close()
