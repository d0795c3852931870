"""A member whose access changes loses their open streams within moments,
not at the next periodic re-check: deactivating the account, or moving the
person to another delegation, pushes a revocation through Redis to every web
process. The servers here re-check only every 60 s on their own, so a stream
that ends within a few seconds ended because of the push.

The other side: the stream belongs to the Aurelian note-taker; writes come
from the Severian delegation and from Aurelian colleagues."""

from __future__ import annotations

import time
import uuid

import pytest

from negotiations.models import ApiToken, DelegationMember, Membership
from tests.scene import build_scene
from tests.sessions.test_stream_connections import stream_ends
from tests.sse import open_stream

pytestmark = pytest.mark.django_db(transaction=True)

LONG_RECHECK = "60"
WITHIN = 5.0


@pytest.fixture
def scene(world):
    return build_scene(world)


@pytest.fixture
def server(start_asgi_server):
    return start_asgi_server(VERBATIM_STREAM_RECHECK_SECONDS=LONG_RECHECK)


def write(scene, user, text, visibility="record"):
    entry, _ = scene.session.record_entry(
        membership=scene.membership(user), client_id=uuid.uuid4(), text=text, visibility=visibility
    )
    return entry


def api_stream(server, scene, user):
    return open_stream(
        server.url,
        f"/api/v1/sessions/{scene.session.public_id}/events?after=0.0",
        {"Authorization": f"Bearer {ApiToken.issue(user)}"},
    )


def console_stream(server, scene, user, client):
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    return open_stream(server.url, f"/sessions/{scene.session.public_id}/stream?cursor=0.0", {"Cookie": cookie})


def live(stream, scene) -> None:
    """The stream is open and hears news through Redis."""
    assert stream.status == 200
    text = f"Live check {uuid.uuid4().hex[:6]}."
    write(scene, scene.other_note_taker, text)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        (event,) = stream.next_events("entry", 1)
        if text in event.data:
            return
    raise AssertionError("the stream did not deliver a new entry")


def ends_with_gone(stream) -> float:
    started = time.monotonic()
    (gone,) = stream.next_events("gone", 1, timeout=WITHIN)
    assert "no longer stands" in gone.data
    assert stream_ends(stream, within=2.0)
    return time.monotonic() - started


def test_a_deactivated_users_console_stream_ends_within_seconds(server, scene, client):
    stream = console_stream(server, scene, scene.note_taker, client)
    live(stream, scene)
    scene.note_taker.is_active = False
    scene.note_taker.save()
    assert ends_with_gone(stream) < WITHIN
    stream.close()


def test_a_deactivated_users_api_stream_ends_within_seconds(server, scene):
    stream = api_stream(server, scene, scene.note_taker)
    live(stream, scene)
    scene.note_taker.is_active = False
    scene.note_taker.save()
    assert ends_with_gone(stream) < WITHIN
    stream.close()


def test_a_deactivated_user_gets_no_entries_after_the_deactivation(server, scene):
    stream = api_stream(server, scene, scene.note_taker)
    live(stream, scene)
    scene.note_taker.is_active = False
    scene.note_taker.save()
    write(scene, scene.head, "Aurelian tactic after the deactivation.", visibility="internal")
    write(scene, scene.other_head, "Shared line after the deactivation.")
    stream.nothing_more("entry", wait=WITHIN)  # the stream says "gone" and ends; no entry comes first
    stream.close()


def test_a_user_moved_to_another_delegation_loses_both_streams_within_seconds(server, scene, client):
    console = console_stream(server, scene, scene.note_taker, client)
    api = api_stream(server, scene, scene.note_taker)
    live(console, scene)
    live(api, scene)
    DelegationMember.objects.get(user=scene.note_taker).delete()  # staff remove them from the Aurelian delegation
    assert ends_with_gone(console) < WITHIN
    assert ends_with_gone(api) < WITHIN
    console.close()
    api.close()


def test_a_membership_whose_delegation_is_changed_ends_its_stream_within_seconds(server, scene):
    stream = api_stream(server, scene, scene.note_taker)
    live(stream, scene)
    membership = scene.membership(scene.note_taker)
    membership.delegation = scene.severian  # behind the admin's back: the change still takes effect at once
    membership.save()
    assert ends_with_gone(stream) < WITHIN
    stream.close()


def test_after_the_move_a_new_stream_carries_only_the_new_delegations_internal_entries(server, scene):
    DelegationMember.objects.get(user=scene.note_taker).delete()
    scene.severian.add_member(scene.note_taker)
    scene.negotiation.add_member(
        user=scene.note_taker, role=Membership.Role.NOTE_TAKER, by=scene.membership(scene.other_head)
    )
    stream = api_stream(server, scene, scene.note_taker)
    assert stream.status == 200
    texts = [event.json()["text"] for event in stream.next_events("entry", 2)]
    assert texts == ["Opening remarks.", "Severian eyes only."]
    stream.nothing_more("entry", wait=1.0)
    stream.close()
