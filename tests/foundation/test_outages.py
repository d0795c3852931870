"""Clean answers when a part is down, against real processes: a uvicorn
server on a private PostgreSQL cluster that the test stops and starts again,
and servers pointed at a Redis that is not there. Nothing answers a 500 or
hangs: the API a JSON 503 with Retry-After, pages a readable 503, /healthz a
503 (naming the failing part to staff), each within a second."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest

from tests.conftest import ROOT, AsgiServer, _free_port

PG_VERSION = "15"
CLUSTER = "verbatim_outage_test"

pytestmark = pytest.mark.skipif(shutil.which("pg_createcluster") is None, reason="needs postgresql-common")

WORLD = """
import json
from django.contrib.auth import get_user_model
from negotiations.models import ApiToken, Delegation, Negotiation, Party
from sessions.models import Session
aurelia = Party.objects.create(name="Republic of Aurelia", short_name="Aurelia")
delegation = Delegation.objects.create(name="Aurelian delegation", party=aurelia)
head = get_user_model().objects.create_user(username="head", password="pw")
delegation.add_member(head)
negotiation = Negotiation.start(title="Strait talks", parties=[aurelia.name, "Severian Federation"], by=head)
session = Session.schedule(negotiation=negotiation, title="Opening round", place="Port Calder")
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
staff = get_user_model().objects.create_user(username="ops", password="pw", is_staff=True)
signed_in = SessionStore()
signed_in.update({SESSION_KEY: str(staff.pk), HASH_SESSION_KEY: staff.get_session_auth_hash(),
                  BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend"})
signed_in.create()
print(json.dumps({"session": str(session.public_id), "token": ApiToken.issue(head), "staff": signed_in.session_key}))
"""


def cluster(*args: str) -> None:
    subprocess.run(["pg_ctlcluster", PG_VERSION, CLUSTER, *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def private_postgres():
    """A PostgreSQL cluster of our own, migrated, with one negotiation: we may stop it."""
    subprocess.run(["pg_dropcluster", "--stop", PG_VERSION, CLUSTER], capture_output=True)
    port = _free_port()
    subprocess.run(
        ["pg_createcluster", PG_VERSION, CLUSTER, "-p", str(port), "--", "--auth=trust"],
        check=True,
        capture_output=True,
    )
    try:
        cluster("start")
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-c", "CREATE DATABASE verbatim"],
            check=True,
            capture_output=True,
        )
        url = f"postgres://postgres@127.0.0.1:{port}/verbatim"
        env = {"DATABASE_URL": url, "REDIS_URL": "redis://127.0.0.1:6379/6", "PATH": "/usr/bin:/bin"}
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True)
        made = subprocess.run([*manage, "shell", "-c", WORLD], cwd=ROOT, env=env, check=True, capture_output=True)
        world = json.loads(made.stdout.decode().strip().splitlines()[-1])
        yield {"url": url, **world}
    finally:
        subprocess.run(["pg_dropcluster", "--stop", PG_VERSION, CLUSTER], capture_output=True)


@pytest.fixture
def server_on(request):
    servers: list[AsgiServer] = []

    def start(**env: str) -> AsgiServer:
        server = AsgiServer(_free_port(), env)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


def staff_cookie(world: dict) -> dict[str, str]:
    """Headers of a signed-in staff user: only staff see which part of /healthz fails."""
    return {"Cookie": f"sessionid={world['staff']}"}


def call(url: str, *, method: str = "GET", body: dict | None = None, headers: dict | None = None):
    """(status, headers, text, seconds) of one request; never raises on an HTTP error."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={**(headers or {})})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode(), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode(), time.monotonic() - started


def write(server: AsgiServer, world: dict, client_id: str):
    return call(
        f"{server.url}/api/v1/sessions/{world['session']}/entries",
        method="POST",
        body={"client_id": client_id, "text": "The delegation of Aurelia reserves its position."},
        headers={"Authorization": f"Bearer {world['token']}"},
    )


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_a_stopped_database_answers_503_at_once_and_writes_resume_after_it_starts(private_postgres, server_on):
    server = server_on(DATABASE_URL=private_postgres["url"], REDIS_URL="redis://127.0.0.1:6379/6")
    status, _, _, _ = write(server, private_postgres, str(uuid.uuid4()))
    assert status == 201

    cluster("stop", "-m", "fast")
    try:
        queued = str(uuid.uuid4())
        for _ in range(3):  # the first attempt and the ones held back after it
            status, headers, text, seconds = write(server, private_postgres, queued)
            assert status == 503, text
            assert seconds < 1.0, f"the API took {seconds:.2f} s to answer"
            assert "unreachable" in json.loads(text)["detail"]
            assert int(headers["Retry-After"]) > 0

        # A page whose session must be read from the database: a readable 503, no traceback.
        opener = urllib.request.build_opener(NoRedirect)
        request = urllib.request.Request(f"{server.url}/", headers={"Cookie": "sessionid=" + "x" * 32})
        started = time.monotonic()
        with pytest.raises(urllib.error.HTTPError) as answered:
            opener.open(request, timeout=30)
        seconds = time.monotonic() - started
        page = answered.value.read().decode()
        assert answered.value.code == 503, page
        assert seconds < 1.0
        assert "lines typed in an open console are kept and sent when it is back" in page
        assert "Traceback" not in page and answered.value.headers["Retry-After"]

        # Without the database nobody can be recognised as staff: the answer is only "down".
        status, _, text, seconds = call(f"{server.url}/healthz", headers=staff_cookie(private_postgres))
        assert status == 503 and seconds < 1.0, (status, seconds)
        assert json.loads(text) == {"status": "down"}
    finally:
        cluster("start")

    deadline = time.monotonic() + 15
    while (status := write(server, private_postgres, queued)[0]) == 503 and time.monotonic() < deadline:
        time.sleep(0.5)  # as the console does with a line it keeps in its queue
    assert status == 201
    assert write(server, private_postgres, queued)[0] == 200  # the queued line landed once
    status, _, text, _ = call(f"{server.url}/healthz", headers=staff_cookie(private_postgres))
    assert "database" not in json.loads(text)["failing"]


@pytest.mark.parametrize(
    ("redis_url", "how"),
    [("redis://127.0.0.1:1/0", "refused"), ("redis://10.255.255.1:6379/0", "unanswered")],
)
def test_healthz_names_an_unreachable_redis_within_a_second(private_postgres, server_on, redis_url, how):
    server = server_on(DATABASE_URL=private_postgres["url"], REDIS_URL=redis_url)
    assert json.loads(call(f"{server.url}/healthz")[2]) == {"status": "down"}  # anonymous: no details
    status, _, text, seconds = call(f"{server.url}/healthz", headers=staff_cookie(private_postgres))
    body = json.loads(text)
    assert status == 503
    assert seconds < 1.0, f"{how}: /healthz took {seconds:.2f} s"
    assert body["failing"] == ["broker", "worker"], body
    assert "broker unreachable" in body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["ok"]


def test_healthz_names_missing_workers_within_a_second(private_postgres, server_on):
    server = server_on(DATABASE_URL=private_postgres["url"], REDIS_URL="redis://127.0.0.1:6379/14")  # no worker
    status, _, text, seconds = call(f"{server.url}/healthz", headers=staff_cookie(private_postgres))
    assert status == 503 and seconds < 1.0, (status, seconds, text)
    assert json.loads(text)["failing"] == ["worker"]
