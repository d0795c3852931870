"""The summary job on real Celery workers over Redis: closing enqueues it,
a killed worker's job runs again elsewhere and still yields one summary,
failures retry and end as 'failed' with the reason, and a head can retry."""

from __future__ import annotations

import os
import signal
import time
import uuid

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from sessions.models import Session, Summary
from sessions.services import session_close
from sessions.tasks import build_summary
from tests.conftest import start_worker, stop_worker, url_of_test_database
from tests.scene import build_scene

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


@pytest.fixture
def scene(world):
    return build_scene(world)


def wait_for(predicate, timeout=45.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def summary_status(api, scene):
    return api.get(f"/sessions/{scene.session.public_id}/summary").json()


def raw_connection() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )


def test_closing_a_session_has_a_real_worker_build_its_summary(celery_worker_process, scene, api):
    api.as_user(scene.head)  # closing is a head's act
    assert api.post(f"/sessions/{scene.session.public_id}/close").status_code == 200
    body = wait_for(lambda: (b := summary_status(api, scene))["status"] == "ready" and b, what="a ready summary")
    assert body["attempts"] == 1
    assert [a["text"] for a in body["content"]["agreed"]] == ["Kel Light.", "Quotas are set yearly."]
    assert "Severian eyes only." not in str(body) and "Aurelian eyes only." not in str(body)


@pytest.mark.django_db(transaction=False)  # on-commit callbacks are only captured inside the test's transaction
def test_closing_twice_enqueues_one_job_and_keeps_one_summary(scene, django_capture_on_commit_callbacks):
    membership = scene.membership(scene.head)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        session_close(session=scene.session, by=membership)
        session_close(session=Session.objects.get(pk=scene.session.pk), by=membership)
    jobs = [
        cb
        for cb in callbacks
        if getattr(getattr(getattr(cb, "func", None), "__self__", None), "name", None) == build_summary.name
    ]
    assert len(jobs) == 1
    assert Summary.objects.filter(session=scene.session).count() == 1


def test_a_worker_killed_mid_job_loses_nothing_and_the_summary_is_built_once(scene):
    queue = f"kill-{uuid.uuid4().hex[:8]}"
    summary = Summary.objects.create(session=scene.session)
    scene.session.close(by=scene.membership(scene.head))
    blocker = raw_connection()
    # Hold a lock the build needs (it reads agreement events), so the job stops half-way: claimed, not done.
    blocker.execute("LOCK TABLE agreements_agreement IN ACCESS EXCLUSIVE MODE")
    first = start_worker(queue=queue, CELERY_VISIBILITY_TIMEOUT="3")
    try:
        build_summary.apply_async(args=[summary.pk], queue=queue)
        wait_for(lambda: Summary.objects.get(pk=summary.pk).status == "running", what="the job to start")
        os.kill(first.pid, signal.SIGKILL)  # no warm shutdown, no acknowledgement
        first.wait()
    finally:
        blocker.rollback()
        blocker.close()
    assert Summary.objects.get(pk=summary.pk).status == "running"
    second = start_worker(queue=queue, CELERY_VISIBILITY_TIMEOUT="3", CELERY_RESTORE_INTERVAL="1")
    try:
        wait_for(lambda: Summary.objects.get(pk=summary.pk).status == "ready", what="the redelivered job")
    finally:
        stop_worker(second)
    done = Summary.objects.get(pk=summary.pk)
    assert Summary.objects.filter(session=scene.session).count() == 1
    assert done.attempts == 2  # the killed run and the one that finished
    assert [a["text"] for a in done.content["agreed"]] == ["Kel Light.", "Quotas are set yearly."]
    # and running it yet again changes nothing
    assert build_summary.apply(args=[summary.pk]).get() == "already built"
    assert Summary.objects.get(pk=summary.pk).finished_at == done.finished_at


def test_a_job_that_keeps_failing_ends_failed_with_the_reason_and_a_head_retries_it(scene, api):
    queue = f"fail-{uuid.uuid4().hex[:8]}"
    summary = Summary.objects.create(session=scene.session)
    scene.session.close(by=scene.membership(scene.head))
    impatient = url_of_test_database("?options=-c%20lock_timeout%3D300")
    blocker = raw_connection()
    blocker.execute("LOCK TABLE agreements_agreement IN ACCESS EXCLUSIVE MODE")
    worker = start_worker(queue=queue, DATABASE_URL=impatient, SUMMARY_MAX_RETRIES="2", SUMMARY_RETRY_SECONDS="1")
    try:
        build_summary.apply_async(args=[summary.pk], queue=queue)
        failed = wait_for(
            lambda: (s := Summary.objects.get(pk=summary.pk)).status == "failed" and s, what="the job to give up"
        )
        assert failed.attempts == 3  # the first try and two retries
        assert "lock timeout" in failed.error
        body = api.as_user(scene.head).get(f"/sessions/{scene.session.public_id}/summary").json()
        assert body["status"] == "failed" and "lock timeout" in body["error"]
        assert (
            api.as_user(scene.note_taker).post(f"/sessions/{scene.session.public_id}/summary/retry").status_code == 403
        )
    finally:
        blocker.rollback()
        blocker.close()
    try:
        # the head's retry goes to the default queue: serve it from this worker's database settings too
        second = start_worker(queue=settings.CELERY_TASK_DEFAULT_QUEUE)
        try:
            response = api.as_user(scene.head).post(f"/sessions/{scene.session.public_id}/summary/retry")
            assert response.status_code == 200
            wait_for(lambda: Summary.objects.get(pk=summary.pk).status == "ready", what="the retried job")
        finally:
            stop_worker(second)
    finally:
        stop_worker(worker)
