"""What live streams read and send.

Fan-out reads once and sends many times: each web process keeps one
``SessionFeed`` per session with open streams. On a wake-up the feed reads
the session's new entries (every visibility group at once), the panels'
state and who is present, once; every stream then takes what its member may
see from memory. A stream that reconnects from further back than the feed
holds replays from the database on its own. Between wake-ups no stream holds
a database connection: every read, the periodic access re-check included,
runs on a shared thread and gives its connection back before it returns.
Access re-checks are batched per feed: one pass (one query for the
memberships, one for the API tokens) answers for every stream of the
session, and streams whose re-check falls due in the same interval share it.

Beside them, ``pending_lines`` keeps what each open console last said about
the lines it has typed but not yet had stored, for the head's close dialog.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache

import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Q, prefetch_related_objects
from django.utils import timezone, translation

from negotiations.models import ApiToken, Membership
from negotiations.rows import Reused
from sessions.live import Cursor, _redis, hub, presence, recheck_seconds, sse
from sessions.models import Entry, Session, Summary

BATCH = 200
WINDOW = 5000
PRELOAD = 1000  # a session with at most this many entries is held whole by its feed
ENTRY_RELATED = (
    "session",
    "speaker__party",
    "party",
    "author",
    "delegation__party",
    "supersedes",
    "disputes__delegation__party",
    "accepts__delegation__party",
    "agenda_item",
)
ENTRY_PREFETCH = (
    "corrections",
    "formulations__point",
    "formulations__party",
    "readings__delegation__party",
    "readings__author",
    "readings__acceptances",
)
PENDING_PREFIX = "verbatim:pending:"
PENDING_KEEP_SECONDS = 15 * 60  # a console not heard from for this long is forgotten
PENDING_SILENT_SECONDS = 45.0  # a console that reports every 15 s and has not for this long may be offline


@dataclass(frozen=True, slots=True)
class Viewer:
    """What a rendered row depends on besides the entry: whether the member
    may capture, and which delegation they sit with (a row offers "Correct"
    to the delegation that recorded it, "Record our reading" to the others,
    and "Accept this reading" only to the recording delegation)."""

    can_edit: bool
    delegation_id: int
    # The interface language and the time zone the member's page is in (the request's, when the
    # viewer is made): a row's words and times follow them, also when the feed renders it for a
    # stream long after the request that opened it has gone.
    language: str = settings.LANGUAGE_CODE
    time_zone: str = settings.TIME_ZONE

    @classmethod
    def of(cls, membership: Membership) -> Viewer:
        return cls(
            can_edit=membership.can_capture,
            delegation_id=membership.delegation_id,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            time_zone=timezone.get_current_timezone_name(),
        )

    @contextlib.contextmanager
    def rendering(self) -> Iterator[None]:
        """Render in this viewer's language and time zone, whatever the current context's are."""
        with translation.override(self.language), timezone.override(self.time_zone):
            yield


# render(entry, original_or_None, viewer) -> the event's data; the original is
# the entry a correction supersedes or a reading disputes, redrawn in place.
Render = Callable[[Entry, Entry | None, Viewer], str]
# render_in_place(entries, viewer) -> data redrawing those rows where they stand
RenderInPlace = Callable[[list[Entry], Viewer], str]


@cache
def _of_one_entry() -> tuple[Reused, Reused, Reused]:
    """prefetch_rows' three statements for a single entry (a feed's new line, most wake-ups),
    compiled once."""
    from agreements.models import Formulation

    return (
        Reused(Entry, lambda entry: Entry._default_manager.filter(supersedes_id=entry), "entry"),
        Reused(Entry, lambda entry: Entry._default_manager.filter(disputes_id=entry), "entry"),
        Reused(
            Formulation,
            lambda entry: Formulation._default_manager.filter(entry_id=entry).select_related("point", "party"),
            "entry",
        ),
    )


def prefetch_rows(entries: list[Entry]) -> None:
    """ENTRY_PREFETCH for a page of rows (the console's) or a feed's new lines, by the rows' ids:
    the corrections, the formulations (with their points and parties) and the other delegations'
    readings (with their delegations, parties, authors and acceptances) of each entry, in the
    order the ORM's prefetch gives them. The ORM's prefetch built a filtered queryset for each of
    the hundred entries and each relation; most entries have none of them, and share one empty,
    already evaluated, queryset."""
    from agreements.models import Formulation

    if not entries:
        return
    ids = [e.pk for e in entries]
    if len(ids) == 1:
        of_corrections, of_readings, of_formulations = _of_one_entry()
        corrections = of_corrections(entry=ids[0])
        readings = of_readings(entry=ids[0])
        formulations = of_formulations(entry=ids[0])
    else:
        corrections = list(Entry._default_manager.filter(supersedes_id__in=ids))
        readings = list(Entry._default_manager.filter(disputes_id__in=ids))
        formulations = list(Formulation._default_manager.filter(entry_id__in=ids).select_related("point", "party"))
    by_name: dict[str, dict[int, list]] = {"corrections": {}, "readings": {}, "formulations": {}}
    for c in corrections:
        by_name["corrections"].setdefault(c.supersedes_id, []).append(c)
    if readings:
        prefetch_related_objects(readings, "delegation__party", "author", "acceptances")
    for r in readings:
        by_name["readings"].setdefault(r.disputes_id, []).append(r)
    for f in formulations:
        by_name["formulations"].setdefault(f.entry_id, []).append(f)
    models = {"corrections": Entry, "readings": Entry, "formulations": Formulation}
    for name, found in by_name.items():
        # none: the entry has no such rows, and filtering it finds none either
        empty = _evaluated(models[name]._default_manager.none(), [])
        for entry in entries:
            rows = found.get(entry.pk)
            # the related manager's own queryset, as the ORM's prefetch leaves it, for the few with rows
            queryset = empty if rows is None else _evaluated(getattr(entry, name).all(), rows)
            entry.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def _evaluated(queryset, rows: list):
    """``queryset``, holding ``rows`` as if it had been read."""
    queryset._result_cache, queryset._prefetch_done = rows, True
    return queryset


def _entries(**filters) -> list[Entry]:
    return list(
        Entry.objects.filter(**filters).select_related(*ENTRY_RELATED).prefetch_related(*ENTRY_PREFETCH).order_by("pk")
    )


# The lines after a feed's newest one, with what their rows show: read at every wake-up of every
# feed, the same query with other values, compiled once (negotiations/rows.py, Reused).
_NEW_ENTRIES = Reused(
    Entry,
    lambda session_id, after: (
        Entry.objects.filter(session_id=session_id, pk__gt=after).select_related(*ENTRY_RELATED).order_by("pk")
    ),
    "session_id",
    "after",
)


def _new_entries(session_id: int, after: int) -> list[Entry]:
    entries = _NEW_ENTRIES(session_id=session_id, after=after)
    prefetch_rows(entries)
    return entries


def original_of(entry: Entry) -> int | None:
    """The entry whose row changes when this one arrives: the one it
    corrects (or whose reading it accepts), or the one it disputes."""
    return entry.supersedes_id or entry.disputes_id


def _originals(entries: list[Entry]) -> dict[int, Entry]:
    ids = {original_of(e) for e in entries} - {None}
    return {e.pk: e for e in _entries(pk__in=ids)} if ids else {}


@dataclass
class SessionFeed:
    session_id: int
    session_key: str
    base_pk: int | None = None  # every entry with a larger pk is in `entries`
    # the entries in pk order, and their pks (for bisecting), published together as one tuple
    window: tuple[list[Entry], list[int]] = field(default_factory=lambda: ([], []))
    originals: dict[int, Entry] = field(default_factory=dict)
    state: dict[str, str] = field(default_factory=dict)
    linked: list[Entry] = field(default_factory=list)
    here: list[str] = field(default_factory=list)
    generation: int = -1
    readers: int = 0
    panel_readers: int = 0
    rendered: dict[tuple, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.lock = asyncio.Lock()
        self.streams: set[SessionReader] = set()
        self._check_lock = asyncio.Lock()
        self._checked_from = float("-inf")  # when the last access re-check of the streams started
        self._refused: set[SessionReader] = set()

    @property
    def entries(self) -> list[Entry]:
        return self.window[0]

    @entries.setter
    def entries(self, entries: list[Entry]) -> None:
        self.window = (entries, [e.pk for e in entries])

    @property
    def high_pk(self) -> int:
        pks = self.window[1]
        return pks[-1] if pks else (self.base_pk or 0)

    async def may_still_read(self, reader: SessionReader, after: float) -> tuple[bool, float]:
        """Whether ``reader`` may still read, by a re-check that started after ``after``
        (monotonic time), and when that re-check started. One re-check answers for every
        stream of the feed: the streams that fall due meanwhile take its answer."""
        async with self._check_lock:
            if self._checked_from <= after:
                started = time.monotonic()
                refused = await sync_to_async(_refused, thread_sensitive=False)(list(self.streams))
                self._checked_from, self._refused = started, refused
            return reader not in self._refused, self._checked_from
        return self.entries[-1].pk if self.entries else (self.base_pk or 0)

    async def refresh(self) -> None:
        generation = hub.generation(self.session_key)
        if generation == self.generation:  # read already, by the stream woken before this one
            return
        async with self.lock:
            if generation == self.generation:
                return
            await sync_to_async(self._load, thread_sensitive=False)()
            self.generation = generation

    def _load(self) -> None:
        try:
            if self.base_pk is None:
                # A session of up to PRELOAD entries is read whole, once: streams that join it take
                # their history from memory instead of each replaying it from the database. A longer
                # one is read from its latest entry on, and a joining stream replays what it lacks.
                recent = Entry.objects.filter(session_id=self.session_id).order_by("-pk").values_list("pk", flat=True)
                recent = list(recent[: PRELOAD + 1])
                self.base_pk = 0 if len(recent) <= PRELOAD else recent[0]
            new = _new_entries(self.session_id, self.high_pk)
            originals = _originals(new)
            self.originals.update(originals)
            # A corrected or disputed entry now renders differently: forget its cached rows, and
            # keep its fresh copy, so that a stream that has not shown it yet shows it as it now is.
            self.rendered = {k: v for k, v in self.rendered.items() if k[1] not in originals}
            # Readers iterate the list without a lock: publish a new list, never change one in place.
            entries = [originals.get(x.pk, x) for x in self.entries] + new
            if len(entries) > WINDOW:
                dropped = entries[: len(entries) - WINDOW]
                entries = entries[len(dropped) :]
                self.base_pk = dropped[-1].pk
            self.entries = entries
            if not self.panel_readers:  # API streams only: no console panels to keep up to date
                return
            state = self._panel_state()
            if state.get("formulations") != self.state.get("formulations"):
                self.linked = _entries(session_id=self.session_id, formulations__isnull=False, pk__lte=self.high_pk)
                linked_ids = {e.pk for e in self.linked}
                self.rendered = {k: v for k, v in self.rendered.items() if k[1] not in linked_ids}
                fresh = {e.pk: e for e in self.linked}
                self.entries = [fresh.get(x.pk, x) for x in self.entries]
            self.state = state
            self.here = presence.here(self.session_key)
        finally:
            connection.close()

    def _panel_state(self) -> dict[str, str]:
        session = Session.objects.select_related("negotiation").get(pk=self.session_id)
        formulations = session.negotiation.points.aggregate(
            n=Count("formulations"), last=Max("formulations__pk"), events=Count("formulations__events")
        )
        summary = Summary.objects.filter(session=session).values_list("status", "attempts", "approved_at").first()
        return {
            "status": session.status,
            "summary": json.dumps(summary, default=str),
            "formulations": json.dumps(formulations, sort_keys=True),
            "session-info": json.dumps(
                [
                    session.current_agenda_item_id,
                    list(session.agenda_items.values_list("pk", "title")),
                    list(session.attendance.values_list("participant_id", flat=True).order_by("participant_id")),
                    session.negotiation.participants.count(),
                ]
            ),
        }

    def render(self, kind: str, render: Render, entry: Entry, viewer: Viewer) -> str:
        key = (kind, entry.pk, viewer)
        if key not in self.rendered:
            with viewer.rendering():
                self.rendered[key] = render(entry, self.originals.get(original_of(entry)), viewer)
        return self.rendered[key]


def _refused(readers: list[SessionReader]) -> set[SessionReader]:
    """The readers that may no longer read: their membership no longer stands (removed, the
    account deactivated, moved to another delegation than the one the stream was opened for), or
    what opened the stream (an API token, a browser session) has ended, expired or been revoked.
    One query for all the memberships, one for all the API tokens; browser sessions are loaded
    one by one (they are people at a console, not the many API readers). Off the event loop, on
    a shared thread, giving its connection back before it returns."""
    try:
        standing = set(
            Membership.objects.filter(pk__in={r.membership_id for r in readers}, user__is_active=True).values_list(
                "pk", "delegation_id"
            )
        )
        token_ids = {r.token_id for r in readers if r.token_id is not None}
        tokens = ApiToken.standing(token_ids) if token_ids else set()

        def stands(reader: SessionReader) -> bool:
            return (
                (reader.membership_id, reader.viewer.delegation_id) in standing
                and (reader.token_id is None or reader.token_id in tokens)
                and (reader.credential is None or reader.credential())
            )

        return {reader for reader in readers if not stands(reader)}
    finally:
        connection.close()


_feeds: dict[int, SessionFeed] = {}


def feed_for(session_id: int, session_key: str) -> SessionFeed:
    feed = _feeds.get(session_id)
    if feed is None:
        feed = _feeds[session_id] = SessionFeed(session_id, session_key)
    return feed


GONE = (
    "This live view has ended: your access to this negotiation, or the sign-in or API token that opened it, "
    "no longer stands. Reload the page, or sign in again."
)


class SessionReader:
    """One stream's view of a session: its cursor, its member's visibility,
    what it has already shown. It keeps the membership's ids, not the
    membership (nor its user, delegation or negotiation): an open stream
    holds only this small object and its coroutine (``sessions/sse.py``)."""

    __slots__ = (
        "session_id",
        "session_key",
        "credential",
        "token_id",
        "membership_id",
        "user_id",
        "viewer",
        "internal_stream",
        "cursor",
        "render",
        "kind",
        "panels",
        "resumed",
        "known_status",
        "render_in_place",
        "feed",
        "last_pk",
        "state",
        "checked_at",
        "revocations",
    )

    def __init__(
        self,
        *,
        session_id: int,
        session_key: str,
        membership: Membership,
        cursor: Cursor,
        render: Render,
        kind: str,
        panels: bool,
        resumed: bool,
        render_in_place: RenderInPlace | None = None,
        known_status: str | None = None,
        credential: Callable[[], bool] | None = None,
        token_id: int | None = None,
    ) -> None:
        self.session_id = session_id
        # Whether what opened the stream (a browser session) still stands: asked at each re-check
        self.credential = credential
        self.token_id = token_id  # the API token that opened the stream: re-checked with the others in one query
        self.membership_id, self.user_id = membership.pk, membership.user_id
        self.viewer = Viewer.of(membership)  # and the delegation the stream was opened for: viewer.delegation_id
        # one string per delegation, shared by its streams
        self.internal_stream = sys.intern(Entry.stream_for(Entry.Visibility.INTERNAL, membership.delegation))
        self.cursor = cursor
        self.render = render
        self.kind = kind
        self.panels = panels
        self.resumed = resumed
        self.known_status = known_status  # the session's status as the console last showed it
        self.render_in_place = render_in_place
        # The feed is joined at the first read, on the event loop, where every stream of the process
        # touches its feed: the view that makes the reader runs on a request's thread.
        self.session_key = session_key
        self.feed: SessionFeed | None = None
        self.last_pk: int | None = None  # the feed position this stream has taken everything up to
        self.state: dict[str, str] | None = None
        self.checked_at = time.monotonic()
        self.revocations = hub.revocations(membership.user_id)

    def visible(self, entry: Entry) -> bool:
        return entry.stream in (Entry.RECORD_STREAM, self.internal_stream)

    def _advance(self, entry: Entry) -> str:
        if entry.stream == Entry.RECORD_STREAM:
            self.cursor = Cursor(entry.seq, self.cursor.internal)
        else:
            self.cursor = Cursor(self.cursor.record, entry.seq)
        return str(self.cursor)

    def _unseen(self, entry: Entry) -> bool:
        seen = self.cursor.record if entry.stream == Entry.RECORD_STREAM else self.cursor.internal
        return entry.seq > seen

    async def _access_ended(self) -> bool:
        revocations = hub.revocations(self.user_id)
        if revocations != self.revocations:
            # The member's access may have changed just now: only a re-check started from now on will do.
            self.revocations = revocations
            allowed, self.checked_at = await self.feed.may_still_read(self, time.monotonic())
            return not allowed
        if time.monotonic() - self.checked_at >= recheck_seconds():
            # Due: any re-check of the feed started since this stream's last one will do, so the
            # streams of a session converge on one re-check per interval.
            allowed, self.checked_at = await self.feed.may_still_read(self, self.checked_at)
            return not allowed
        return False

    def _join_feed(self) -> SessionFeed:
        feed = self.feed = feed_for(self.session_id, self.session_key)
        feed.readers += 1
        feed.streams.add(self)
        if self.panels:
            feed.panel_readers += 1
            feed.generation = -1  # a console needs the panels' state: read it at the next refresh
        return feed

    async def read(self) -> tuple[list[str], bool]:
        if self.feed is None:
            self._join_feed()
        if await self._access_ended():
            return [sse("gone", GONE)], True
        await self.feed.refresh()
        # A revocation heard while the feed was read may concern lines written after it: ask again
        # before showing them (cheap: only the revocation counter, unless it moved).
        if await self._access_ended():
            return [sse("gone", GONE)], True
        feed = self.feed
        window, base = feed.window, feed.base_pk or 0  # one consistent view for this read
        snapshot, pks = window
        upto = pks[-1] if pks else base
        events: list[str] = []
        if self.last_pk is None and base == 0:
            self.last_pk = 0  # the feed holds the whole session: what this stream lacks is in memory
        if self.last_pk is None or self.last_pk < base:
            events += await sync_to_async(self._replay, thread_sensitive=False)(upto)
            self.last_pk = upto
        for entry in snapshot[bisect.bisect_right(pks, self.last_pk) :]:
            if self.visible(entry) and self._unseen(entry):
                data = feed.render(self.kind, self.render, entry, self.viewer)
                events.append(sse("entry", data, self._advance(entry)))
        self.last_pk = max(self.last_pk, upto)
        if self.panels:
            events += self._panel_events()
        return events, False

    def _replay(self, up_to_pk: int) -> list[str]:
        """From the database: what this stream lacks up to the feed's position."""
        try:
            events = []
            while True:
                batch = list(
                    Entry.objects.filter(session_id=self.session_id, pk__lte=up_to_pk)
                    .filter(
                        Q(stream=Entry.RECORD_STREAM, seq__gt=self.cursor.record)
                        | Q(stream=self.internal_stream, seq__gt=self.cursor.internal)
                    )
                    .select_related(*ENTRY_RELATED)
                    .prefetch_related(*ENTRY_PREFETCH)
                    .order_by("pk")[:BATCH]
                )
                originals = _originals(batch)
                for entry in batch:
                    with self.viewer.rendering():
                        data = self.render(entry, originals.get(original_of(entry)), self.viewer)
                    events.append(sse("entry", data, self._advance(entry)))
                if len(batch) < BATCH:
                    return events
        finally:
            connection.close()

    def _panel_events(self) -> list[str]:
        state = self.feed.state
        previous, self.state = self.state, dict(state)
        if previous is None and not self.resumed:
            if not self.known_status or self.known_status == state.get("status"):
                return []
            # the console missed a close or a reopening while it was away: every panel is stale
            previous = {}
        previous = previous or {}
        events = [
            sse(name, value if name == "status" else "") for name, value in state.items() if previous.get(name) != value
        ]
        if self.render_in_place and previous.get("formulations") != state.get("formulations"):
            linked = [e for e in self.feed.linked if self.visible(e) and not self._unseen(e)]
            if linked:
                with self.viewer.rendering():
                    events.append(sse("entry", self.render_in_place(linked, self.viewer)))
        return events

    def here(self) -> list[str]:
        return self.feed.here if self.feed is not None else []

    def close(self) -> None:
        feed, self.feed = self.feed, None
        if feed is None:  # never read: it never joined its feed
            return
        feed.readers -= 1
        feed.streams.discard(self)
        feed.panel_readers -= 1 if self.panels else 0
        if feed.readers <= 0 and _feeds.get(self.session_id) is feed:
            _feeds.pop(self.session_id, None)


@dataclass(frozen=True)
class ConsoleQueue:
    """What one open console last said about its queue of unsent lines."""

    console: str
    who: str
    count: int
    at: float  # when it said so (epoch seconds)

    @property
    def silent(self) -> bool:
        """Not heard from lately: it may be offline, holding lines it could not report."""
        return time.time() - self.at > PENDING_SILENT_SECONDS


class PendingLines:
    """Each console reports how many typed lines it has not yet had stored:
    when the number changes and every 15 seconds while it is open. The
    close dialog reads the reports; a report not renewed for 15 minutes is
    forgotten. Kept in Redis beside presence (in this process without it).

    An honest count, not a guarantee: a console that is offline cannot
    report the lines typed since, so the dialog also names the consoles
    that have gone silent."""

    def __init__(self) -> None:
        self._local: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def report(self, session_key: str, console: str, who: str, count: int) -> None:
        value = json.dumps({"who": who, "count": count, "at": time.time()})
        if settings.REDIS_URL:
            with contextlib.suppress(redis.RedisError):
                client = _redis()
                key = f"{PENDING_PREFIX}{session_key}"
                client.hset(key, console, value)
                client.expire(key, PENDING_KEEP_SECONDS)
                return
        with self._lock:
            self._local.setdefault(session_key, {})[console] = value

    def forget(self, session_key: str, console: str) -> None:
        """The console was closed with nothing waiting in it."""
        if settings.REDIS_URL:
            with contextlib.suppress(redis.RedisError):
                _redis().hdel(f"{PENDING_PREFIX}{session_key}", console)
                return
        with self._lock:
            self._local.get(session_key, {}).pop(console, None)

    def read(self, session_key: str) -> list[ConsoleQueue]:
        raw: dict = {}
        if settings.REDIS_URL:
            try:
                raw = {k.decode(): v.decode() for k, v in _redis().hgetall(f"{PENDING_PREFIX}{session_key}").items()}
            except redis.RedisError:
                raw = {}
        else:
            with self._lock:
                raw = dict(self._local.get(session_key, {}))
        queues = []
        for console, value in raw.items():
            try:
                data = json.loads(value)
                queue = ConsoleQueue(console, str(data["who"]), int(data["count"]), float(data["at"]))
            except (ValueError, KeyError, TypeError):
                continue
            if time.time() - queue.at <= PENDING_KEEP_SECONDS:
                queues.append(queue)
        return sorted(queues, key=lambda q: (q.who, q.console))


pending_lines = PendingLines()
