"""A head can always ask again for a summary that is still waiting, from the console."""

from __future__ import annotations

import uuid

import pytest

from sessions.services import session_close

pytestmark = pytest.mark.django_db


def test_a_head_sees_how_to_ask_again_for_a_summary_still_waiting(world, client):
    world.session.record_entry(membership=world.membership(world.note_taker), client_id=uuid.uuid4(), text="Opening.")
    session_close(session=world.session, by=world.membership(world.head))  # the job is never sent in this test
    client.force_login(world.head)
    assert "Ask again" in client.get(world.session.get_absolute_url()).content.decode()
    client.force_login(world.note_taker)
    assert "Ask again" not in client.get(world.session.get_absolute_url()).content.decode()
