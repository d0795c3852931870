"""The benchmark scenarios. Each returns a dict of figures, every figure
beside its floor measured in the same run. Django is set up by the caller
(bench/__main__.py) against the bench database; the server is a separate
process (bench/stack.py) reached over HTTP like any client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import threading
import time
import uuid
from dataclasses import dataclass

ENTRY_EVERY = 0.25  # seconds between an author's lines in fan-out
CONNECTING = 500  # at most this many connections being opened at once (the listen backlogs are finite)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * q))], 2)


def med(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def ratio(value: float | None, floor: float | None) -> float | None:
    return round(value / floor, 1) if value and floor else None


# --- the scene ------------------------------------------------------------------------------------------------


@dataclass
class Scene:
    negotiation: object
    session: object
    head: object  # Membership
    head_token: str
    readers: list[str]  # API tokens of reviewers of the same delegation
    writers: list[tuple[object, str]]  # (Membership, token) of note-takers


def build_scene(readers: int, writers: int = 20, tag: str = "") -> Scene:
    from django.contrib.auth import get_user_model

    from negotiations.models import ApiToken, Delegation, Membership, Negotiation, Party
    from sessions.models import Session

    User = get_user_model()
    a, _ = Party.objects.get_or_create(name="Bench A")
    b, _ = Party.objects.get_or_create(name="Bench B")
    delegation, _ = Delegation.objects.get_or_create(name="Bench delegation", party=a)
    head, created = User.objects.get_or_create(username="bench-head")
    if created:
        delegation.add_member(head)
    negotiation = Negotiation.start(title=f"Bench {tag} {uuid.uuid4().hex[:6]}", parties=[a.name, b.name], by=head)
    head_m = Membership.objects.get(user=head, negotiation=negotiation)

    def member(name: str, role: str) -> tuple[Membership, str]:
        user, made = User.objects.get_or_create(username=name)
        if made:
            delegation.add_member(user)
        membership = negotiation.add_member(user=user, role=role, by=head_m)
        return membership, ApiToken.issue(user)

    reader_tokens = [member(f"bench-reader-{i}", Membership.Role.REVIEWER)[1] for i in range(readers)]
    writer_pairs = [member(f"bench-writer-{i}", Membership.Role.NOTE_TAKER) for i in range(writers)]
    session = Session.schedule(negotiation=negotiation, title="Bench")
    session.start()
    return Scene(negotiation, session, head_m, ApiToken.issue(head), reader_tokens, writer_pairs)


def scene_with_sessions(writers: int, sessions: int, tag: str) -> tuple[Scene, list]:
    """A scene of ``writers`` note-takers and ``sessions`` sessions in progress in its negotiation."""
    from sessions.models import Session

    scene = build_scene(0, writers, tag)
    targets = [scene.session]
    for i in range(1, sessions):
        extra = Session.schedule(negotiation=scene.negotiation, title=f"Bench {i}")
        extra.start()
        targets.append(extra)
    return scene, targets


def bulk_entries(session, membership, count: int) -> None:
    """``count`` shared entries with a valid hash chain, inserted in bulk (seeding, not measured)."""
    from django.utils import timezone

    from sessions.models import Entry

    last = session.entries.filter(stream=Entry.RECORD_STREAM).order_by("-seq").first()
    seq, digest = (last.seq, last.digest) if last else (0, "")
    kinds = ["statement", "note", "question", "proposal", "statement"]
    batch = []
    for i in range(count):
        seq += 1
        entry = Entry(
            session=session,
            stream=Entry.RECORD_STREAM,
            seq=seq,
            client_id=uuid.uuid4(),
            kind=kinds[i % len(kinds)],
            visibility="record",
            text=f"Line {seq}: the delegation restated its position on navigation in the strait, point {i % 40}.",
            author=membership.user,
            delegation=membership.delegation,
            created_at=timezone.now(),
        )
        entry.digest = digest = entry.compute_digest(digest)
        batch.append(entry)
        if len(batch) == 1000:
            Entry.objects.bulk_create(batch)
            batch = []
    if batch:
        Entry.objects.bulk_create(batch)
    # the planner's statistics, as autovacuum would have them for a table that grew this much
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE negotiation_sessions_entry")


# --- a tiny HTTP/1.1 client (keep-alive, SSE) -------------------------------------------------------------------


class Http:
    def __init__(self, port: int) -> None:
        self.port = port

    async def open(self) -> Http:
        self.r, self.w = await asyncio.open_connection("127.0.0.1", self.port, limit=2**20)
        return self

    async def request(self, method: str, path: str, token: str | None = None, body: dict | None = None, cookie=None):
        data = json.dumps(body).encode() if body is not None else b""
        head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
        if token:
            head.append(f"Authorization: Bearer {token}")
        if cookie:
            head.append(f"Cookie: {cookie}")
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
        self.w.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        await self.w.drain()
        status = int((await self.r.readline()).split()[1])
        length, chunked = 0, False
        while (line := await self.r.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding" and "chunked" in value:
                chunked = True
        if chunked:
            payload = b""
            while size := int((await self.r.readline()).strip(), 16):
                payload += await self.r.readexactly(size)
                await self.r.readline()
            await self.r.readline()
        else:
            payload = await self.r.readexactly(length)
        return status, payload

    def close(self) -> None:
        self.w.close()


async def post_entry(http: Http, session_id, token: str, text: str) -> tuple[int, dict]:
    status, payload = await http.request(
        "POST", f"/api/v1/sessions/{session_id}/entries", token, {"client_id": str(uuid.uuid4()), "text": text}
    )
    return status, (json.loads(payload) if payload else {})


class Readers:
    """N API event streams; ``arrivals[seq]`` lists when each reader got line ``seq``."""

    def __init__(self, port: int, session_id, tokens: list[str]) -> None:
        self.port, self.path, self.tokens = port, f"/api/v1/sessions/{session_id}/events", tokens
        self.arrivals: dict[int, list[float]] = {}
        self.connected: list[float] = []
        self.first_event: list[float] = []
        self.lost = 0
        self.all_connected = asyncio.Event()
        self.connecting = asyncio.Semaphore(CONNECTING)

    async def _one(self, token: str) -> None:
        try:
            async with self.connecting:
                r, w = await asyncio.open_connection("127.0.0.1", self.port)
            w.write(
                f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                "Accept: text/event-stream\r\n\r\n".encode()
            )
            await w.drain()
        except OSError:
            self.lost += 1
            return
        seq, got_first = None, False
        try:
            while line := await r.readline():
                text = line.decode().rstrip("\r\n")
                if text.startswith("retry:"):
                    self.connected.append(time.perf_counter())
                    if len(self.connected) == len(self.tokens):
                        self.all_connected.set()
                elif text.startswith("id: "):
                    seq = int(text[4:].split(".")[0])
                elif text.startswith("data: ") and seq is not None:
                    now = time.perf_counter()
                    self.arrivals.setdefault(seq, []).append(now)
                    if not got_first:
                        got_first = True
                        self.first_event.append(now)
                    seq = None
        except (OSError, asyncio.IncompleteReadError):
            pass
        self.lost += 1
        w.close()

    def start(self) -> list[asyncio.Task]:
        self.tasks = [asyncio.create_task(self._one(t)) for t in self.tokens]
        return self.tasks

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


# --- floors --------------------------------------------------------------------------------------------------


async def redis_floor(redis_url: str, readers: int, seconds: float) -> dict:
    """Redis PUBLISH to as many subscribers, one line every ENTRY_EVERY."""
    import redis.asyncio as aioredis

    channel = f"bench:floor:{uuid.uuid4().hex}"
    arrivals: list[float] = []
    sent: dict[int, float] = {}
    ready = 0
    all_ready = asyncio.Event()

    connecting = asyncio.Semaphore(CONNECTING)

    async def subscriber() -> None:
        nonlocal ready
        client = aioredis.Redis.from_url(redis_url)
        async with client.pubsub() as pubsub:
            async with connecting:
                await pubsub.subscribe(channel)
            ready += 1
            if ready == readers:
                all_ready.set()
            async for message in pubsub.listen():
                if message["type"] == "message":
                    arrivals.append((time.perf_counter() - sent[int(message["data"])]) * 1000)
        await client.aclose()

    t0 = time.perf_counter()
    tasks = [asyncio.create_task(subscriber()) for _ in range(readers)]
    await asyncio.wait_for(all_ready.wait(), 120)
    join = time.perf_counter() - t0
    publisher = aioredis.Redis.from_url(redis_url)
    n, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        n += 1
        sent[n] = time.perf_counter()
        await publisher.publish(channel, str(n))
        await asyncio.sleep(ENTRY_EVERY)
    await asyncio.sleep(min(1.0, seconds / 2))
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await publisher.aclose()
    return {"p50": med(arrivals), "p99": pct(arrivals, 0.99), "join_s": round(join, 2), "delivered": len(arrivals)}


def insert_floor(database: str, sessions: int, seconds: float, lock: bool, threads: int = 20) -> dict:
    """The same INSERT + COMMIT by ``threads`` psycopg threads (optionally in a
    transaction that first locks a session row, as record_entry does)."""
    import psycopg

    from bench.stack import dsn as bench_dsn

    dsn = bench_dsn(database)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_session (id int PRIMARY KEY, last int NOT NULL DEFAULT 0)")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_entry (id bigserial PRIMARY KEY, session int, seq int, "
            "client_id uuid UNIQUE, text text, digest text)"
        )
        conn.execute("TRUNCATE bench_entry")
        conn.execute(
            "INSERT INTO bench_session SELECT g FROM generate_series(0, %s) g ON CONFLICT DO NOTHING", [sessions]
        )
    latencies: list[list[float]] = [[] for _ in range(threads)]
    end = time.monotonic() + seconds

    def work(i: int) -> None:
        with psycopg.connect(dsn) as conn:
            session = i % sessions
            while time.monotonic() < end:
                t = time.perf_counter()
                with conn.transaction():
                    if lock:
                        conn.execute("SELECT last FROM bench_session WHERE id = %s FOR UPDATE", [session])
                    conn.execute(
                        "INSERT INTO bench_entry (session, seq, client_id, text, digest) VALUES (%s, 0, %s, %s, %s)",
                        [session, uuid.uuid4(), "Bench line", "0" * 64],
                    )
                latencies[i].append((time.perf_counter() - t) * 1000)

    started = time.monotonic()
    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    flat = [x for lat in latencies for x in lat]
    return {
        "per_s": round(len(flat) / (time.monotonic() - started)),
        "p50": med(flat),
        "p99": pct(flat, 0.99),
    }


# --- scenarios -----------------------------------------------------------------------------------------------


async def fanout(ctx, readers: int) -> dict:
    """One author adds a line every 250 ms through the API; N readers hold the
    API event stream; time from the author's send to each reader's receipt."""
    floor = await redis_floor(ctx.redis_url, readers, ctx.seconds)
    scene = await asyncio.to_thread(build_scene, readers, 0, f"fanout {readers}")
    stream = Readers(ctx.port, scene.session.public_id, scene.readers)
    stream.start()
    await asyncio.wait_for(stream.all_connected.wait(), 300)
    await asyncio.sleep(min(1.0, ctx.seconds / 4))
    http = await Http(ctx.port).open()
    # warm-up, not counted (as capture's): the server's pooled connections prepare their statements
    warm_until = time.monotonic() + min(3.0, ctx.seconds / 4)
    n = 0
    while time.monotonic() < warm_until:
        n += 1
        await post_entry(http, scene.session.public_id, scene.head_token, f"Warm-up line {n}")
        await asyncio.sleep(ENTRY_EVERY)
    sent: dict[int, float] = {}
    posts: list[float] = []
    with ctx.sampler() as sampler:
        end = time.monotonic() + ctx.seconds
        while time.monotonic() < end:
            n += 1
            t = time.perf_counter()
            status, body = await post_entry(http, scene.session.public_id, scene.head_token, f"Fan-out line {n}")
            posts.append((time.perf_counter() - t) * 1000)
            if status in (200, 201):
                sent[body["seq"]] = t
            await asyncio.sleep(max(0.0, ENTRY_EVERY - (time.perf_counter() - t)))
        await asyncio.sleep(min(2.0, ctx.seconds / 2))  # the last lines' deliveries
    http.close()
    latencies = [(a - sent[s]) * 1000 for s, times in stream.arrivals.items() if s in sent for a in times]
    expected = len(sent) * readers
    lost = stream.lost
    await stream.stop()
    p50, p99 = med(latencies), pct(latencies, 0.99)
    return {
        "readers": readers,
        "lines": len(sent),
        "p50": p50,
        "p99": p99,
        "floor_p50": floor["p50"],
        "floor_p99": floor["p99"],
        "ratio_p50": ratio(p50, floor["p50"]),
        "ratio_p99": ratio(p99, floor["p99"]),
        "delivered_pct": round(100 * len(latencies) / expected, 1) if expected else None,
        "streams_lost": lost,
        "post_p50": med(posts),
        "post_p99": pct(posts, 0.99),
        **sampler.summary(),
    }


async def hammer(ctx, server, writers: int, path_of, token_of) -> dict:
    """``writers`` clients POST a line as fast as they can to ``path_of(i)`` on ``server`` for the
    scenario's seconds, after a warm-up of every writer's connection and the server's pool: lines per
    second, latencies, failures, and the server sampled while they ran."""
    from bench import stack

    latencies: list[float] = []
    failures = 0

    async def writer(i: int, end: float) -> None:
        nonlocal failures
        http = await Http(server.port).open()
        n = 0
        while time.monotonic() < end:
            n += 1
            t = time.perf_counter()
            body = {"client_id": str(uuid.uuid4()), "text": f"Writer {i} line {n}"}
            status, _ = await http.request("POST", path_of(i), token_of(i), body)
            if status in (200, 201):
                latencies.append((time.perf_counter() - t) * 1000)
            else:
                failures += 1
        http.close()

    await asyncio.gather(*(writer(i, time.monotonic() + min(1.0, ctx.seconds / 4)) for i in range(writers)))
    latencies.clear()
    with stack.Sampler(server, ctx.database) as sampler:
        started = time.monotonic()
        await asyncio.gather(*(writer(i, started + ctx.seconds) for i in range(writers)))
        elapsed = time.monotonic() - started
    return {
        "per_s": round(len(latencies) / elapsed),
        "p50": med(latencies),
        "p99": pct(latencies, 0.99),
        "failures": failures,
        **sampler.summary(),
    }


def entries_path(session) -> str:
    return f"/api/v1/sessions/{session.public_id}/entries"


async def capture(ctx, sessions: int) -> dict:
    """20 writers post entries as fast as they can, into one session or 20."""
    floor_key = "insert_floor_lock" if sessions > 1 else "insert_floor_lock_one"
    floor = await asyncio.to_thread(insert_floor, ctx.database, 20, ctx.seconds, False)
    locked = await asyncio.to_thread(insert_floor, ctx.database, sessions, ctx.seconds, True)
    scene, targets = await asyncio.to_thread(scene_with_sessions, 20, sessions, f"capture {sessions}")
    figures = await hammer(
        ctx, ctx.server, 20, lambda i: entries_path(targets[i % len(targets)]), lambda i: scene.writers[i][1]
    )
    return {
        "sessions": sessions,
        **figures,
        "floor_per_s": floor["per_s"],
        "floor_p50": floor["p50"],
        "floor_p99": floor["p99"],
        "locked_floor_per_s": locked["per_s"],
        "locked_floor_p50": locked["p50"],
        "locked_floor_p99": locked["p99"],
        "ratio_per_s": round(floor["per_s"] / figures["per_s"], 1) if figures["per_s"] else None,
        "floor": floor_key,
    }


async def request(ctx, writers: int) -> dict:
    """The entry POST beside its floors: ``writers`` clients POST as fast as they can, each into its
    own session; then the same clients POST the same body to a Django view that does nothing
    (``bench/floor.py``) behind Verbatim's middleware, and to one with no middleware at all, each on a
    server started as Verbatim's is (same server, loop, protocol and settings); and as many psycopg
    threads do the database's part alone (lock a session row, INSERT, COMMIT)."""
    import socket

    from bench import stack

    scene, targets = await asyncio.to_thread(scene_with_sessions, writers, writers, f"request {writers}")
    database = await asyncio.to_thread(insert_floor, ctx.database, writers, ctx.seconds, True, writers)
    entry = await hammer(ctx, ctx.server, writers, lambda i: entries_path(targets[i]), lambda i: scene.writers[i][1])
    floors = {}
    for name, extra in (("floor", {}), ("bare", {"BENCH_BARE": "1"})):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {"DATABASE_URL": ctx.database, "REDIS_URL": ctx.redis_url, "DJANGO_SETTINGS_MODULE": "bench.floor"}
        server = await asyncio.to_thread(stack.Server, port, ctx.layout, {**env, **extra})
        try:
            floors[name] = await hammer(ctx, server, writers, lambda i: "/api/v1/nothing", lambda i: None)
        finally:
            server.stop()
    return {
        "writers": writers,
        **entry,
        **{f"{name}_{key}": value for name, figures in floors.items() for key, value in figures.items()},
        **{f"db_{key}": value for key, value in database.items()},
        "ratio_p50": ratio(entry["p50"], floors["floor"]["p50"]),
        "ratio_per_s": round(floors["floor"]["per_s"] / entry["per_s"], 1) if entry["per_s"] else None,
    }


