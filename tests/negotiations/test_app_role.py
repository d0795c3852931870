"""The application runs as a PostgreSQL role made by ``grant_app_role``: it
records, agrees, closes and builds minutes as usual, and cannot empty,
alter, drop or create a table, switch a trigger off, or change a row the
record only ever adds. Tried on the real test database, as that role."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from tests.conftest import ROOT
from tests.scene import build_scene

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "app-role-test-password"


@pytest.fixture
def app_role(monkeypatch):
    role = f"verbatim_app_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("VERBATIM_APP_DB_PASSWORD", PASSWORD)
    out = io.StringIO()
    call_command("grant_app_role", role=role, stdout=out)
    assert f"{role}: created" in out.getvalue()
    yield role
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {role}")
        cursor.execute(f"DROP ROLE {role}")


def url_as(role: str) -> str:
    db = connection.settings_dict
    return f"postgres://{role}:{PASSWORD}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def connect_as(role: str) -> psycopg.Connection:
    return psycopg.connect(url_as(role).replace("postgres://", "postgresql://"), autocommit=True)


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE negotiation_sessions_entry CASCADE",
        "TRUNCATE django_session",
        "ALTER TABLE negotiation_sessions_entry DISABLE TRIGGER negotiation_sessions_entry_append_only",
        "ALTER TABLE agreements_formulation DISABLE TRIGGER USER",
        "DROP TABLE negotiation_sessions_act CASCADE",
        "DROP TRIGGER agreements_formulation_status ON agreements_formulation",
        "CREATE TABLE shadow (id int)",
        "CREATE FUNCTION shadow() RETURNS int AS 'SELECT 1' LANGUAGE sql",
        "SET session_replication_role = replica",
        "UPDATE negotiation_sessions_entry SET text = 'x'",
        "DELETE FROM negotiation_sessions_act",
        "UPDATE agreements_agreement_parties SET party_id = party_id",
        "ALTER ROLE CURRENT_USER SUPERUSER",
    ],
)
def test_the_app_role_is_refused(world, app_role, statement):
    build_scene(world)
    with connect_as(app_role) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


def test_the_app_role_is_no_superuser_and_owns_nothing(app_role):
    with connect_as(app_role) as conn:
        superuser, createdb, createrole = conn.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        owned = conn.execute("SELECT count(*) FROM pg_tables WHERE tableowner = current_user").fetchone()[0]
    assert (superuser, createdb, createrole, owned) == (False, False, False, 0)


SCRIPT = """
import uuid
from django.core.management import call_command
from negotiations.models import Membership, Negotiation
from sessions.models import Summary
from sessions.services import session_close
n = Negotiation.objects.get(public_id="{negotiation}")
head = Membership.objects.get(negotiation=n, user__username="head")
other = Membership.objects.get(negotiation=n, user__username="other_head")
session = n.sessions.get()
session.record_entry(membership=head, client_id=uuid.uuid4(), text="Recorded as the app role.")
point = n.points.get(title="Navigation")
formulation = point.formulations.get()
formulation.agree(parties=[formulation.party], membership=head, session=session)
summary = session_close(session=session, by=head)
summary.refresh_from_db()
summary.approve(membership=head, fingerprint=summary.current_fingerprint())
print("summary", Summary.objects.get(pk=summary.pk).status)
call_command("verify_record")
"""


def test_the_app_records_agrees_closes_and_builds_minutes_as_the_app_role(world, app_role):
    scene = build_scene(world)
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "MIGRATE_DATABASE_URL")}
    env["DATABASE_URL"] = url_as(app_role)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SCRIPT.format(negotiation=scene.negotiation.public_id)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "summary ready" in result.stdout
    assert f"verified: 'Strait talks' ({scene.negotiation.public_id})" in result.stdout
    assert scene.session.entries.filter(text="Recorded as the app role.").exists()


def test_granting_as_the_app_role_itself_is_refused_with_what_to_do(app_role):
    env = {k: v for k, v in os.environ.items() if k != "MIGRATE_DATABASE_URL"}
    env["DATABASE_URL"] = url_as(app_role)
    result = subprocess.run(
        [sys.executable, "manage.py", "grant_app_role", "--role", app_role],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"This runs as {app_role}, the application's own role. Run it as the database owner" in result.stderr
