"""The benchmark suite: one command that starts the real stack and runs every scenario.

    .venv/bin/python -m bench run                      # every scenario, 60 s of steady state each
    .venv/bin/python -m bench run --quick              # fewer sizes, 10 s each
    .venv/bin/python -m bench run --only fanout,capture --seconds 30 --workers 1 --pool 10

PostgreSQL database ``verbatim_bench`` (created and migrated if missing), Redis database 5, uvicorn
on port 8450. Prints a table and writes bench/results/<time>.json. Each figure sits beside its floor
measured in the same run; server RSS, threads and database connections are sampled during each run,
and the load average is recorded before and after each scenario (the machine may be shared).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import stack

RESULTS = Path(__file__).resolve().parent / "results"
SCENARIOS = ("fanout", "capture", "request", "join", "console", "summary", "minutes", "dashboard")


@dataclass
class Context:
    port: int
    database: str  # its URL
    redis_url: str
    seconds: float
    server: stack.Server | None = None
    layout: stack.Layout | None = None  # how the server runs: the request scenario's floor servers run the same way
    cache: dict = field(default_factory=dict)

    def sampler(self) -> stack.Sampler:
        return stack.Sampler(self.server, self.database)


def plan(quick: bool, tiny: bool, readers_cap: int) -> list[tuple[str, int]]:
    if tiny:  # the smoke run in the test suite: every scenario, at a toy size
        return [
            ("fanout", 1),
            ("fanout", 3),
            ("capture", 1),
            ("capture", 2),
            ("request", 2),
            ("join", 3),
            ("console", 50),
            ("summary", 50),
            ("minutes", 1),
            ("dashboard", 5),
        ]
    fan = [1, 100, 200, 500, 1000] if quick else [1, 100, 200, 500, 1000, 5000]
    return [
        *[("fanout", n) for n in fan if n <= readers_cap],
        ("capture", 1),
        ("capture", 20),
        ("request", 1),
        ("request", 20),
        ("join", min(1000, readers_cap)),
        ("console", 10_000),
        ("summary", 10_000),
        ("minutes", 100),
        ("dashboard", 500),
    ]


async def run_all(ctx: Context, steps: list[tuple[str, int]], out: list[dict]) -> None:
    from bench import scenarios

    for name, size in steps:
        before = stack.load()
        started = time.monotonic()
        print(f"-- {name} {size} (load {before})", flush=True)
        try:
            figures = await getattr(scenarios, name)(ctx, size)
        except Exception as error:  # noqa: BLE001 - a failed scenario is a result, the rest still run
            figures = {"error": f"{error.__class__.__name__}: {error}"}
            if os.environ.get("BENCH_RAISE"):
                raise
        row = {"scenario": name, "size": size, **figures, "load_before": before, "load_after": stack.load()}
        row["wall_s"] = round(time.monotonic() - started, 1)
        out.append(row)
        print("   " + json.dumps(row), flush=True)


def table(rows: list[dict]) -> str:
    lines = []
    for row in rows:
        name = f"{row['scenario']} {row['size']}"
        if "error" in row:
            lines.append(f"{name:16} ERROR {row['error']}")
            continue
        skip = {"scenario", "size", "load_before", "load_after", "wall_s"}
        figures = ", ".join(f"{k}={v}" for k, v in row.items() if k not in skip)
        lines.append(f"{name:16} {figures}  [load {row['load_before']} -> {row['load_after']}]")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["run"])
    parser.add_argument("--quick", action="store_true", help="fewer fan-out sizes, 10 s per scenario")
    parser.add_argument("--tiny", action="store_true", help="toy sizes, 1 s: the smoke run")
    parser.add_argument("--only", default="", help=f"comma-separated: {','.join(SCENARIOS)}")
    parser.add_argument("--sizes", default="", help="comma-separated sizes (with --only of one scenario)")
    parser.add_argument("--seconds", type=float, default=None, help="steady state per scenario (default 60)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--pool", type=int, default=10, help="connection pool per process; 0 for none")
    parser.add_argument("--server", default="uvicorn", choices=["uvicorn", "gunicorn", "granian"])
    parser.add_argument(
        "--loop",
        default="uvloop",
        choices=["uvloop", "asyncio"],
        help="uvloop (and httptools under uvicorn), as Verbatim runs; asyncio (and h11) to compare",
    )
    parser.add_argument(
        "--fast", default="", help="a directory with gunicorn or granian for --server (pip install --target DIR)"
    )
    parser.add_argument("--port", type=int, default=8450)
    parser.add_argument("--database-url", default=stack.DATABASE_URL, help="created and migrated if missing")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--no-migrate", action="store_true", help="the database is already migrated")
    parser.add_argument("--label", default="", help="a name for this run, kept in the JSON")
    parser.add_argument("--out", default="", help="where to write the JSON (default bench/results/<time>.json)")
    args = parser.parse_args(argv)

    seconds = args.seconds or (1 if args.tiny else 10 if args.quick else 60)
    layout = stack.Layout(
        workers=args.workers, pool=args.pool or None, server=args.server, loop=args.loop, fast=args.fast
    )
    env = stack.configure(args.database_url, args.redis_url)
    os.environ["PGAPPNAME"] = "bench"  # this process's own connections are not counted as the server's
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    readers_cap = (resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 200) // 2  # a reader and its server end
    if not args.no_migrate:
        stack.ensure_database(args.database_url)
    import django

    django.setup()
    steps = plan(args.quick, args.tiny, readers_cap)
    if args.only:
        wanted = set(args.only.split(","))
        steps = [s for s in steps if s[0] in wanted]
        if args.sizes:
            steps = [(steps[0][0], int(n)) for n in args.sizes.split(",")]
    ctx = Context(
        port=args.port, database=env["DATABASE_URL"], redis_url=env["REDIS_URL"], seconds=seconds, layout=layout
    )
    ctx.server = stack.Server(args.port, layout, env)
    rows: list[dict] = []
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    try:
        asyncio.run(run_all(ctx, steps, rows))
        native = ctx.server.native_loop()
    finally:
        ctx.server.stop()
    report = {
        "label": args.label,
        "started": started,
        "layout": layout.label,
        "server_loaded": native,
        "seconds": seconds,
        "machine": {
            "cpus": os.cpu_count(),
            "cpu": stack.cpu_model(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
        },
        "command": " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])]),
        "results": rows,
    }
    print(f"\n{layout.label}, {seconds:g} s per scenario\n" + table(rows))
    if not args.tiny or args.out:
        path = (
            Path(args.out)
            if args.out
            else RESULTS / f"{started.replace(':', '')}{'-' + args.label if args.label else ''}.json"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=1) + "\n")
        print(f"written: {path}")
    return report


if __name__ == "__main__":
    main()