async def join(ctx, readers: int) -> dict:
    """N readers open the API stream at once: time until all are connected, and
    until all have received a line written once they were all connected."""
    floor = await redis_floor(ctx.redis_url, readers, 1)
    scene = await asyncio.to_thread(build_scene, readers, 0, f"join {readers}")
    stream = Readers(ctx.port, scene.session.public_id, scene.readers)
    with ctx.sampler() as sampler:
        t0 = time.perf_counter()
        stream.start()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stream.all_connected.wait(), 120)
        connected = time.perf_counter() - t0
        http = await Http(ctx.port).open()
        await post_entry(http, scene.session.public_id, scene.head_token, "First line after joining")
        deadline = time.monotonic() + 60
        while len(stream.first_event) < readers and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        served = (max(stream.first_event) - t0) if stream.first_event else None
        http.close()
    await stream.stop()
    return {
        "readers": readers,
        "connected_s": round(connected, 2),
        "served_s": round(served, 2) if served else None,
        "served_readers": len(stream.first_event),
        "floor_connected_s": floor["join_s"],
        "ratio": ratio(connected, floor["join_s"]),
        **sampler.summary(),
    }


def _timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return times


def _rows_floor(database: str, sql: str, params: list, repeat: int) -> list[float]:
    import psycopg

    from bench.stack import dsn

    with psycopg.connect(dsn(database)) as conn:
        return _timed(lambda: conn.execute(sql, params).fetchall(), repeat)


