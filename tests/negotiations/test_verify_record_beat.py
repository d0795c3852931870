"""The beat verifies the stored record on its schedule and a real worker
stores the outcome: verified, then, after an entry is changed behind the
triggers' back, the break."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection, transaction

from negotiations.models import RecordCheck
from tests.conftest import ROOT, start_worker, stop_worker, url_of_test_database
from tests.scene import build_scene

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def wait_for(predicate, timeout=45.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def beat_and_worker(tmp_path):
    """A worker and a beat of their own, on a queue of their own, verifying
    every second."""
    queue = f"verify-{uuid.uuid4().hex[:8]}"
    env = {"CELERY_QUEUE": queue, "VERBATIM_VERIFY_RECORD_SECONDS": "1"}
    worker = start_worker(queue=queue, **env)
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "WARNING"]
        + ["--schedule", str(tmp_path / "celerybeat-schedule")],
        cwd=ROOT,
        env=dict(os.environ, DATABASE_URL=url_of_test_database(), REDIS_URL=settings.REDIS_URL, **env),
    )
    yield
    for process in (beat, worker):
        stop_worker(process)


def test_the_beat_stores_a_verified_record_and_then_the_break(world, beat_and_worker):
    scene = build_scene(world)
    check = wait_for(lambda: RecordCheck.latest_for(scene.negotiation), what="a first record check")
    assert check.ok and check.findings == []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE negotiation_sessions_entry DISABLE TRIGGER negotiation_sessions_entry_append_only")
        cursor.execute(
            "UPDATE negotiation_sessions_entry SET text = 'Opening remarkz.' WHERE id = %s", [scene.entry.pk]
        )
        cursor.execute("ALTER TABLE negotiation_sessions_entry ENABLE TRIGGER negotiation_sessions_entry_append_only")
    broken = wait_for(
        lambda: RecordCheck.objects.filter(negotiation=scene.negotiation, ok=False).first(), what="the break"
    )
    assert [f["public_id"] for f in broken.findings] == [str(scene.entry.public_id)]
    assert broken.findings[0]["line"].startswith(f"session 1, Entry #1 {scene.entry.public_id} (shared record)")
