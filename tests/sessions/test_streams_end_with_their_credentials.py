"""An open stream lasts no longer than what opened it: the API token (revoked,
or all of them on a password change) or the browser session (signed out,
"Sign out everywhere", timed out). Revocations and sign-outs push a re-check
through Redis, so the stream ends within seconds although the servers here
re-check on their own only every 60 s; a session that merely times out is
noticed at the periodic re-check."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.backends.db import SessionStore

from accounts.middleware import SEEN_AT
from negotiations.models import ApiToken
from tests.scene import build_scene
from tests.sessions.test_streams_end_when_access_changes import WITHIN, ends_with_gone, live
from tests.sse import open_stream

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(world):
    return build_scene(world)


@pytest.fixture
def server(start_asgi_server):
    return start_asgi_server(VERBATIM_STREAM_RECHECK_SECONDS="60")


def api_stream(server, scene, secret):
    return open_stream(
        server.url,
        f"/api/v1/sessions/{scene.session.public_id}/events?after=0.0",
        {"Authorization": f"Bearer {secret}"},
    )


def console_stream(server, scene, client):
    client.force_login(scene.note_taker)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    return open_stream(server.url, f"/sessions/{scene.session.public_id}/stream?cursor=0.0", {"Cookie": cookie})


def test_revoking_the_token_ends_the_api_stream_it_opened_within_seconds(server, scene):
    secret = ApiToken.issue(scene.note_taker)
    stream = api_stream(server, scene, secret)
    live(stream, scene)
    ApiToken.objects.get(digest=ApiToken.hash(secret)).revoke()
    assert ends_with_gone(stream) < WITHIN
    stream.close()


def test_revoking_another_token_of_the_same_member_leaves_the_stream_open(server, scene):
    stream = api_stream(server, scene, ApiToken.issue(scene.note_taker))
    live(stream, scene)
    other = ApiToken.issue(scene.note_taker)
    ApiToken.objects.get(digest=ApiToken.hash(other)).revoke()
    time.sleep(1.0)  # the revocation's re-check has run by now
    live(stream, scene)  # fails with "the stream ended" had the re-check ended it
    stream.close()


def test_a_password_change_ends_the_api_streams_of_the_old_tokens(server, scene):
    stream = api_stream(server, scene, ApiToken.issue(scene.note_taker))
    live(stream, scene)
    scene.note_taker.set_password("a new passphrase of the note-taker")
    scene.note_taker.save()
    assert ends_with_gone(stream) < WITHIN
    stream.close()


def test_an_expired_token_cannot_open_a_stream_and_says_so(server, scene):
    secret = ApiToken.issue(scene.note_taker)
    ApiToken.objects.filter(digest=ApiToken.hash(secret)).update(expires_at="2020-01-01T00:00:00Z")
    stream = api_stream(server, scene, secret)
    assert stream.status == 401
    assert "expired" in stream.response.read().decode()
    stream.close()


def test_sign_out_everywhere_ends_the_open_console_within_seconds(server, scene, client):
    stream = console_stream(server, scene, client)
    live(stream, scene)
    client.post("/account/sign-out-everywhere")
    assert ends_with_gone(stream) < WITHIN
    stream.close()


def test_signing_out_ends_the_console_opened_with_that_session(server, scene, client):
    stream = console_stream(server, scene, client)
    live(stream, scene)
    client.post("/logout/")
    assert ends_with_gone(stream) < WITHIN
    stream.close()


def test_a_console_whose_session_timed_out_ends_at_the_next_recheck(start_asgi_server, scene, client):
    server = start_asgi_server(VERBATIM_STREAM_RECHECK_SECONDS="1")
    stream = console_stream(server, scene, client)
    live(stream, scene)
    store = SessionStore(client.cookies["sessionid"].value)
    store[SEEN_AT] = time.time() - 3 * 3600  # the member last did something three hours ago
    store.save()
    assert ends_with_gone(stream) < WITHIN
    stream.close()
