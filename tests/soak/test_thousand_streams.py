"""A soak test: 1,000 API event streams held for 60 s by one uvicorn process
with a pool of ten database connections while a writer posts an entry every
half second through the API.

Long (about two minutes), so it runs only when asked:

    VERBATIM_SOAK=1 bin/test tests/soak

``VERBATIM_SOAK_REPORT=path.json`` also writes the figures there;
``VERBATIM_SOAK_STREAMS`` and ``VERBATIM_SOAK_SECONDS`` shrink it while
working on the test itself. The streams re-check membership at the default
interval (15 s), so each re-checks three or four times while held: the
checks must give their connection back, or the pool runs dry and the writes
and streams fail (issue 12).

Figures (printed as a ``soak:`` line, with a per-second timeline): write
latency from send to answer; delivery latency from the write's answer to
each stream's receipt of the entry (an entry can reach a stream a little
before its writer has the answer, so a small negative value is possible);
the server's connections in pg_stat_activity (by its application_name),
its RSS and its thread count, sampled every second."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import os
import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from negotiations.models import ApiToken
from tests.conftest import url_of_test_database
from tests.scene import build_scene

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("VERBATIM_SOAK") != "1",
        reason="soak test (about 2 minutes): run it with VERBATIM_SOAK=1 bin/test tests/soak",
    ),
    pytest.mark.django_db(transaction=True),
]

STREAMS = int(os.environ.get("VERBATIM_SOAK_STREAMS", "1000"))
HOLD_SECONDS = float(os.environ.get("VERBATIM_SOAK_SECONDS", "60"))
WRITE_EVERY = 0.5
POOL_SIZE = 10
OPENING_AT_ONCE = 50  # streams being opened concurrently
WRITE_TIMEOUT = 40.0  # longer than the pool's wait for a connection: a starved server answers, late
REPLAYED = 2  # what Severia's note-taker sees of the scene: the shared entry and Severia's internal one


@pytest.fixture
def scene(world):
    return build_scene(world)


@dataclass
class Reader:
    """One open event stream: what it received and when."""

    status: int = 0
    texts: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    received_at: list[float] = field(default_factory=list)
    ended: str | None = None  # why the stream stopped, if it did
    other_events: list[str] = field(default_factory=list)
    writer: asyncio.StreamWriter | None = None


@dataclass
class Write:
    text: str
    sent_at: float
    answered_at: float = 0.0
    status: int = 0  # 0: no answer
    seq: int | None = None
    error: str = ""


@dataclass
class Sample:
    at: float
    connections: int
    rss_kb: int
    threads: int
    streams_open: int


async def read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("no answer")
    status = int(status_line.split()[1])
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers


async def body_chunks(reader: asyncio.StreamReader, headers: dict[str, str]):
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size_line = await reader.readline()
            if not size_line:
                raise ConnectionError("the connection closed mid-body")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                await reader.readline()
                return
            chunk = await reader.readexactly(size)
            await reader.readexactly(2)
            yield chunk
    elif "content-length" in headers:
        yield await reader.readexactly(int(headers["content-length"]))
    else:
        while chunk := await reader.read(65536):
            yield chunk


def request_bytes(method: str, path: str, port: int, token: str, body: bytes = b"", extra: str = "") -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n{extra}"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def hold_stream(port: int, path: str, token: str, state: Reader, opened: asyncio.Event) -> None:
    """Open one stream and read it until cancelled; SSE parsed by hand."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        state.writer = writer
        writer.write(request_bytes("GET", path, port, token, extra="Accept: text/event-stream\r\n"))
        await writer.drain()
        state.status, headers = await read_head(reader)
        if state.status != 200:
            state.ended = f"answered {state.status}"
            return
        buffer = b""
        event, event_id, data = "message", None, []
        async for chunk in body_chunks(reader, headers):
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for raw in lines:
                line = raw.decode().rstrip("\r")
                if line == "":
                    if event == "entry" and data:
                        state.texts.append(json.loads("\n".join(data))["text"])
                        state.ids.append(event_id)
                        state.received_at.append(time.monotonic())
                        if len(state.texts) == REPLAYED:
                            opened.set()
                    elif data:
                        state.other_events.append(event)
                    event, event_id, data = "message", None, []
                elif line.startswith(":"):
                    continue
                else:
                    name, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    if name == "event":
                        event = value
                    elif name == "id":
                        event_id = value
                    elif name == "data":
                        data.append(value)
        state.ended = "the server ended the stream"
    except asyncio.CancelledError:
        raise
    except Exception as error:  # a dropped stream is a finding, not a crash of the test
        state.ended = f"{type(error).__name__}: {error}"
    finally:
        opened.set()  # never leave the opener waiting on a stream that failed


