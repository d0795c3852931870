"""Live updates: wake-ups, presence and the event streams built on them.

A write commits, then publishes one small notification: "session S has
changed". Nothing confidential rides on it. Every open stream of S wakes up,
reads what it may see from the database through its membership, and sends
it. The database is the truth; a lost notification only delays a stream
until its next heartbeat.

Across processes the notification travels through Redis pub/sub (one
subscriber per web process, fanning out in memory). Redis rather than
PostgreSQL LISTEN/NOTIFY because it is already our broker, and LISTEN would
pin one database connection per web process for the process's lifetime.
Without REDIS_URL (the embedded default) it stays in this process.

On SIGTERM (or Ctrl+C) every open stream ends at once with a ``retry:``
hint, so the reader reconnects, to another process, with its Last-Event-ID,
and the server is not left waiting for streams that never end.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import math
import random
import signal
import threading
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass

import redis
import redis.asyncio as aioredis
from django.conf import settings
from django.core.signals import request_finished, request_started

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "verbatim:session:"
REVOKED_CHANNEL = "verbatim:revoked"  # carries a user id: re-check that user's open streams now
PRESENCE_PREFIX = "verbatim:presence:"
HEARTBEAT_SECONDS = 15.0  # an idle stream sends a keep-alive and renews its presence mark this often
PRESENCE_TTL_SECONDS = 45.0


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a reader is: the last shared-record and internal sequence
    numbers it has. Travels as the SSE event id ``"<record>.<internal>"``."""

    record: int = 0
    internal: int = 0

    @classmethod
    def parse(cls, raw: str | None) -> Cursor | None:
        if not raw:
            return None
        head, _, tail = raw.strip().partition(".")
        try:
            record, internal = int(head), int(tail or 0)
        except ValueError:
            return None
        if record < 0 or internal < 0:
            return None
        return cls(record, internal)

    def __str__(self) -> str:
        return f"{self.record}.{self.internal}"


_NO_CONTEXT = contextvars.Context()


class Clock:
    """Ends the timed waits of one event loop's streams, all from one timer. A wait is due at a
    tick: its timeout rounded up to the next quarter of a second, so that it ends up to a quarter
    of a second late, never early. The timer is set for the earliest tick that has waits.

    Each wait had a timer of its own before, made when the stream began to wait and cancelled when
    news woke it: under uvloop a ``TimerHandle`` and its libuv timer, about 500 bytes a waiting stream,
    and one made and one cancelled per stream for every line. Here a wait is an entry in its tick's
    set. Used from its loop's thread only; holds no reference to the loop (``clock_of``)."""

    TICK = 0.25
    __slots__ = ("_due", "_rings")

    def __init__(self) -> None:
        self._due: dict[int, set[Wakeup]] = {}
        self._rings: set[int] = set()  # the ticks a timer is set for (not kept: a timer keeps its loop)

    def add(self, wakeup: Wakeup, timeout: float) -> int:
        """Time ``wakeup`` out after ``timeout`` seconds (up to a tick later); returns its tick."""
        tick = math.ceil((wakeup.loop.time() + timeout) / self.TICK)
        waits = self._due.get(tick)
        if waits is None:
            waits = self._due[tick] = set()
        waits.add(wakeup)
        if not self._rings or tick < min(self._rings):
            self._ring_at(wakeup.loop, tick)
        return tick

    def discard(self, wakeup: Wakeup, tick: int) -> None:
        # a timer set for the tick stays: it rings for nothing, or for a later tick's waits
        waits = self._due.get(tick)
        if waits is not None:
            waits.discard(wakeup)
            if not waits:
                del self._due[tick]

    def waiting(self) -> int:
        return sum(len(waits) for waits in self._due.values())

    def _ring_at(self, loop: asyncio.AbstractEventLoop, tick: int) -> None:
        self._rings.add(tick)
        loop.call_at(tick * self.TICK, self._ring, tick, context=_NO_CONTEXT)

    def _ring(self, tick: int) -> None:
        self._rings.discard(tick)
        loop = asyncio.get_running_loop()
        now = loop.time() + 0.001  # a loop may run a timer up to its clock's resolution early
        for due in sorted(t for t in self._due if t * self.TICK <= now):
            for wakeup in self._due.pop(due):
                wakeup.time_out()
        if self._due:
            first = min(self._due)
            if not self._rings or first < min(self._rings):
                self._ring_at(loop, first)


_clocks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Clock] = weakref.WeakKeyDictionary()


def clock_of(loop: asyncio.AbstractEventLoop) -> Clock:
    """The clock of ``loop``'s streams, made at its first wait; it goes with the loop."""
    clock = _clocks.get(loop)
    if clock is None:
        clock = _clocks[loop] = Clock()
    return clock


