"""Jobs that cannot be lost, on the real stack: a private Redis that this
file stops, starts and wipes, uvicorn serving the API, real Celery workers
and beat. The pending summary or export row is the intent to run its job:
a broker that is down or that forgot the job only delays it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.utils import timezone

from negotiations.models import ApiToken, ExportJob
from sessions.models import Session, Summary
from tests.conftest import ROOT, _free_port, stop_worker, url_of_test_database
from tests.scene import build_scene

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

QUEUE = "verbatim"
# Sweeper settings for the processes these tests start: short, so that each test takes seconds.
FAST_SWEEPS = {"JOBS_PENDING_GRACE_SECONDS": "1", "JOBS_SWEEP_SECONDS": "1", "JOBS_REQUEUE_SECONDS": "3"}


class PrivateRedis:
    """A redis-server of this test alone, keeping nothing on disk."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        subprocess.run(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no", "--daemonize", "yes"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wait_for(self.answers, timeout=10, what="redis to start")

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        wait_for(lambda: not self.answers(), timeout=10, what="redis to stop")

    def answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def queued(self) -> int:
        return redis.Redis(port=self.port).llen(QUEUE)


@pytest.fixture
def private_redis():
    server = PrivateRedis()  # down until the test starts it
    yield server
    server.stop()


