"""A line wakes every stream of its session in the process (sessions/live.py, ``Hub``): from the
event loop's own thread (the Redis listener) each stream's event is set at once; from another
thread (a request's, a job's) with one call to each loop, not one per stream."""

from __future__ import annotations

import asyncio
import contextlib
import threading

from sessions.live import Hub, Wakeup


class CountingLoop(asyncio.SelectorEventLoop):
    """An asyncio loop that counts the calls made to it from other threads."""

    calls_from_threads = 0

    def call_soon_threadsafe(self, *args, **kwargs):
        self.calls_from_threads += 1
        return super().call_soon_threadsafe(*args, **kwargs)


async def streams_waiting(hub: Hub, key: str, count: int, stack: contextlib.AsyncExitStack) -> list[Wakeup]:
    wakeups = [hub.waiting(key) for _ in range(count)]
    for wakeup in wakeups:
        stack.callback(hub.done_waiting, key, wakeup)
    return wakeups


def run(loop: asyncio.AbstractEventLoop, coroutine):
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def test_a_wake_on_the_loops_own_thread_sets_every_streams_event_at_once(settings):
    settings.REDIS_URL = None
    hub = Hub()

    async def scene() -> tuple[list[bool], list[bool]]:
        async with contextlib.AsyncExitStack() as stack:
            events = await streams_waiting(hub, "s1", 200, stack)
            others = await streams_waiting(hub, "s2", 3, stack)
            hub.wake("s1")
            return [e.is_set() for e in events], [e.is_set() for e in others]

    loop = CountingLoop()
    woken, others = run(loop, scene())
    assert all(woken) and len(woken) == 200  # set before the loop ran anything else
    assert not any(others)  # another session's streams sleep on
    assert loop.calls_from_threads == 0
    assert hub.generation("s1") == 1 and hub.generation("s2") == 0


def test_a_wake_from_another_thread_reaches_every_stream_with_one_call_to_their_loop(settings):
    settings.REDIS_URL = None
    hub = Hub()

    async def scene() -> list[bool]:
        async with contextlib.AsyncExitStack() as stack:
            events = await streams_waiting(hub, "s1", 200, stack)
            waker = threading.Thread(target=hub.wake, args=("s1",))
            waker.start()
            await asyncio.to_thread(waker.join)
            assert all(await asyncio.gather(*(e.wait(5) for e in events)))
            return [e.is_set() for e in events]

    loop = CountingLoop()
    woken = run(loop, scene())
    assert all(woken) and len(woken) == 200
    # one call from the waking thread (asyncio.to_thread's own call back to the loop aside)
    assert loop.calls_from_threads <= 2


def test_a_revocation_wakes_every_stream_of_every_session(settings):
    settings.REDIS_URL = None
    hub = Hub()

    async def scene() -> list[bool]:
        async with contextlib.AsyncExitStack() as stack:
            events = await streams_waiting(hub, "s1", 3, stack) + await streams_waiting(hub, "s2", 3, stack)
            hub.revoke(42)
            return [e.is_set() for e in events]

    assert all(run(CountingLoop(), scene()))
    assert hub.revocations(42) == 1
