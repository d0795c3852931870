"""The real stack a benchmark runs against, started by the benchmark itself:
PostgreSQL database ``verbatim_bench``, Redis database 5 and uvicorn on its
own port, plus a sampler of the server's RSS, threads and database
connections while a scenario runs."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/verbatim_bench"


def db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def dsn(url: str, app: str = "bench") -> str:
    """A libpq URL for this process's own connections, named so the sampler does not count them."""
    return f"{url.split('?')[0]}?application_name={app}"


@dataclass
class Layout:
    """How the web server runs: which server, how many processes, the pool."""

    workers: int = 1
    pool: int | None = 10
    server: str = "uvicorn"  # uvicorn | gunicorn | granian
    loop: str = "uvloop"  # uvloop (with httptools under uvicorn, as Verbatim runs) | asyncio (with h11)
    fast: str = ""  # a directory holding gunicorn or granian, put on the server's PYTHONPATH

    @property
    def label(self) -> str:
        pool = f"pool {self.pool}" if self.pool else "no pool"
        if self.server == "granian":
            loop = f", {self.loop}"
        else:
            loop = ", uvloop+httptools" if self.loop == "uvloop" else ", asyncio+h11"
        return f"{self.server} x{self.workers}, {pool}{loop}"


def configure(database_url: str, redis_url: str) -> dict[str, str]:
    """Environment for the server and for this process (set before Django starts)."""
    env = {
        "DATABASE_URL": database_url.split("?")[0],
        "REDIS_URL": redis_url,
        "VERBATIM_FAST_PASSWORDS": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_POOL_TIMEOUT": "10",
    }
    os.environ.update(env)
    return env


def ensure_database(url: str) -> None:
    """Create the bench database if missing, and migrate it."""
    import psycopg

    database = db_name(url)
    admin = urlsplit(url)._replace(path="/postgres", query="").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            conn.execute(f'CREATE DATABASE "{database}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        check=True,
        env={**os.environ, "DATABASE_URL": url.split("?")[0]},
    )


class Server:
    def __init__(self, port: int, layout: Layout, env: dict[str, str]) -> None:
        self.port, self.layout = port, layout
        if layout.server == "gunicorn":
            command = [
                sys.executable, "-m", "gunicorn", "config.asgi:application", "-k", "uvicorn.workers.UvicornWorker",
                "-w", str(layout.workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
            ]  # fmt: skip
        elif layout.server == "granian":  # Rust HTTP; asginl: Django does not speak the ASGI lifespan protocol
            command = [
                sys.executable, "-m", "granian", "--interface", "asginl", "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(layout.workers), "--log-level", "warning", "--no-ws",
                "--loop", layout.loop, "config.asgi:application",
            ]  # fmt: skip
        else:
            command = [
                sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port),
                "--log-level", "warning", "--no-access-log", "--workers", str(layout.workers),
                "--timeout-graceful-shutdown", "2",
            ]  # fmt: skip
            command += [
                "--loop",
                layout.loop,
                "--http",
                "config.http:HttpProtocol" if layout.loop == "uvloop" else "h11",
            ]
        url = env["DATABASE_URL"].split("?")[0] + (f"?pool_size={layout.pool}" if layout.pool else "")
        base = {k: v for k, v in os.environ.items() if k != "PGAPPNAME"}  # the bench's own connections say "bench"
        if layout.fast:
            base["PYTHONPATH"] = os.pathsep.join(filter(None, [layout.fast, base.get("PYTHONPATH")]))
        self.process = subprocess.Popen(command, cwd=ROOT, env={**base, **env, "DATABASE_URL": url})
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("the bench server did not start") from None
                time.sleep(0.2)

    def pids(self) -> list[int]:
        """The server and its worker processes."""
        pids = [self.process.pid]
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
            pids += [int(c) for c in children]
        except OSError:
            pass
        return pids

    def native_loop(self) -> dict[str, bool]:
        """Whether the server's processes have uvloop and httptools loaded: what ``--loop`` asked for,
        seen in the processes themselves."""
        maps = "".join(Path(f"/proc/{pid}/maps").read_text() for pid in self.pids())
        return {"uvloop": "/uvloop/" in maps, "httptools": "/httptools/" in maps}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _proc(pid: int) -> tuple[int, int]:
    rss = threads = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    except OSError:
        pass
    return rss, threads


def _cpu(pids: list[int]) -> float:
    """CPU seconds used so far by these processes."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class Sampler:
    """Samples the server's RSS (MB), threads and the bench database's client
    connections every half second, in a thread, while a scenario runs."""

    server: Server
    database: str
    rss: list[float] = field(default_factory=list)
    threads: list[int] = field(default_factory=list)
    connections: list[int] = field(default_factory=list)

    def __enter__(self) -> Sampler:
        import psycopg

        self._stop = threading.Event()
        self._conn = psycopg.connect(dsn(self.database), autocommit=True)
        self._cpu0, self._t0 = _cpu(self.server.pids()), time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()

    def sample(self) -> None:
        rss = threads = 0
        for pid in self.server.pids():
            r, t = _proc(pid)
            rss, threads = rss + r, threads + t
        self.rss.append(rss / 1024)
        self.threads.append(threads)
        (count,) = self._conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend' AND application_name <> 'bench'",
            [db_name(self.database)],
        ).fetchone()
        self.connections.append(count)

    def __exit__(self, *exc) -> None:
        self.sample()
        self._stop.set()
        self._thread.join()
        self.cpu = (_cpu(self.server.pids()) - self._cpu0) / max(1e-9, time.monotonic() - self._t0)
        self._conn.close()

    def summary(self) -> dict:
        return {
            "rss_mb_max": round(max(self.rss), 1) if self.rss else None,
            "threads_max": max(self.threads) if self.threads else None,
            "db_connections_max": max(self.connections) if self.connections else None,
            "db_connections_median": statistics.median(self.connections) if self.connections else None,
            "server_cpu": round(self.cpu, 2),
        }


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def cpu_model() -> str:
    """The processor's name, as the kernel gives it: figures from different machines do not compare."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor() or "unknown"
