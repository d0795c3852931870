from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from negotiations.models import Delegation, Membership, Negotiation, Party
from sessions.models import Session

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise pytest.UsageError(
            "The test suite runs against PostgreSQL: run bin/test, or set DATABASE_URL=postgres://…"
        )
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _flush_past_the_truncate_guards()


def _flush_past_the_truncate_guards() -> None:
    """The record tables refuse TRUNCATE (negotiations/dbguards.py), which is
    how Django empties the database after a transactional test. The test
    database's superuser empties it with user triggers off for the flush only,
    as an operator would have to."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush
    if getattr(original, "past_guards", False):
        return

    def execute_sql_flush(self, sql_list):
        return original(self, ["SET session_replication_role = replica", *sql_list, "RESET session_replication_role"])

    execute_sql_flush.past_guards = True
    DatabaseOperations.execute_sql_flush = execute_sql_flush


@pytest.fixture
def make_user(django_user_model):
    def make(username: str, *, delegation: Delegation | None = None, staff: bool = False):
        user = django_user_model.objects.create_user(username=username, password="pw", is_staff=staff)
        if delegation is not None:
            delegation.add_member(user)
        return user

    return make


@pytest.fixture
def world(make_user):
    """Two delegations sharing a negotiation, and an outsider from a third.

    Aurelia owns it: head, note-taker, reviewer. Severia was invited: its head
    and note-taker. Borealis is not part of it at all."""
    aurelia = Party.objects.create(name="Republic of Aurelia", short_name="Aurelia")
    severia = Party.objects.create(name="Severian Federation", short_name="Severia")
    borealis = Party.objects.create(name="Borealis")
    d_a = Delegation.objects.create(name="Aurelian delegation", party=aurelia)
    d_s = Delegation.objects.create(name="Severian delegation", party=severia)
    d_b = Delegation.objects.create(name="Borealian delegation", party=borealis)
    head = make_user("head", delegation=d_a)
    negotiation = Negotiation.start(title="Strait talks", parties=[aurelia.name, severia.name], by=head)
    head_m = Membership.objects.get(user=head, negotiation=negotiation)
    note_taker = make_user("note_taker", delegation=d_a)
    reviewer = make_user("reviewer", delegation=d_a)
    other_head = make_user("other_head", delegation=d_s)
    other_note_taker = make_user("other_note_taker", delegation=d_s)
    outsider = make_user("outsider", delegation=d_b)
    staff = make_user("staff", staff=True)
    negotiation.add_member(user=note_taker, role=Membership.Role.NOTE_TAKER, by=head_m)
    negotiation.add_member(user=reviewer, role=Membership.Role.REVIEWER, by=head_m)
    other_head_m = negotiation.add_member(user=other_head, role=Membership.Role.HEAD, by=head_m)
    negotiation.add_member(user=other_note_taker, role=Membership.Role.NOTE_TAKER, by=other_head_m)
    session = Session.schedule(negotiation=negotiation, title="Opening round", place="Port Calder")

    class World:
        pass

    w = World()
    w.aurelia, w.severia, w.borealis = aurelia, severia, borealis
    w.aurelian, w.severian, w.borealian = d_a, d_s, d_b
    w.negotiation, w.session = negotiation, session
    w.head, w.note_taker, w.reviewer = head, note_taker, reviewer
    w.other_head, w.other_note_taker, w.outsider, w.staff = other_head, other_note_taker, outsider, staff
    w.membership = lambda user: Membership.objects.get(user=user, negotiation=negotiation)
    return w


@pytest.fixture
def secretariat(world, make_user):
    """A neutral secretariat in the world's negotiation: its head ``clerk``
    and note-taker ``scribe``. It keeps the record for the table only when a
    test sets ``world.negotiation.secretariat_keeps_record``."""
    neutral = Delegation.objects.create(name="Table secretariat", party=None)
    clerk = make_user("clerk", delegation=neutral)
    scribe = make_user("scribe", delegation=neutral)
    head_m = world.membership(world.head)
    Membership.objects.create(negotiation=world.negotiation, user=clerk, delegation=neutral, role=Membership.Role.HEAD)
    world.negotiation.add_member(user=scribe, role=Membership.Role.NOTE_TAKER, by=world.membership(clerk))
    assert head_m.is_head
    world.secretariat, world.clerk, world.scribe = neutral, clerk, scribe
    return world


@pytest.fixture
def api(client):
    """A JSON client that logs in through the token endpoint."""
    from negotiations.models import ApiToken

    class Api:
        def __init__(self):
            self.token = None

        def as_user(self, user):
            self.token = ApiToken.issue(user) if user is not None else None
            return self

        def _headers(self):
            return {"Authorization": f"Bearer {self.token}"} if self.token else {}

        def get(self, path, **params):
            return client.get(f"/api/v1{path}", params, headers=self._headers())

        def post(self, path, data=None):
            return client.post(
                f"/api/v1{path}", data=data or {}, content_type="application/json", headers=self._headers()
            )

        def delete(self, path):
            return client.delete(f"/api/v1{path}", headers=self._headers())

    return Api()


def minutes_fingerprint(session) -> dict[str, str]:
    """The body of an API approval: the fingerprint of the minutes as they stand."""
    from sessions.models import Summary

    return {"fingerprint": Summary.objects.get(session=session).current_fingerprint()}


def new_client_id() -> str:
    return str(uuid.uuid4())


def asgi_get(path: str, headers: dict[str, str] | None = None) -> dict:
    """The ASGI scope of a GET of ``path`` from 127.0.0.1, for driving config.asgi in-process."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