def big_session(ctx, entries: int):
    """A session of ``entries`` shared lines (built once per run and size)."""
    key = ("big", entries)
    if key not in ctx.cache:
        scene = build_scene(0, 1, f"big {entries}")
        bulk_entries(scene.session, scene.writers[0][0], entries)
        ctx.cache[key] = scene
    return ctx.cache[key]


async def console(ctx, entries: int) -> dict:
    """The console page of a session of ``entries`` lines, over HTTP, signed in."""
    from django.test import Client

    def prepare():
        scene = big_session(ctx, entries)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(scene.writers[0][0].user)
        return scene, f"sessionid={client.cookies['sessionid'].value}"

    scene, cookie = await asyncio.to_thread(prepare)
    http = await Http(ctx.port).open()
    path = f"/sessions/{scene.session.public_id}/"
    status, body = await http.request("GET", path, cookie=cookie)
    assert status == 200, f"console answered {status}"
    times = []
    with ctx.sampler() as sampler:
        end = time.monotonic() + ctx.seconds
        while time.monotonic() < end or len(times) < 3:
            t = time.perf_counter()
            await http.request("GET", path, cookie=cookie)
            times.append((time.perf_counter() - t) * 1000)
    http.close()
    floor = await asyncio.to_thread(
        _rows_floor,
        ctx.database,
        "SELECT * FROM negotiation_sessions_entry WHERE session_id = %s ORDER BY id",
        [scene.session.pk],
        5,
    )
    return {
        "entries": entries,
        "bytes": len(body),
        "p50_ms": med(times),
        "p99_ms": pct(times, 0.99),
        "floor_ms": med(floor),
        "ratio": ratio(med(times), med(floor)),
        **sampler.summary(),
    }


