from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.worker
def test_healthz_is_200_when_database_broker_and_worker_answer(client, celery_worker_process, make_user):
    assert client.get("/healthz").json() == {"status": "ok"}  # anonymous: up, nothing more
    client.force_login(make_user("ops", staff=True))
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


def test_healthz_is_503_naming_the_broker_when_redis_is_unreachable(client, settings, make_user):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    client.force_login(make_user("ops", staff=True))
    body = client.get("/healthz").json()
    assert body["failing"] == ["broker", "worker"]
    assert "broker unreachable" in body["checks"]["broker"]["error"]


def test_healthz_is_503_naming_the_worker_when_no_worker_listens(client, settings, make_user):
    settings.REDIS_URL = "redis://127.0.0.1:6379/13"  # a Redis database no worker listens on
    client.force_login(make_user("ops", staff=True))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["worker"]
    assert "no Celery worker answered" in response.json()["checks"]["worker"]["error"]


def test_anonymous_healthz_says_only_down_and_names_no_part_host_or_engine(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "down"}


def test_a_signed_in_member_who_is_not_staff_sees_no_details_either(client, settings, make_user):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    client.force_login(make_user("member"))
    assert client.get("/healthz").json() == {"status": "down"}


def test_staff_see_which_part_fails_and_why(client, settings, make_user):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    client.force_login(make_user("ops", staff=True))
    body = client.get("/healthz").json()
    assert body["status"] == "failing" and body["failing"] == ["broker", "worker"]
    assert body["checks"]["database"] == {"ok": True, "engine": "postgresql"}
