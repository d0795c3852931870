"""The streams that one line wakes all take the feed's one read of it (sessions/streams.py,
``SessionFeed.refresh``): they await the read under way together, and are all ready to send in
the same turn of the event loop once it is done, instead of passing a lock on one by one."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from asgiref.sync import async_to_sync

from sessions.live import hub
from sessions.streams import SessionFeed

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_hundred_streams_woken_by_a_line_are_ready_in_one_turn_of_the_loop_after_one_read(world):
    world.session.start()
    world.session.record_entry(membership=world.membership(world.head), client_id=uuid.uuid4(), text="Opening.")
    key = str(world.session.public_id)
    feed = SessionFeed(world.session.pk, key)

    async def woken(streams: int) -> tuple[set[int], int]:
        turns = 0

        def count_turns() -> None:  # runs once in every turn of the loop
            nonlocal turns
            turns += 1
            loop.call_soon(count_turns)

        loop = asyncio.get_running_loop()
        loop.call_soon(count_turns)
        hub.wake(key)

        async def stream() -> int:
            await feed.refresh()
            return turns

        ready = await asyncio.gather(*(stream() for _ in range(streams)))
        return set(ready), len(feed.entries)

    ready_in, entries = async_to_sync(woken)(200)
    assert entries == 1  # the line was read
    # a lock handed from stream to stream took 200 turns between the first ready and the last
    assert max(ready_in) - min(ready_in) <= 1, sorted(ready_in)
