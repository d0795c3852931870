"""RSS of one server process holding N API event streams, joined at most C at a time (issue 16).

    .venv/bin/python -m bench.held 1000 500 --port 8463 \\
        --database-url postgres://postgres@127.0.0.1:5432/verbatim_bench_sse --redis-url redis://127.0.0.1:6379/3

Builds a scene of N readers in the (already migrated) bench database, starts one uvicorn process (pool 10),
opens one stream and reads the server's RSS, opens the N-1 others (C connecting at once), waits 3 s and reads
it again: the memory each held stream costs, with nothing written meanwhile. ``--healthz`` asks /healthz once
first, as a load balancer's probe does (the process then imports Celery, to ask for a worker); ``--loop asyncio``
runs uvicorn on asyncio and h11 instead of uvloop and httptools.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench import stack


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def ask_healthz(port: int) -> None:
    """As a load balancer's probe does: the process then imports Celery, to ask for a worker."""
    with contextlib.suppress(urllib.error.HTTPError):  # 503: no worker runs beside the bench; asked all the same
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10).read()


async def held(
    port: int, env: dict[str, str], readers: int, at_once: int, loop: str = "uvloop", healthz: bool = False
) -> str:
    from bench.scenarios import build_scene

    scene = await asyncio.to_thread(build_scene, readers, 0, f"held {readers}")
    server = stack.Server(port, stack.Layout(workers=1, pool=10, loop=loop), env)
    path = f"/api/v1/sessions/{scene.session.public_id}/events"
    gate = asyncio.Semaphore(at_once)
    open_ = []

    async def one(token: str) -> None:
        async with gate:
            r, w = await asyncio.open_connection("127.0.0.1", port)
            w.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
            await w.drain()
            while not (await r.readline()).startswith(b"retry:"):
                pass
        open_.append(w)

    try:
        if healthz:
            await asyncio.to_thread(ask_healthz, port)
        await one(scene.readers[0])
        await asyncio.sleep(1)
        one_kb = rss_kb(server.process.pid)
        started = time.monotonic()
        await asyncio.gather(*(one(token) for token in scene.readers[1:]))
        joined = time.monotonic() - started
        await asyncio.sleep(3)
        many_kb = rss_kb(server.process.pid)
    finally:
        for w in open_:
            w.close()
        server.stop()
    return (
        f"{readers} streams joined {at_once} at a time: RSS {one_kb / 1024:.1f} MB with 1, {many_kb / 1024:.1f} MB "
        f"with {readers}, {(many_kb - one_kb) / (readers - 1):.1f} KB per stream; joined in {joined:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.held", description=__doc__.split("\n")[0])
    parser.add_argument("readers", type=int)
    parser.add_argument("at_once", type=int)
    parser.add_argument("--port", type=int, default=8450)
    parser.add_argument("--database-url", default=stack.DATABASE_URL)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop", help="asyncio: with h11")
    parser.add_argument("--healthz", action="store_true", help="ask /healthz once before the first reading")
    args = parser.parse_args()
    env = stack.configure(args.database_url, args.redis_url)
    os.environ["PGAPPNAME"] = "bench"
    import django

    django.setup()
    print(asyncio.run(held(args.port, env, args.readers, args.at_once, args.loop, args.healthz)))


if __name__ == "__main__":
    main()