class Wakeup:
    """What one open stream waits on: set when its session changes (or someone's access may have),
    cleared by the stream before it reads. An ``asyncio.Event`` under ``asyncio.wait_for`` did the
    same for about 1.7 KB a stream while it waited: the Event's deque of waiters (a block of 64
    slots, for the one stream that waits on it), ``wait()``'s coroutine, ``wait_for``'s coroutine,
    its ``Timeout`` and the hub's (loop, event) pair. This keeps a flag, its loop, and while the
    stream waits one future and its place on the loop's ``Clock``. Set and waited on from its loop's
    thread only."""

    __slots__ = ("loop", "clock", "_set", "_future", "_tick")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.clock = clock_of(loop)
        self._set = False
        self._future: asyncio.Future[bool] | None = None
        self._tick: int | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        self._resolve(True)

    def clear(self) -> None:
        self._set = False

    def wait(self, timeout: float) -> asyncio.Future[bool]:
        """Done with True once set (at once if it is), or with False after ``timeout`` seconds (up to
        a quarter of a second more)."""
        self.stop_waiting()
        future = self._future = self.loop.create_future()
        if self._set:
            future.set_result(True)
        else:
            self._tick = self.clock.add(self, timeout)
        return future

    def time_out(self) -> None:
        """Its clock says the wait is over: the clock has already forgotten it."""
        self._tick = None
        self._resolve(False)

    def _resolve(self, woken: bool) -> None:
        future, self._future = self._future, None
        if future is not None and not future.done():
            future.set_result(woken)
        self.stop_waiting()

    def stop_waiting(self) -> None:
        """Take the wait off its clock (woken, or the stream is gone)."""
        if self._tick is not None:
            self.clock.discard(self, self._tick)
            self._tick = None


def _set_wakeups(wakeups: list[Wakeup]) -> None:
    for wakeup in wakeups:
        wakeup.set()


def _set_all(wakeups: Iterable[Wakeup]) -> None:
    """Set each wake-up on its loop: at once on the loop this thread runs (the Redis
    listener's), with one call per loop from any other thread. One call_soon_threadsafe per
    stream wrote to the loop's wake-up pipe once per stream: 1,000 writes for one line."""
    by_loop: dict[asyncio.AbstractEventLoop, list[Wakeup]] = {}
    for wakeup in wakeups:
        by_loop.setdefault(wakeup.loop, []).append(wakeup)
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    for loop, found in by_loop.items():
        if loop is running:
            _set_wakeups(found)
        else:
            with contextlib.suppress(RuntimeError):  # loop already closed
                loop.call_soon_threadsafe(_set_wakeups, found)


