"""/healthz: is the database reachable, the broker up, a worker listening?"""

from __future__ import annotations

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app


def _database() -> dict[str, object]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "engine": connection.vendor}
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        return {"ok": False, "error": f"database unreachable: {error.__class__.__name__}: {error}".strip()}


def _broker() -> dict[str, object]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "in-process"}
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1).ping()
        return {"ok": True, "mode": "redis"}
    except redis.RedisError as error:
        return {"ok": False, "mode": "redis", "error": f"broker unreachable: {error}"}


def _worker(broker_ok: bool) -> dict[str, object]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "in-process"}
    if not broker_ok:
        return {"ok": False, "error": "cannot ask workers: the broker is down"}
    with celery_app.connection_for_write(settings.REDIS_URL) as connection:
        replies = celery_app.control.ping(timeout=settings.HEALTH_WORKER_TIMEOUT, connection=connection)
    if not replies:
        return {"ok": False, "error": f"no Celery worker answered within {settings.HEALTH_WORKER_TIMEOUT:g} s"}
    return {"ok": True, "workers": sorted(name for reply in replies for name in reply)}


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database = _database()
    broker = _broker()
    worker = _worker(bool(broker["ok"]))
    checks = {"database": database, "broker": broker, "worker": worker}
    failing = [name for name, check in checks.items() if not check["ok"]]
    body = {"status": "ok" if not failing else "failing", "failing": failing, "checks": checks}
    return JsonResponse(body, status=200 if not failing else 503)
