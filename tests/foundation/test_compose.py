from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_declares_the_full_stack_with_health_checks():
    services = load()["services"]
    assert {"postgres", "redis", "web", "worker"} <= set(services)
    for name in ("postgres", "redis", "web", "worker"):
        assert services[name]["healthcheck"]["test"], f"{name} has no health check"


def test_web_is_an_asgi_server_with_several_processes_and_waits_for_healthy_services():
    web = load()["services"]["web"]
    command = web["command"]
    assert command[:2] == ["uvicorn", "config.asgi:application"]
    assert int(command[command.index("--workers") + 1]) >= 2
    assert web["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert web["depends_on"]["redis"]["condition"] == "service_healthy"


def test_web_and_worker_point_at_postgres_and_redis_services():
    compose = load()
    for name in ("web", "worker"):
        env = compose["services"][name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379")
    assert compose["services"]["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]


def test_every_image_the_stack_builds_has_a_dockerfile():
    compose = load()
    for service in compose["services"].values():
        if "build" in service:
            assert (ROOT / service["build"] / "Dockerfile").exists()


def test_the_app_runs_as_verbatim_app_and_only_migrate_connects_as_the_owner():
    compose = load()
    services = compose["services"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://verbatim_app:"), name
        assert "MIGRATE_DATABASE_URL" not in env, name
    migrate = services["migrate"]
    owner = services["postgres"]["environment"]["POSTGRES_USER"]
    assert migrate["environment"]["MIGRATE_DATABASE_URL"].startswith(f"postgres://{owner}:")
    script = migrate["command"][-1]
    assert "manage.py migrate --noinput --database owner" in script
    assert script.index("migrate --noinput") < script.index("grant_app_role --role verbatim_app")
