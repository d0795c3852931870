"""The live streams, over a real ASGI server in another process: new entries
arrive, a dropped reader resumes from Last-Event-ID, and nobody receives
what they may not see. Writes happen in the test process, so every wake-up
here crossed processes through Redis."""

from __future__ import annotations

import uuid

import pytest

from negotiations.models import ApiToken
from tests.scene import build_scene
from tests.sse import open_stream

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(world):
    return build_scene(world)


def write(scene, user, text, visibility="record"):
    entry, _ = scene.session.record_entry(
        membership=scene.membership(user), client_id=uuid.uuid4(), text=text, visibility=visibility
    )
    return entry


def api_stream(server, scene, user, **headers):
    token = ApiToken.issue(user)
    return open_stream(
        server.url,
        f"/api/v1/sessions/{scene.session.public_id}/events",
        {"Authorization": f"Bearer {token}", **headers},
    )


def test_an_api_stream_replays_what_it_may_see_then_delivers_new_entries_as_they_land(asgi_server, scene):
    stream = api_stream(asgi_server, scene, scene.other_note_taker)
    assert stream.status == 200
    assert stream.response.getheader("Content-Type").startswith("text/event-stream")
    replay = stream.next_events("entry", 2)
    assert [e.json()["text"] for e in replay] == ["Opening remarks.", "Severian eyes only."]
    assert [e.id for e in replay] == ["1.0", "1.1"]
    write(scene, scene.note_taker, "Пункт 2 — «в принципе» согласовано.")
    (event,) = stream.next_events("entry", 1)
    assert event.json()["text"] == "Пункт 2 — «в принципе» согласовано."
    assert event.id == "2.1"
    stream.close()


def test_a_reader_that_drops_gets_exactly_the_entries_it_missed_once_each(asgi_server, scene):
    stream = api_stream(asgi_server, scene, scene.head)
    seen = stream.next_events("entry", 2)  # the shared entry and the Aurelian internal one
    last_id = seen[-1].id
    stream.close()
    for n in range(3):
        write(scene, scene.other_note_taker, f"Missed {n}")
    resumed = api_stream(asgi_server, scene, scene.head, **{"Last-Event-ID": last_id})
    missed = resumed.next_events("entry", 3)
    assert [e.json()["text"] for e in missed] == ["Missed 0", "Missed 1", "Missed 2"]
    assert [e.id for e in missed] == ["2.1", "3.1", "4.1"]
    resumed.nothing_more("entry")
    resumed.close()


def test_a_stream_never_carries_another_delegations_internal_entries(asgi_server, scene):
    stream = api_stream(asgi_server, scene, scene.other_head, **{"Last-Event-ID": "1.1"})
    write(scene, scene.note_taker, "Aurelian tactics: concede quotas last.", visibility="internal")
    write(scene, scene.note_taker, "Both heads agree to adjourn at noon.")
    (event,) = stream.next_events("entry", 1)
    assert event.json()["text"] == "Both heads agree to adjourn at noon."
    stream.nothing_more("entry")
    stream.close()


def test_the_api_stream_is_404_for_an_outsider_and_401_without_a_token(asgi_server, scene):
    assert api_stream(asgi_server, scene, scene.outsider).status == 404
    assert open_stream(asgi_server.url, f"/api/v1/sessions/{scene.session.public_id}/events").status == 401
    bad = open_stream(
        asgi_server.url, f"/api/v1/sessions/{scene.session.public_id}/events", {"Authorization": "Bearer nope"}
    )
    assert bad.status == 401


def test_the_console_stream_sends_rendered_rows_and_presence_to_a_signed_in_member(asgi_server, scene, client):
    client.force_login(scene.other_note_taker)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    stream = open_stream(asgi_server.url, f"/sessions/{scene.session.public_id}/stream?cursor=1.1", {"Cookie": cookie})
    assert stream.status == 200
    (presence,) = stream.next_events("presence", 1)
    assert "other_note_taker" in presence.data
    entry = write(scene, scene.note_taker, "Recess until 14:00.")
    (row,) = stream.next_events("entry", 1)
    assert f'id="entry-{entry.public_id}"' in row.data and "Recess until 14:00." in row.data
    stream.close()


def test_a_correction_arrives_with_the_corrected_row_to_swap_in_place(asgi_server, scene, client):
    client.force_login(scene.head)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    stream = open_stream(asgi_server.url, f"/sessions/{scene.session.public_id}/stream?cursor=1.1", {"Cookie": cookie})
    scene.session.record_entry(
        membership=scene.membership(scene.note_taker),
        client_id=uuid.uuid4(),
        text="Opening remarks by both heads.",
        supersedes=scene.entry,
    )
    (row,) = stream.next_events("entry", 1)
    assert "Opening remarks by both heads." in row.data
    assert f'id="entry-{scene.entry.public_id}"' in row.data and 'hx-swap-oob="true"' in row.data
    stream.close()


def test_the_console_stream_is_404_for_an_outsider(scene, client):
    client.force_login(scene.outsider)
    assert client.get(f"/sessions/{scene.session.public_id}/stream").status_code == 404


def test_a_row_whose_proposal_becomes_a_formulation_is_redrawn_in_place(asgi_server, scene, client):
    client.force_login(scene.other_head)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    stream = open_stream(asgi_server.url, f"/sessions/{scene.session.public_id}/stream?cursor=1.1", {"Cookie": cookie})
    stream.next_events("presence", 1)
    scene.point.propose(
        text=scene.entry.text, party=scene.aurelia, membership=scene.membership(scene.note_taker), entry=scene.entry
    )
    scene.session.changed()
    (row,) = stream.next_events("entry", 1)
    assert f'id="entry-{scene.entry.public_id}"' in row.data and 'hx-swap-oob="true"' in row.data
    assert "Formulation of point 1" in row.data
    assert row.id is None  # a redraw does not move the reader's cursor
    stream.close()