@pytest.fixture
def processes():
    """Workers and beats started by a test, stopped after it."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        stop_worker(process)


def wait_for(predicate, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def environment(redis_url: str, **overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DATABASE_URL=url_of_test_database(), REDIS_URL=redis_url, **FAST_SWEEPS)
    env.update(overrides)
    return env


def start_worker_on(started: list, redis_url: str, **overrides: str) -> subprocess.Popen:
    """A Celery worker on the test database and the given Redis, returned
    once it answers a ping (it has swept by then: the sweep runs when the
    worker is ready)."""
    name = f"test-{uuid.uuid4().hex[:8]}"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-n", f"{name}@%h"]
        + ["--queues", QUEUE, "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT,
        env=environment(redis_url, **overrides),
        stdout=subprocess.DEVNULL,  # the banner
    )
    started.append(process)

    # asks that Redis, whatever this process's own broker is; not made the current app of this process
    probe = Celery(broker=redis_url, set_as_current=False)

    def answers() -> bool:
        assert process.poll() is None, "the worker exited during start-up"
        return any(name in reply_name for reply in probe.control.ping(timeout=0.5) for reply_name in reply)

    try:
        wait_for(answers, what="the worker to answer")
    finally:
        probe.close()
    return process


def start_beat_on(started: list, redis_url: str, tmp_path: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "WARNING"]
        + ["--schedule", str(tmp_path / "celerybeat-schedule")],
        cwd=ROOT,
        env=environment(redis_url),
    )
    started.append(process)
    return process


def call(server, user, method: str, path: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"{server.url}/api/v1{path}",
        method=method,
        headers={"Authorization": f"Bearer {ApiToken.issue(user)}", "Content-Type": "application/json"},
        data=b"{}" if method == "POST" else None,
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def summary_of(session) -> Summary:
    return Summary.objects.get(session=session)


def ready(session) -> Summary | None:
    summary = summary_of(session)
    return summary if summary.status == Summary.Status.READY else None


@pytest.fixture
def scene(world):
    return build_scene(world)


def test_closing_while_redis_is_down_answers_200_and_the_summary_is_built_once_redis_is_back(
    scene, private_redis, processes, start_asgi_server
):
    server = start_asgi_server(REDIS_URL=private_redis.url)
    close = f"/sessions/{scene.session.public_id}/close"
    status, body = call(server, scene.head, "POST", close)
    assert status == 200, body[:300]
    assert call(server, scene.head, "POST", close)[0] == 200  # closing again is harmless
    summary = summary_of(scene.session)
    assert (summary.status, summary.enqueued_at) == ("pending", None)  # the intent, left for the sweeper
    private_redis.start()
    back = time.monotonic()
    start_worker_on(processes, private_redis.url)
    built = wait_for(lambda: ready(scene.session), what="the summary")
    print(f"summary ready {time.monotonic() - back:.1f} s after Redis came back")
    assert built.attempts == 1
    assert [a["text"] for a in built.content["agreed"]] == ["Kel Light.", "Quotas are set yearly."]


def test_a_summary_queued_in_a_redis_restarted_empty_is_built_once_a_worker_starts(
    scene, private_redis, processes, start_asgi_server, tmp_path
):
    private_redis.start()
    server = start_asgi_server(REDIS_URL=private_redis.url)
    assert call(server, scene.head, "POST", f"/sessions/{scene.session.public_id}/close")[0] == 200
    assert private_redis.queued() == 1
    private_redis.stop()  # keeps nothing on disk: the queued job is gone
    private_redis.start()
    back = time.monotonic()
    assert private_redis.queued() == 0
    start_beat_on(processes, private_redis.url, tmp_path)
    start_worker_on(processes, private_redis.url)
    built = wait_for(lambda: ready(scene.session), what="the summary")
    print(f"summary ready {time.monotonic() - back:.1f} s after Redis came back empty")
    assert built.attempts == 1


def test_a_summary_stuck_running_past_the_limit_is_sent_again_and_built_once(scene, private_redis, processes):
    scene.session.close(by=scene.membership(scene.head))
    long_ago = timezone.now() - timedelta(seconds=30)
    summary = Summary.objects.create(
        session=scene.session, status=Summary.Status.RUNNING, attempts=1, started_at=long_ago
    )
    private_redis.start()  # its job died with its worker, and Redis kept nothing of it
    start_worker_on(processes, private_redis.url, JOBS_RUNNING_LIMIT_SECONDS="20")
    built = wait_for(lambda: ready(scene.session), what="the summary")
    assert built.attempts == 2  # the dead run and the one that finished
    assert built.error == ""
    from sessions.services import summary_sweep

    assert summary_sweep() == 0  # nothing left to send
    assert Summary.objects.get(pk=summary.pk).finished_at == built.finished_at


def test_two_sweeps_at_once_send_each_stranded_job_once(world, private_redis, tmp_path):
    head = world.membership(world.head)
    sessions = [world.session] + [
        Session.schedule(negotiation=world.negotiation, title=f"Round {n}", place="Port Calder") for n in range(11)
    ]
    for session in sessions:
        session.close(by=head)
        Summary.objects.create(session=session, requested_at=timezone.now() - timedelta(minutes=1))
    private_redis.start()
    go = tmp_path / "go"
    sweep = (
        "import os, time, django; django.setup()\n"
        "from sessions.services import summary_sweep\n"
        "print('ready', flush=True)\n"
        f"while not os.path.exists({str(go)!r}): time.sleep(0.005)\n"
        "print(summary_sweep(), flush=True)\n"
    )
    env = environment(private_redis.url, DJANGO_SETTINGS_MODULE="config.settings")
    sweepers = [
        subprocess.Popen([sys.executable, "-c", sweep], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for sweeper in sweepers:
        assert sweeper.stdout.readline().strip() == "ready"
    go.touch()
    sent = [int(sweeper.communicate(timeout=30)[0].strip()) for sweeper in sweepers]
    assert sum(sent) == len(sessions) == private_redis.queued()
    assert not Summary.objects.filter(enqueued_at=None).exists()  # each marked as handed to the broker


def test_a_large_export_asked_for_while_redis_is_down_is_rendered_once_redis_is_back(
    scene, private_redis, processes, start_asgi_server
):
    server = start_asgi_server(REDIS_URL=private_redis.url, EXPORT_BACKGROUND_THRESHOLD="0", EXPORT_WAIT_SECONDS="1")
    path = f"/negotiations/{scene.negotiation.public_id}/agreed-text.pdf"
    status, body = call(server, scene.head, "GET", path)
    assert status == 202, body[:300]
    assert ExportJob.objects.get().status == "pending"
    private_redis.start()
    back = time.monotonic()
    start_worker_on(processes, private_redis.url)
    wait_for(lambda: ExportJob.objects.get().status == "ready", what="the export")
    print(f"export ready {time.monotonic() - back:.1f} s after Redis came back")
    status, body = call(server, scene.head, "GET", path)
    assert status == 200 and body.startswith(b"%PDF")
    assert ExportJob.objects.get().attempts == 1


@pytest.mark.django_db(transaction=False)  # the job itself is not sent: only the answers are under test
def test_a_head_retries_a_summary_that_waited_too_long_and_is_told_why_when_it_is_too_soon(scene, api):
    scene.session.close(by=scene.membership(scene.head))
    summary = Summary.objects.create(session=scene.session, requested_at=timezone.now() - timedelta(minutes=30))
    retry = f"/sessions/{scene.session.public_id}/summary/retry"
    assert api.as_user(scene.head).post(retry).status_code == 200  # pending for half an hour: stranded
    assert Summary.objects.get(pk=summary.pk).requested_at > timezone.now() - timedelta(minutes=1)
    too_soon = api.post(retry)
    assert too_soon.status_code == 400
    assert too_soon.json()["detail"] == (
        "The summary was asked for a moment ago and is waiting for a worker; try again in a few seconds."
    )
    Summary.objects.filter(pk=summary.pk).update(status="running", started_at=timezone.now())
    assert api.post(retry).json()["detail"] == "The summary is being built right now; it should be ready shortly."
    Summary.objects.filter(pk=summary.pk).update(started_at=timezone.now() - timedelta(hours=1))
    assert api.post(retry).status_code == 200  # running for an hour: its worker is gone
    assert api.as_user(scene.note_taker).post(retry).status_code == 403
