"""An open stream costs no thread and no database connection while idle, and
the periodic access re-check of a session's streams asks the database once
for all of them, not once per stream (issue 16)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from django.test import Client

from negotiations.models import ApiToken
from sessions.live import Cursor
from sessions.streams import SessionReader, _refused
from tests.conftest import url_of_test_database
from tests.scene import build_scene
from tests.sessions.test_stream_connections import server_connections
from tests.sse import open_stream

pytestmark = pytest.mark.django_db(transaction=True)

POOL_SIZE = 3


@pytest.fixture
def scene(world):
    return build_scene(world)


def threads_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no thread count")


def open_streams(server, scene, count: int) -> list:
    token = ApiToken.issue(scene.other_note_taker)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(scene.note_taker)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    streams = []
    for n in range(count):
        if n % 4 == 0:  # a console stream, signed in through the browser session
            stream = open_stream(server.url, f"/sessions/{scene.session.public_id}/stream", {"Cookie": cookie})
        else:
            path = f"/api/v1/sessions/{scene.session.public_id}/events"
            stream = open_stream(server.url, path, {"Authorization": f"Bearer {token}"})
        assert stream.status == 200
        streams.append(stream)
    for stream in streams:
        stream.next_events("entry", 2)  # the replay has been sent: the stream is open and idle
    return streams


def test_idle_streams_add_no_thread_and_no_database_connection(start_asgi_server, scene):
    name = f"verbatim-idle-{uuid.uuid4().hex[:8]}"
    server = start_asgi_server(
        DATABASE_URL=url_of_test_database(f"?pool_size={POOL_SIZE}&application_name={name}"),
        VERBATIM_STREAM_RECHECK_SECONDS="1",
    )
    pid = server.process.pid
    first = open_streams(server, scene, 8)
    time.sleep(1.5)  # every stream has re-checked its access at least once
    threads_with_few = threads_of(pid)
    more = open_streams(server, scene, 48)
    time.sleep(1.5)
    threads_with_many = threads_of(pid)
    connections = [server_connections(name) for _ in range(10)]
    # 48 more open streams: the server's threads stay put (each stream used to keep one of its own).
    assert threads_with_many - threads_with_few <= 4, (threads_with_few, threads_with_many)
    assert max(connections) <= POOL_SIZE, connections
    for stream in first + more:
        stream.close()


def reader_for(scene, membership, token_id: int | None) -> SessionReader:
    from sessions.views import render_json

    return SessionReader(
        session_id=scene.session.pk,
        session_key=str(scene.session.public_id),
        membership=membership,
        cursor=Cursor(),
        render=render_json,
        kind="json",
        panels=False,
        resumed=False,
        token_id=token_id,
    )


def test_the_access_re_check_of_forty_api_streams_asks_the_database_twice(scene, django_assert_num_queries):
    membership = scene.membership(scene.other_note_taker)
    tokens = [ApiToken.objects.get(digest=ApiToken.hash(ApiToken.issue(scene.other_note_taker))) for _ in range(40)]
    readers = [reader_for(scene, membership, token.pk) for token in tokens]
    tokens[7].revoke()
    try:
        with django_assert_num_queries(2):  # the memberships, then the tokens
            refused = _refused(readers)
        assert refused == {readers[7]}
    finally:
        for reader in readers:
            reader.close()


def test_the_re_check_refuses_every_stream_of_a_member_moved_to_another_delegation(scene):
    from negotiations.models import Membership

    membership = scene.membership(scene.other_note_taker)
    others = scene.membership(scene.note_taker)
    token = ApiToken.objects.get(digest=ApiToken.hash(ApiToken.issue(scene.other_note_taker)))
    moved = [reader_for(scene, membership, token.pk) for _ in range(3)]
    staying = reader_for(scene, others, None)
    Membership.objects.filter(pk=membership.pk).update(delegation=others.delegation)
    try:
        assert _refused([*moved, staying]) == set(moved)
    finally:
        for reader in [*moved, staying]:
            reader.close()