async def summary(ctx, entries: int) -> dict:
    """Building the end-of-session summary of ``entries`` lines (what the Celery job runs)."""
    from sessions.summary import build_session_summary, draft_narrative

    def run():
        scene = big_session(ctx, entries)
        return _timed(lambda: draft_narrative(build_session_summary(scene.session)), 3), scene

    times, scene = await asyncio.to_thread(run)
    floor = await asyncio.to_thread(
        _rows_floor,
        ctx.database,
        "SELECT * FROM negotiation_sessions_entry WHERE session_id = %s ORDER BY id",
        [scene.session.pk],
        3,
    )
    return {"entries": entries, "ms": med(times), "floor_ms": med(floor), "ratio": ratio(med(times), med(floor))}


async def minutes(ctx, pages: int) -> dict:
    """The minutes of a session long enough for ``pages`` pages of PDF, as PDF and DOCX."""
    import io

    from pypdf import PdfReader

    from exports.records import minutes_record, prepare, render

    def run():
        per_page = ctx.cache.get("lines_per_page")
        if per_page is None:  # measure how many lines fill a page
            lines = 30 if pages < 5 else 300
            probe = big_session(ctx, lines)
            pdf = render(prepare(minutes_record(probe.session)), "pdf")
            per_page = ctx.cache["lines_per_page"] = lines / len(PdfReader(io.BytesIO(pdf)).pages)
            ctx.cache["probe"] = probe
        scene = ctx.cache["probe"] if pages < 5 else big_session(ctx, int(per_page * pages))
        repeat = 1 if pages < 5 else 3
        record_ms = _timed(lambda: minutes_record(scene.session), repeat)
        export = prepare(minutes_record(scene.session))
        pdf = []
        pdf_ms = _timed(lambda: pdf.append(render(export, "pdf")), repeat)
        docx_ms = _timed(lambda: render(export, "docx"), repeat)
        got = len(PdfReader(io.BytesIO(pdf[-1])).pages)
        return scene, got, record_ms, pdf_ms, docx_ms

    scene, got, record_ms, pdf_ms, docx_ms = await asyncio.to_thread(run)
    return {
        "pages": got,
        "record_ms": med(record_ms),
        "pdf_render_ms": med(pdf_ms),
        "docx_render_ms": med(docx_ms),
        "pdf_ms": round(med(record_ms) + med(pdf_ms), 1),
        "docx_ms": round(med(record_ms) + med(docx_ms), 1),
        "floor_ms": med(record_ms),
        "floor": "building the record the file renders (minutes_record)",
    }


