"""How fast a new entry reaches many open API streams.

Starts uvicorn on PostgreSQL and Redis, opens N event streams for one
session, writes entries from this process (so each wake-up crosses
processes through Redis) and measures, per reader, the time from the
write's commit to the event's arrival. Reports median and p99 for each N,
with N=1 as the floor measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/verbatim_bench \\
    REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/fanout.py 1 100 300
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("VERBATIM_FAST_PASSWORDS", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from negotiations.models import ApiToken, Delegation, Membership, Negotiation, Party  # noqa: E402
from sessions.models import Session  # noqa: E402

PORT = 8765
ENTRIES = 20


def scene(readers: int):
    User = get_user_model()
    a, _ = Party.objects.get_or_create(name="Bench A")
    b, _ = Party.objects.get_or_create(name="Bench B")
    delegation, _ = Delegation.objects.get_or_create(name="Bench delegation", party=a)
    head, created = User.objects.get_or_create(username="bench-head")
    if created:
        delegation.add_member(head)
    negotiation = Negotiation.start(title=f"Bench {uuid.uuid4().hex[:6]}", parties=[a.name, b.name], by=head)
    head_m = Membership.objects.get(user=head, negotiation=negotiation)
    tokens = []
    for i in range(readers):
        user, made = User.objects.get_or_create(username=f"bench-reader-{i}")
        if made:
            delegation.add_member(user)
        negotiation.add_member(user=user, role=Membership.Role.REVIEWER, by=head_m)
        tokens.append(ApiToken.issue(user))
    session = Session.schedule(negotiation=negotiation, title="Bench")
    session.start()
    return session, head_m, tokens


async def reader(token: str, path: str, arrivals: dict, ready: asyncio.Event, counter: list[int], total: int):
    r, w = await asyncio.open_connection("127.0.0.1", PORT)
    w.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    await w.drain()
    seq = None
    while True:
        line = await r.readline()
        if not line:
            return
        text = line.decode().rstrip("\r\n")
        if os.environ.get("BENCH_DEBUG"):
            print(repr(text))
        if text.startswith("retry:"):
            counter[0] += 1
            if counter[0] == total:
                ready.set()
        elif text.startswith("id: "):
            seq = text[4:]
        elif text.startswith("data: ") and seq is not None:
            arrivals.setdefault(seq, []).append(time.perf_counter())
            seq = None


async def run(readers: int) -> list[float]:
    session, head_m, tokens = await asyncio.to_thread(scene, readers)
    path = f"/api/v1/sessions/{session.public_id}/events"
    arrivals: dict[str, list[float]] = {}
    ready = asyncio.Event()
    counter = [0]
    tasks = [asyncio.create_task(reader(t, path, arrivals, ready, counter, readers)) for t in tokens]
    await asyncio.wait_for(ready.wait(), 60)
    await asyncio.sleep(1.0)
    sent: dict[str, float] = {}
    for n in range(ENTRIES):

        def write(n=n):
            entry, _ = session.record_entry(membership=head_m, client_id=uuid.uuid4(), text=f"Bench line {n}")
            return f"{entry.seq}.0", time.perf_counter()

        key, at = await asyncio.to_thread(write)
        sent[key] = at
        await asyncio.sleep(0.25)
    await asyncio.sleep(2.0)
    for t in tasks:
        t.cancel()
    latencies = [(a - sent[k]) * 1000 for k, times in arrivals.items() if k in sent for a in times]
    missing = ENTRIES * readers - len(latencies)
    if missing:
        print(f"  {missing} deliveries missing")
    return latencies


def main() -> None:
    sizes = [int(n) for n in sys.argv[1:]] or [1, 100]
    call_command("migrate", verbosity=0)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--port",
            str(PORT),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
    )
    import urllib.request

    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/login/", timeout=1).read()
            break
        except OSError:
            time.sleep(0.2)
    try:
        results = {}
        for n in sizes:
            lat = asyncio.run(run(n))
            lat.sort()
            p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
            results[n] = (statistics.median(lat), p99)
            print(f"N={n:5d} readers: median {results[n][0]:7.1f} ms, p99 {p99:7.1f} ms ({len(lat)} deliveries)")
        floor = results.get(1)
        if floor:
            for n, (med, p99) in results.items():
                print(f"N={n:5d}: median {med / floor[0]:5.1f}x the 1-reader floor, p99 {p99 / floor[1]:5.1f}x")
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
