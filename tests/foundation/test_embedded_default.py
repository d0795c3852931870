"""The embedded default: no environment at all means SQLite in a file and
jobs run in-process. Exercised end to end in subprocesses, as a newcomer
would run it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_app_runs_on_sqlite_with_in_process_jobs_and_the_demo_loads_twice(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["VERBATIM_VAR_DIR"] = str(tmp_path)

    def manage(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    manage("migrate", "--noinput", "-v0")
    assert "Loaded the demo negotiation" in manage("seed_demo")
    assert "already loaded; nothing changed" in manage("seed_demo")
    assert (tmp_path / "verbatim.sqlite3").exists()
    # jobs run in-process: closing the second session builds its summary at once
    closed = manage(
        "shell",
        "-c",
        "from sessions.models import Session; from sessions.services import session_close; "
        "s = Session.objects.get(number=2); m = s.negotiation.memberships.get(user__username='amara'); "
        "print('summary:', session_close(session=s, by=m).__class__.objects.get(session=s).status)",
    )
    assert "summary: ready" in closed

    # the hot path's written statements (negotiations/rows.py) read SQLite's values as the ORM does
    checked = manage(
        "shell",
        "-c",
        "import uuid; from negotiations.models import ApiToken; from negotiations.access import get_for_user; "
        "from sessions.models import Session; s = Session.objects.get(number=1); "
        "m = s.negotiation.memberships.get(user__username='amara'); "
        "u = ApiToken.for_secret(ApiToken.issue(m.user)).user; found, access = get_for_user(u, Session, s.public_id); "
        "new = Session.schedule(negotiation=s.negotiation, title='Check', place='Here'); c = uuid.uuid4(); "
        "first = new.record_entry(membership=access.membership, client_id=c, text='A line.'); "
        "again = new.record_entry(membership=access.membership, client_id=c, text='A line.'); "
        "print('checked:', found == s, type(found.created_at).__name__, access.membership.delegation.party.name, "
        "first[1], again[1], first[0].pk == again[0].pk, type(again[0].client_id).__name__)",
    )
    assert "checked: True datetime Republic of Aurelia True False True UUID" in checked, checked

    # a feed's read of new lines, compiled once (Reused), builds SQLite's rows as the ORM does
    read = manage(
        "shell",
        "-c",
        "from sessions.models import Entry, Session; from sessions.streams import _new_entries, ENTRY_RELATED; "
        "s = Session.objects.get(number=1); orm = list(Entry.objects.filter(session=s).select_related(*ENTRY_RELATED)"
        ".order_by('pk')); ours = _new_entries(s.pk, 0); again = _new_entries(s.pk, ours[-2].pk); "
        "same = [(e.pk, e.created_at, e.client_id, e.delegation.party.name, e.author.username) for e in ours] == "
        "[(e.pk, e.created_at, e.client_id, e.delegation.party.name, e.author.username) for e in orm]; "
        "print('read:', len(ours) > 5, same, [e.pk for e in again] == [ours[-1].pk], type(ours[0].created_at).__name__)",
    )
    assert "read: True True True datetime" in read, read

    # only staff see which parts answer, and how (anonymous callers see up or down)
    staff_session = manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY; "
        "from django.contrib.sessions.backends.db import SessionStore; "
        "u = get_user_model().objects.create_user('ops', password='pw', is_staff=True); s = SessionStore(); "
        "s.update({SESSION_KEY: str(u.pk), HASH_SESSION_KEY: u.get_session_auth_hash(), "
        "BACKEND_SESSION_KEY: 'django.contrib.auth.backends.ModelBackend'}); s.create(); print(s.session_key)",
    ).split()[-1]

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.read().decode() == '{"status": "ok"}'
                break
            except OSError:
                time.sleep(0.1)
        signed_in = urllib.request.Request(
            f"http://127.0.0.1:{port}/healthz", headers={"Cookie": f"sessionid={staff_session}"}
        )
        with urllib.request.urlopen(signed_in, timeout=2) as response:
            body = response.read().decode()
        assert body is not None, "the server did not answer"
        assert '"engine": "sqlite"' in body
        assert '"mode": "in-process"' in body
    finally:
        server.terminate()
        server.wait(timeout=10)