class Hub:
    """In-process registry of streams waiting for news of a session."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, set[Wakeup]] = {}
        self._generations: dict[str, int] = {}
        self._revocations: dict[int, int] = {}
        self._listener: asyncio.Task | None = None
        self._listener_loop: asyncio.AbstractEventLoop | None = None
        self.stopping = False
        self._watching_signals = False

    def generation(self, session_key: str) -> int:
        """How many times this session's streams have been woken: a feed
        that has read at this generation has nothing new to read."""
        with self._lock:
            return self._generations.get(session_key, 0)

    def wake(self, session_key: str) -> None:
        """Wake every local stream of the session; safe from any thread."""
        with self._lock:
            self._generations[session_key] = self._generations.get(session_key, 0) + 1
            waiters = list(self._waiters.get(session_key, ()))
        _set_all(waiters)

    def revocations(self, user_id: int) -> int:
        """How many times this user's access may have changed (deactivated,
        membership removed or moved): a stream that saw another number
        re-checks its member's access before sending anything more."""
        with self._lock:
            return self._revocations.get(user_id, 0)

    def revoke(self, user_id: int) -> None:
        """A user's access may have changed: wake every local stream so that
        the user's own streams re-check at once (the others read nothing new:
        no session's generation changes). Safe from any thread."""
        with self._lock:
            self._revocations[user_id] = self._revocations.get(user_id, 0) + 1
            waiters = [w for ws in self._waiters.values() for w in ws]
        _set_all(waiters)

    def wake_all(self) -> None:
        with self._lock:
            keys = list(self._waiters)
        for key in keys:
            self.wake(key)

    def stop(self) -> None:
        """The process is shutting down: wake every stream so that it ends."""
        self.stopping = True
        self.wake_all()

    def watch_for_shutdown(self) -> None:
        """Chain our own handler before the server's (uvicorn's) SIGTERM and SIGINT handlers, once,
        from the event loop's thread. ASGI lifespan cannot do this: its shutdown event only comes
        after every open response has ended."""
        if self._watching_signals or threading.current_thread() is not threading.main_thread():
            return
        self._watching_signals = True
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            server_handler = signal.getsignal(signum)

            def handle(number: int, frame: object, server_handler: object = server_handler) -> None:
                # A signal handler must not take self._lock (it may interrupt its holder): defer to the loop.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(self.stop)
                if callable(server_handler):
                    server_handler(number, frame)
                elif server_handler == signal.SIG_DFL:  # no server handler: die as we would have
                    signal.signal(number, signal.SIG_DFL)
                    signal.raise_signal(number)

            signal.signal(signum, handle)

    def waiting(self, session_key: str) -> Wakeup:
        """A stream of the session starts waiting for news of it: its wake-up, set at each. Give it
        back with ``done_waiting`` when the stream ends."""
        loop = asyncio.get_running_loop()
        wakeup = Wakeup(loop)
        with self._lock:
            self._waiters.setdefault(session_key, set()).add(wakeup)
        if settings.REDIS_URL:
            self._ensure_listener(loop)
        return wakeup

    def done_waiting(self, session_key: str, wakeup: Wakeup) -> None:
        wakeup.stop_waiting()
        with self._lock:
            waiters = self._waiters.get(session_key)
            if waiters is not None:
                waiters.discard(wakeup)
                if not waiters:
                    del self._waiters[session_key]

    def _ensure_listener(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._listener is not None and not self._listener.done() and self._listener_loop is loop:
            return
        self._listener_loop = loop
        self._listener = loop.create_task(self._listen(settings.REDIS_URL))

    async def _listen(self, url: str) -> None:
        """One Redis subscription per process, fanned out in memory."""
        while True:
            client = aioredis.Redis.from_url(url)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.psubscribe(f"{CHANNEL_PREFIX}*")
                    await pubsub.subscribe(REVOKED_CHANNEL)
                    self.wake_all()  # we may have missed news while (re)connecting
                    async for message in pubsub.listen():
                        if message["type"] == "pmessage":
                            channel = message["channel"].decode()
                            self.wake(channel.removeprefix(CHANNEL_PREFIX))
                        elif message["type"] == "message" and message["data"].isdigit():
                            self.revoke(int(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - reconnect on any failure
                log.warning("live updates: Redis subscription lost (%s); reconnecting", error)
                await asyncio.sleep(1)
            finally:
                with contextlib.suppress(Exception):
                    await client.aclose()


hub = Hub()
_sync_redis: tuple[str, redis.Redis] | None = None


def _redis() -> redis.Redis:
    """One client (and connection pool) per process for publishing and presence."""
    global _sync_redis
    if _sync_redis is None or _sync_redis[0] != settings.REDIS_URL:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        _sync_redis = (settings.REDIS_URL, client)
    return _sync_redis[1]


# The sessions an API request changed, told once its answer has gone out: the author is answered
# before the process wakes its streams (at 1,000 readers, sending them the line took the loop 50 ms,
# and the author's answer waited behind it). Per thread: a request's synchronous work, its
# request-started and request-finished signals run on its own thread. A console's requests tell at
# once, as before: a console's page takes the live update of a change before the answer to it, and
# telling later let an update land on a tick box just clicked
# (tests/browser/test_console_work_in_progress.py). Outside a request (a job, a command), at once.
_told_after_answer = threading.local()
API_PREFIX = "/api/"


def _request_started(**kwargs) -> None:
    scope, environ = kwargs.get("scope"), kwargs.get("environ")
    path = scope.get("path", "") if scope else (environ or {}).get("PATH_INFO", "")
    _told_after_answer.sessions = set() if path.startswith(API_PREFIX) else None


def _request_finished(**kwargs) -> None:
    changed = getattr(_told_after_answer, "sessions", None)
    _told_after_answer.sessions = None
    for session_key in sorted(changed or ()):
        _publish(session_key)


request_started.connect(_request_started, dispatch_uid="verbatim-live-request-started")
request_finished.connect(_request_finished, dispatch_uid="verbatim-live-request-finished")


def notify(session_key: str) -> None:
    """Say that a session changed. Call it after the transaction commits. In an API request, it is
    said when the request's answer has gone out."""
    changed = getattr(_told_after_answer, "sessions", None)
    if changed is not None:
        changed.add(session_key)
        return
    _publish(session_key)


def _publish(session_key: str) -> None:
    if settings.REDIS_URL:
        try:
            _redis().publish(f"{CHANNEL_PREFIX}{session_key}", "1")
            return
        except redis.RedisError as error:
            # The write is safe in the database; streams catch up at their next heartbeat.
            log.warning("live updates: could not publish to Redis (%s)", error)
    hub.wake(session_key)


def revoke(user_id: int) -> None:
    """Say that a user's access may have changed, so that their open streams,
    in every web process, re-check it now rather than at their next periodic
    re-check. Call it after the transaction commits. Only the user's id
    travels; each stream asks the database."""
    if settings.REDIS_URL:
        try:
            _redis().publish(REVOKED_CHANNEL, str(user_id))
            return
        except redis.RedisError as error:
            log.warning("live updates: could not publish a revocation to Redis (%s)", error)
    hub.revoke(user_id)


class Presence:
    """Who has a console of a session open right now. Each stream refreshes
    its mark at every heartbeat; a mark not refreshed in time expires."""

    def __init__(self) -> None:
        self._local: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()

    def mark(self, session_key: str, who: str) -> None:
        expires = time.time() + PRESENCE_TTL_SECONDS
        if settings.REDIS_URL:
            with contextlib.suppress(redis.RedisError):
                _redis().zadd(f"{PRESENCE_PREFIX}{session_key}", {who: expires})
                return
        with self._lock:
            self._local.setdefault(session_key, {})[who] = expires

    def leave(self, session_key: str, who: str) -> None:
        if settings.REDIS_URL:
            with contextlib.suppress(redis.RedisError):
                _redis().zrem(f"{PRESENCE_PREFIX}{session_key}", who)
                return
        with self._lock:
            self._local.get(session_key, {}).pop(who, None)

    def here(self, session_key: str) -> list[str]:
        now = time.time()
        if settings.REDIS_URL:
            with contextlib.suppress(redis.RedisError):
                key = f"{PRESENCE_PREFIX}{session_key}"
                client = _redis()
                client.zremrangebyscore(key, 0, now)
                return sorted(m.decode() for m in client.zrangebyscore(key, now, "+inf"))
        with self._lock:
            marks = self._local.get(session_key, {})
            for who in [w for w, t in marks.items() if t <= now]:
                del marks[who]
            return sorted(marks)


presence = Presence()


def recheck_seconds() -> float:
    """How often an open stream re-checks that its member may still read
    (``VERBATIM_STREAM_RECHECK_SECONDS``, 15 by default). Separate from the
    keep-alive: a deployment (or a test) may want removals to take effect
    sooner without more keep-alives and presence writes."""
    return float(settings.VERBATIM_STREAM_RECHECK_SECONDS)


def json_dumps(value: object) -> str:
    from django.core.serializers.json import DjangoJSONEncoder

    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def sse(event: str, data: str, event_id: str | None = None) -> str:
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines += [f"data: {line}" for line in data.split("\n")]
    return "\n".join(lines) + "\n\n"


async def stream(
    session_key: str,
    *,
    who: str | None,
    read: Callable[[], Awaitable[tuple[list[str], bool]]],
    here: Callable[[], list[str]] | None = None,
    show_presence: Callable[[list[str]], str] | None = None,
    close: Callable[[], None] | None = None,
) -> AsyncIterator[str]:
    """The body of an SSE response. ``read`` returns the events the reader
    has not had yet and whether the stream must end (access lost); ``here``
    who is present, as last read by the session's feed. ``who`` is None for
    readers that are not people in the console (API clients): they are not
    shown as present.

    An idle stream wakes at least every ``recheck_seconds()`` so that ``read``
    can re-check access, and sends a keep-alive after ``HEARTBEAT_SECONDS``
    without a wake-up."""
    from asgiref.sync import sync_to_async

    yield "retry: 1500\n\n"
    hub.watch_for_shutdown()
    try:
        woken = hub.waiting(session_key)
        try:
            if who is not None:
                await sync_to_async(presence.mark, thread_sensitive=False)(session_key, who)
                await sync_to_async(notify, thread_sensitive=False)(session_key)  # others see us arrive
            shown: list[str] | None = None
            idle_since = time.monotonic()
            try:
                while True:
                    if hub.stopping:
                        # Reconnect soon, spread over a second, to a process that is not stopping.
                        yield f": this server is stopping\nretry: {random.randint(250, 1250)}\n\n"
                        return
                    woken.clear()
                    events, finished = await read()
                    if events:
                        yield "".join(events)  # one write per wake-up, however many events
                    if finished:
                        return
                    if show_presence is not None and here is not None and here() != shown:
                        shown = here()
                        yield show_presence(shown)
                    beat_in = idle_since + HEARTBEAT_SECONDS - time.monotonic()
                    if await woken.wait(max(0.0, min(beat_in, recheck_seconds()))):
                        idle_since = time.monotonic()
                        continue
                    if time.monotonic() - idle_since < HEARTBEAT_SECONDS:
                        continue  # only time to re-check access: read() does it
                    idle_since = time.monotonic()
                    yield ": keep-alive\n\n"
                    if who is not None:
                        await sync_to_async(presence.mark, thread_sensitive=False)(session_key, who)
            finally:
                if who is not None:
                    presence.leave(session_key, who)
                    with contextlib.suppress(Exception):
                        notify(session_key)
        finally:
            hub.done_waiting(session_key, woken)
    finally:
        if close is not None:
            close()
