"""The migration to chains over stable ids (sessions 0010) seals again
every chain that holds as it was sealed, and keeps a chain that was
already broken as it was, so the break stays visible."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.scene import build_scene

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("negotiation_sessions", "0009_record_text_rules")]
AFTER = [("negotiation_sessions", "0011_session_time_zone")]  # 0010 and every later migration


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def verify() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_record", stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue()
    return 0, out.getvalue()


def broken_on_the_older_schema(session) -> list:
    """Session.broken_links, reading the session without the columns that later migrations add."""
    from sessions.models import Entry

    entries = (
        Entry.objects.filter(session=session)
        .select_related("session", "speaker", "party", "author", "delegation", "supersedes", "disputes", "accepts")
        .defer("session__time_zone")
    )
    broken, previous = [], {}
    for entry in entries.order_by("stream", "seq"):
        if entry.digest != entry.compute_digest(previous.get(entry.stream, "")):
            broken.append(entry)
        previous[entry.stream] = entry.digest
    return broken


def test_intact_chains_are_sealed_again_and_a_broken_one_stays_broken(world):
    scene = build_scene(world)
    scene.session.close(by=scene.membership(scene.head))
    try:
        migrate(BEFORE)  # back to chain 1: every digest sealed again over names
        assert broken_on_the_older_schema(scene.session) != []  # the models now compute chain 2
        with connection.cursor() as cursor:  # tampered with while on chain 1
            cursor.execute(
                "ALTER TABLE negotiation_sessions_entry DISABLE TRIGGER negotiation_sessions_entry_append_only"
            )
            cursor.execute(
                "UPDATE negotiation_sessions_entry SET text = 'Severian eyes only!' WHERE id = %s",
                [scene.internal_s.pk],
            )
            cursor.execute(
                "ALTER TABLE negotiation_sessions_entry ENABLE TRIGGER negotiation_sessions_entry_append_only"
            )
    finally:
        migrate(AFTER)
    status, out = verify()
    assert status == 1
    assert out.count("BROKEN:") == 1
    assert f"Entry #1 {scene.internal_s.public_id} (internal stream)" in out
    assert [e.stream for e in scene.session.broken_links()] == [scene.internal_s.stream]
