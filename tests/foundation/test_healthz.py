from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.worker
def test_healthz_is_200_when_database_broker_and_worker_answer(client, celery_worker_process):
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["engine"] == "postgresql"
    assert body["checks"]["broker"]["mode"] == "redis"
    assert body["checks"]["worker"]["workers"]


def test_healthz_needs_no_login(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    assert client.get("/healthz").status_code == 503  # answered, not redirected to the login page


def test_healthz_is_503_naming_the_broker_when_redis_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    body = client.get("/healthz").json()
    assert body["failing"] == ["broker", "worker"]
    assert "broker unreachable" in body["checks"]["broker"]["error"]


def test_healthz_is_503_naming_the_worker_when_no_worker_listens(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/13"  # a Redis database no worker listens on
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["worker"]
    assert "no Celery worker answered" in response.json()["checks"]["worker"]["error"]