async def dashboard(ctx, points: int) -> dict:
    """The negotiation's desk (detail page) with ``points`` points, each with a formulation."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def prepare(n: int):
        from agreements.models import Point

        scene = build_scene(0, 1, f"dashboard {n}")
        member = scene.writers[0][0]
        party = scene.negotiation.parties.first()
        for i in range(n):
            point = Point.open(negotiation=scene.negotiation, title=f"Point {i}")
            point.propose(text=f"The parties [shall] consider matter {i}.", party=party, membership=member)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(member.user)
        path = f"/negotiations/{scene.negotiation.public_id}/"
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(path)
        assert answer.status_code == 200, f"the desk answered {answer.status_code}"
        return path, f"sessionid={client.cookies['sessionid'].value}", len(queries), scene

    small_path, _, small_queries, _ = await asyncio.to_thread(prepare, max(1, points // 10))
    path, cookie, queries, scene = await asyncio.to_thread(prepare, points)
    http = await Http(ctx.port).open()
    times = []
    with ctx.sampler() as sampler:
        end = time.monotonic() + ctx.seconds
        while time.monotonic() < end or len(times) < 3:
            t = time.perf_counter()
            status, _ = await http.request("GET", path, cookie=cookie)
            times.append((time.perf_counter() - t) * 1000)
    http.close()
    assert status == 200
    floor = await asyncio.to_thread(
        _rows_floor,
        ctx.database,
        "SELECT * FROM agreements_point p JOIN agreements_formulation f ON f.point_id = p.id WHERE p.negotiation_id = %s",
        [scene.negotiation.pk],
        5,
    )
    return {
        "points": points,
        "p50_ms": med(times),
        "p99_ms": pct(times, 0.99),
        "queries": queries,
        f"queries_at_{max(1, points // 10)}_points": small_queries,
        "floor_ms": med(floor),
        "ratio": ratio(med(times), med(floor)),
        **sampler.summary(),
    }