def url_of_test_database(query: str = "") -> str:
    """DATABASE_URL for another process (a worker, a server) to use the test database."""
    from django.db import connection

    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{db['NAME']}{query}"


def start_worker(*, queue: str | None = None, **env_overrides: str) -> subprocess.Popen:
    """A real Celery worker process on the test database and the test Redis,
    returned once it answers a ping."""

    env = dict(os.environ)
    env["DATABASE_URL"] = url_of_test_database()
    env["REDIS_URL"] = settings.REDIS_URL
    env.update(env_overrides)
    name = f"test-{uuid.uuid4().hex[:8]}@%h"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "-n",
            name,
            "--queues",
            queue or settings.CELERY_TASK_DEFAULT_QUEUE,
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
    )
    from config.celery import app

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with app.connection_for_write(settings.REDIS_URL) as conn:
            replies = app.control.ping(timeout=0.5, connection=conn)
        if any(name.split("@")[0] in reply_name for reply in replies for reply_name in reply):
            return process
        if process.poll() is not None:
            raise RuntimeError("the Celery worker exited during start-up")
    process.kill()
    raise RuntimeError("the Celery worker did not answer within 30 s")


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """The shared worker, on the default queue. Jobs left in the test Redis by
    earlier runs are dropped first."""
    import redis

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    process = start_worker()
    yield process
    stop_worker(process)


class AsgiServer:
    """Verbatim under uvicorn in its own process, on the test database and
    the test Redis: the real ASGI path, streaming and all."""

    def __init__(self, port: int, env: dict[str, str] | None = None) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.env_overrides = env or {}
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = dict(os.environ)
        env["DATABASE_URL"] = url_of_test_database()
        env["REDIS_URL"] = settings.REDIS_URL
        env.update(self.env_overrides)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--http",
                "config.http:HttpProtocol",
                "--port",
                str(self.port),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        import urllib.request

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/login/", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("uvicorn did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def asgi_server(transactional_db):
    server = AsgiServer(_free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def start_asgi_server(transactional_db):
    """Start uvicorn processes with environment overrides, e.g.
    ``start_asgi_server(DATABASE_URL=url_of_test_database("?pool_size=3"))``;
    every one started is stopped after the test."""
    servers: list[AsgiServer] = []

    def start(**env: str) -> AsgiServer:
        server = AsgiServer(_free_port(), env)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()
