"""A line wakes every stream of its session in the process (sessions/live.py, ``Hub``): from the
event loop's own thread (the Redis listener) each stream's event is set at once; from another
thread (a request's, a job's) with one call to each loop, not one per stream. The streams' timed
waits (keep-alive, access re-check) end from one timer of their loop (``Clock``)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

from sessions.live import Clock, Hub, Wakeup, clock_of


class CountingLoop(asyncio.SelectorEventLoop):
    """An asyncio loop that counts the calls made to it from other threads, and the timers set on it."""

    calls_from_threads = 0
    timers = 0

    def call_soon_threadsafe(self, *args, **kwargs):
        self.calls_from_threads += 1
        return super().call_soon_threadsafe(*args, **kwargs)

    def call_at(self, *args, **kwargs):
        self.timers += 1  # call_later comes here too
        return super().call_at(*args, **kwargs)


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


def test_a_thousand_waiting_streams_of_a_loop_are_timed_by_one_timer_and_each_woken_stream_leaves_it(settings):
    settings.REDIS_URL = None
    hub = Hub()

    async def scene() -> tuple[int, list[bool], list[bool], int]:
        async with contextlib.AsyncExitStack() as stack:
            wakeups = await streams_waiting(hub, "s1", 1000, stack)
            waits = [w.wait(0.5 + i / 10_000) for i, w in enumerate(wakeups)]  # due within 0.6 s
            timers = asyncio.get_running_loop().timers
            for wakeup in wakeups[::2]:
                wakeup.set()  # news for half of them
            assert clock_of(asyncio.get_running_loop()).waiting() == 500  # the woken left their tick
            results = await asyncio.gather(*waits)
            return timers, results[::2], results[1::2], clock_of(asyncio.get_running_loop()).waiting()

    timers, woken, timed_out, still_waiting = run(CountingLoop(), scene())
    assert timers == 1  # a thousand waits, one timer; each of its own before
    assert all(woken) and not any(timed_out)
    assert still_waiting == 0


def test_a_timed_wait_ends_once_its_time_is_up_and_at_most_a_tick_later(settings):
    settings.REDIS_URL = None
    hub = Hub()

    async def scene() -> list[float]:
        async with contextlib.AsyncExitStack() as stack:
            (slow, fast) = await streams_waiting(hub, "s1", 2, stack)

            async def timed(wakeup: Wakeup, timeout: float) -> float:
                started = time.monotonic()
                assert await wakeup.wait(timeout) is False
                return time.monotonic() - started

            slow_wait = asyncio.ensure_future(timed(slow, 1.0))
            await asyncio.sleep(0.05)
            fast_wait = asyncio.ensure_future(timed(fast, 0.3))  # due before the timer already set
            return list(await asyncio.gather(slow_wait, fast_wait))

    slow, fast = run(CountingLoop(), scene())
    # never early; late by at most a tick, and whatever else the machine is running
    assert 1.0 - 0.002 <= slow <= 1.0 + Clock.TICK + 0.5, slow
    assert 0.3 - 0.002 <= fast <= 0.3 + Clock.TICK + 0.5, fast