async def post_entry(port: int, path: str, token: str, write: Write) -> None:
    body = json.dumps({"client_id": str(uuid.uuid4()), "text": write.text}).encode()
    try:
        async with asyncio.timeout(WRITE_TIMEOUT):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                writer.write(
                    request_bytes(
                        "POST", path, port, token, body, extra="Content-Type: application/json\r\nConnection: close\r\n"
                    )
                )
                await writer.drain()
                status, headers = await read_head(reader)
                answer = b"".join([chunk async for chunk in body_chunks(reader, headers)])
                write.answered_at = time.monotonic()
                write.status = status
                if 200 <= status < 300:
                    write.seq = json.loads(answer)["seq"]
                else:
                    write.error = answer[:200].decode(errors="replace")
            finally:
                writer.close()
    except Exception as error:
        write.answered_at = time.monotonic()
        write.error = f"{type(error).__name__}: {error}"


def process_status(pid: int) -> tuple[int, int]:
    """The server's resident memory (kB) and thread count."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.split()
    return int(fields["VmRSS"][0]), int(fields["Threads"][0])


async def sample_every_second(
    database_url: str,
    application_name: str,
    pid: int,
    readers: list[Reader],
    samples: list[Sample],
    stop: asyncio.Event,
) -> None:
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        started = time.monotonic()
        while not stop.is_set():
            tick = time.monotonic()
            cursor = await conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [application_name]
            )
            (connections,) = await cursor.fetchone()
            rss_kb, threads = process_status(pid)
            streams_open = sum(1 for r in readers if r.status == 200 and r.ended is None)
            samples.append(Sample(round(tick - started, 1), connections, rss_kb, threads, streams_open))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=max(0.0, 1.0 - (time.monotonic() - tick)))


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def median_p99(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    if len(values) == 1:
        return ms(values[0]), ms(values[0])
    return ms(statistics.median(values)), ms(statistics.quantiles(values, n=100, method="inclusive")[98])


async def soak(
    url_of_database: str,
    port: int,
    pid: int,
    session_id: str,
    reader_token: str,
    writer_token: str,
    application_name: str,
):
    events_path = f"/api/v1/sessions/{session_id}/events"
    entries_path = f"/api/v1/sessions/{session_id}/entries"
    readers = [Reader() for _ in range(STREAMS)]
    samples: list[Sample] = []
    stop_sampling = asyncio.Event()
    sampler = asyncio.create_task(
        sample_every_second(url_of_database, application_name, pid, readers, samples, stop_sampling)
    )

    # Open the streams, OPENING_AT_ONCE at a time, each counted open once its replay arrived.
    opening_started = time.monotonic()
    gate = asyncio.Semaphore(OPENING_AT_ONCE)
    tasks: list[asyncio.Task] = []

    async def open_one(state: Reader) -> None:
        async with gate:
            opened = asyncio.Event()
            tasks.append(asyncio.create_task(hold_stream(port, events_path, reader_token, state, opened)))
            async with asyncio.timeout(60):
                await opened.wait()

    opening = await asyncio.gather(*(open_one(r) for r in readers), return_exceptions=True)
    opening_seconds = time.monotonic() - opening_started
    not_opened = sum(1 for outcome in opening if isinstance(outcome, BaseException))

    # Hold them while a writer posts one entry every WRITE_EVERY seconds.
    hold_started = time.monotonic()
    writes: list[Write] = []
    write_tasks = []
    n = 0
    while (due := hold_started + n * WRITE_EVERY) < hold_started + HOLD_SECONDS:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        write = Write(text=f"Soak line {n:04d}.", sent_at=time.monotonic())
        writes.append(write)
        write_tasks.append(asyncio.create_task(post_entry(port, entries_path, writer_token, write)))
        n += 1
    await asyncio.sleep(max(0.0, hold_started + HOLD_SECONDS - time.monotonic()))
    await asyncio.gather(*write_tasks)

    # Let the last entries arrive, then look at every stream.
    stored = sorted((w for w in writes if w.seq is not None), key=lambda w: w.seq)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(
        r.ended is None and len(r.texts) < REPLAYED + len(stored) for r in readers
    ):
        await asyncio.sleep(0.2)
    held_seconds = time.monotonic() - hold_started
    stop_sampling.set()
    await sampler
    for state in readers:
        if state.writer is not None:
            state.writer.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return readers, writes, stored, samples, opening_seconds, not_opened, held_seconds


def test_a_thousand_streams_held_a_minute_with_a_pool_of_ten_while_writes_continue(start_asgi_server, scene, capsys):
    application_name = f"soak-{uuid.uuid4().hex[:8]}"
    server = start_asgi_server(
        DATABASE_URL=url_of_test_database(f"?pool_size={POOL_SIZE}&application_name={application_name}")
    )
    reader_token = ApiToken.issue(scene.other_note_taker)
    writer_token = ApiToken.issue(scene.note_taker)
    pid = server.process.pid
    rss_start, threads_start = process_status(pid)

    readers, writes, stored, samples, opening_seconds, not_opened, held_seconds = asyncio.run(
        soak(
            url_of_test_database(),
            server.port,
            pid,
            str(scene.session.public_id),
            reader_token,
            writer_token,
            application_name,
        )
    )
    server_alive = server.process.poll() is None
    rss_end, threads_end = process_status(pid) if server_alive else (0, 0)

    expected = [w.text for w in stored]
    answered = {w.text: w.answered_at for w in stored}
    delivery = [
        at - answered[text]
        for r in readers
        for text, at in zip(r.texts[REPLAYED:], r.received_at[REPLAYED:], strict=False)
        if text in answered
    ]
    write_latency = [w.answered_at - w.sent_at for w in writes if w.status]
    statuses = collections.Counter(str(w.status or w.error.partition(":")[0]) for w in writes)
    complete = sum(1 for r in readers if r.ended is None and r.texts[REPLAYED:] == expected)
    ended = collections.Counter(r.ended[:120] for r in readers if r.ended is not None)
    connections = [s.connections for s in samples]
    figures = {
        "streams": STREAMS,
        "pool_size": POOL_SIZE,
        "opening_s": round(opening_seconds, 1),
        "not_opened": not_opened,
        "held_s": round(held_seconds, 1),
        "writes": len(writes),
        "write_statuses": dict(statuses),
        "write_ms_median": median_p99(write_latency)[0],
        "write_ms_p99": median_p99(write_latency)[1],
        "write_ms_max": ms(max(write_latency)) if write_latency else None,
        "deliveries": len(delivery),
        "delivery_ms_median": median_p99(delivery)[0],
        "delivery_ms_p99": median_p99(delivery)[1],
        "streams_open_at_end": sum(1 for r in readers if r.status == 200 and r.ended is None),
        "streams_complete": complete,
        "streams_ended": dict(ended),
        "connections_max": max(connections, default=None),
        "connections_median": statistics.median(connections) if connections else None,
        "samples": len(samples),
        "rss_mb_start": round(rss_start / 1024, 1),
        "rss_mb_end": round(rss_end / 1024, 1),
        "rss_mb_max": round(max((s.rss_kb for s in samples), default=0) / 1024, 1),
        "threads_start": threads_start,
        "threads_end": threads_end,
        "threads_max": max((s.threads for s in samples), default=None),
        "server_alive": server_alive,
        "timeline": [[s.at, s.connections, s.streams_open, s.threads, round(s.rss_kb / 1024, 1)] for s in samples],
    }
    line = " ".join(f"{k}={v}" for k, v in figures.items() if k != "timeline")
    with capsys.disabled():
        print(f"\nsoak: {line}")
        print("soak timeline [s, connections, streams open, threads, RSS MB]: " + json.dumps(figures["timeline"]))
    if report := os.environ.get("VERBATIM_SOAK_REPORT"):
        Path(report).write_text(json.dumps(figures, indent=2) + "\n")

    assert server_alive
    refused = [r for r in readers if r.status != 200]
    assert not not_opened and not refused, f"{not_opened} streams did not open in time, {len(refused)} refused: {ended}"
    bad_writes = [(w.text, w.status, w.error) for w in writes if not 200 <= w.status < 300]
    assert not bad_writes, f"{len(bad_writes)} of {len(writes)} writes failed, e.g. {bad_writes[:3]}"
    assert len(stored) == len(writes)
    assert [w.text for w in sorted(stored, key=lambda w: w.sent_at)] == expected  # stored in the order sent
    dropped = [r.ended for r in readers if r.ended is not None]
    assert not dropped, f"{len(dropped)} of {STREAMS} streams ended: {dict(ended)}"
    for r in readers:
        assert r.texts[REPLAYED:] == expected, (len(r.texts), r.texts[-3:])  # every entry, once, in order
        cursors = [tuple(int(part) for part in i.split(".")) for i in r.ids]
        assert cursors == sorted(set(cursors))
        assert "gone" not in r.other_events
    assert max(connections) <= POOL_SIZE, figures["timeline"]
