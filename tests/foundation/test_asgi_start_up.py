"""The web application, once started, keeps what lives as long as the process out of the cyclic
garbage collector's sight (config/asgi.py): a full collection then scans what requests and streams
made, not the 100,000 objects of start-up."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import config.asgi

ROOT = Path(__file__).resolve().parents[2]


def test_the_start_up_objects_are_frozen_out_of_the_garbage_collectors_full_collections():
    gc.unfreeze()
    config.asgi._application()  # what a server process does once, on importing config.asgi
    assert gc.get_freeze_count() > 50_000


def run_python(code: str) -> str:
    """``code`` run by a fresh Python in the project, with this environment (the test process has
    imported Celery long ago)."""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=os.environ, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_web_process_starts_without_celery():
    # Celery, kombu and what they import were about 8 MB of a web process's memory at start
    # (docs/PERFORMANCE.md); it needs them only to send a job or to ask a worker (/healthz).
    loaded = run_python(
        "import sys, config.asgi; print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'celery', 'kombu', 'billiard', 'amqp', 'click', 'yaml'}))"
    )
    assert loaded.strip() == "[]"


def test_the_jobs_a_web_process_sends_are_the_projects_celery_apps():
    apps = run_python(
        "import config.asgi\n"
        "from sessions.tasks import build_summary\n"
        "from exports.tasks import render_export\n"
        "from negotiations.tasks import verify_record\n"
        "from celery.app.utils import find_app\n"
        "print(build_summary.app.main, render_export.app.main, verify_record.app.main, find_app('config').main)"
    )
    assert apps.split() == ["verbatim"] * 4  # and `celery -A config` finds it
