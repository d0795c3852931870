"""/healthz: is the database reachable, the broker up, a worker listening?

It answers within ``HEALTH_DEADLINE`` seconds whatever is down: the database
and the broker (then the workers) are asked at once, each on a thread of its
own; the database check gives its connection back as soon as ``SELECT 1``
returns, so nothing holds a connection while workers are awaited. A part
that has not answered by the deadline is reported failing.

Anyone may ask whether the service is up: ``{"status": "ok"}`` (200) or
``{"status": "down"}`` (503), nothing more. Which part fails, and the
database engine, broker mode, worker names and errors behind it, are shown
only to a signed-in staff user: they tell an attacker what runs where.
"""

from __future__ import annotations

import threading
import time

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database() -> dict[str, object]:
    """Runs on a thread of its own, with its own connection, closed before it returns."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "engine": connection.vendor}
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        return {"ok": False, "error": f"database unreachable: {error.__class__.__name__}: {error}".strip()}
    finally:
        connection.close()


def _broker(timeout: float) -> dict[str, object]:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout)
        with client:
            client.ping()
        return {"ok": True, "mode": "redis"}
    except redis.RedisError as error:
        return {"ok": False, "mode": "redis", "error": f"broker unreachable: {error}"}


def _broker_then_worker(answers: dict[str, dict[str, object]]) -> None:
    """Fills ``answers["broker"]``, then ``answers["worker"]``, as each is known."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        answers.update(broker={"ok": True, "mode": "in-process"}, worker={"ok": True, "mode": "in-process"})
        return
    from config.celery import app as celery_app  # Celery, when a worker is asked: not at a web process's start

    answers["broker"] = _broker(settings.HEALTH_DEADLINE / 2)
    if not answers["broker"]["ok"]:
        answers["worker"] = {"ok": False, "error": "cannot ask workers: the broker is down"}
        return
    with celery_app.connection_for_write(settings.REDIS_URL) as conn:
        # limit=1: done as soon as one worker answers. Without any, Redis makes this wait about a
        # second whatever the timeout; healthz() does not wait for it past its deadline.
        replies = celery_app.control.ping(timeout=settings.HEALTH_WORKER_TIMEOUT, limit=1, connection=conn)
    if replies:
        answers["worker"] = {"ok": True, "workers": sorted(name for reply in replies for name in reply)}
    else:
        answers["worker"] = {"ok": False, "error": "no Celery worker answered"}


def _database_into(answers: dict[str, dict[str, object]]) -> None:
    answers["database"] = _database()


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    deadline = time.monotonic() + settings.HEALTH_DEADLINE
    answers: dict[str, dict[str, object]] = {}
    threads = [
        threading.Thread(target=check, args=(answers,), name=f"healthz-{check.__name__}", daemon=True)
        for check in (_database_into, _broker_then_worker)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    late = f"did not answer within {settings.HEALTH_DEADLINE:g} s"
    checks = {
        "database": answers.get("database", {"ok": False, "error": f"database {late}"}),
        "broker": answers.get("broker", {"ok": False, "error": f"broker {late}"}),
        "worker": answers.get("worker", {"ok": False, "error": f"no Celery worker answered: {late}"}),
    }
    failing = [name for name, check in checks.items() if not check["ok"]]
    status = 200 if not failing else 503
    if not _is_staff(request, database_up=checks["database"]["ok"]):
        return JsonResponse({"status": "ok" if not failing else "down"}, status=status)
    body = {"status": "ok" if not failing else "failing", "failing": failing, "checks": checks}
    return JsonResponse(body, status=status)


def _is_staff(request: HttpRequest, *, database_up: bool) -> bool:
    """Only a request with a session can be staff's; it is looked up only
    while the database answers, and any failure to look it up means no."""
    if not database_up or settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    try:
        return bool(request.user.is_authenticated and request.user.is_staff)
    except Exception:  # noqa: BLE001 - an unreadable session is an anonymous request
        return False
