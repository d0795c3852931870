from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import SettingError, database_from_url, env_bool

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [("DATABASE_URL", "nonsense"), ("REDIS_URL", "localhost:6379"), ("DEBUG", "perhaps"), ("SECRET_KEY", "short")],
)
def test_a_bad_setting_stops_start_up_with_one_line_naming_it(name, value, tmp_path):
    result = run_manage("check", VERBATIM_VAR_DIR=str(tmp_path), **{name: value})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"verbatim: cannot start: {name}: ")
    assert "Traceback" not in result.stderr


def test_it_parses_a_postgres_url():
    db = database_from_url("DATABASE_URL", "postgres://me:s%40cret@db.example:6543/verbatim", base_dir=ROOT)
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "me",
        "s@cret",
        "db.example",
        "6543",
        "verbatim",
    )


def test_it_parses_a_relative_sqlite_url_against_the_project():
    db = database_from_url("DATABASE_URL", "sqlite:///var/x.sqlite3", base_dir=ROOT)
    assert db["NAME"] == str(ROOT / "var" / "x.sqlite3")


def test_it_refuses_a_postgres_url_without_a_database_name():
    with pytest.raises(SettingError, match="database name"):
        database_from_url("DATABASE_URL", "postgres://host:5432", base_dir=ROOT)


def test_it_reads_booleans_strictly(monkeypatch):
    monkeypatch.setenv("DEBUG", "yes")
    assert env_bool("DEBUG", False) is True
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(SettingError):
        env_bool("DEBUG", False)


PRODUCTION = {
    "SECURE_COOKIES": "true",
    "SECRET_KEY": "k" * 20 + "production-secret-key-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "verbatim.example",
}


def test_settings_for_production_pass_check_deploy(tmp_path):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", VERBATIM_VAR_DIR=str(tmp_path), **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_secure_cookies_check_deploy_warns_about_https(tmp_path):
    result = run_manage(
        "check", "--deploy", VERBATIM_VAR_DIR=str(tmp_path), **{**PRODUCTION, "SECURE_COOKIES": "false"}
    )
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


def settings_seen(tmp_path, **env: str) -> list[str]:
    names = [
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
    ]
    code = "from django.conf import settings; " + "; ".join(f"print(repr(settings.{n}))" for n in names)
    result = run_manage("shell", "-c", code, VERBATIM_VAR_DIR=str(tmp_path), **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-len(names) :]


def test_secure_cookies_turn_on_hsts_and_the_https_redirect_and_the_proxy_header_only_behind_a_proxy(tmp_path):
    assert settings_seen(tmp_path, **PRODUCTION) == ["True", "31536000", "True", "True", "None"]
    assert (
        settings_seen(tmp_path, **PRODUCTION, VERBATIM_BEHIND_PROXY="true")[-1] == "('HTTP_X_FORWARDED_PROTO', 'https')"
    )
    assert settings_seen(tmp_path) == ["False", "0", "False", "False", "None"]


@pytest.mark.django_db
def test_with_https_on_pages_redirect_to_https_but_healthz_answers_load_balancers_over_http(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    from django.test import Client

    plain = Client()
    response = plain.get("/login/")
    assert response.status_code == 301 and response.url == "https://testserver/login/"
    assert plain.get("/healthz").status_code in {200, 503}
    secure = plain.get("/login/", secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_a_postgres_url_has_the_server_keep_the_plans_of_repeated_statements():
    options = database_from_url("DATABASE_URL", "postgres://db.example/verbatim", base_dir=ROOT)["OPTIONS"]
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 2


def test_prepared_statements_can_be_turned_off_for_a_transaction_pooler():
    options = database_from_url(
        "DATABASE_URL", "postgres://db.example/verbatim?prepared_statements=off", base_dir=ROOT
    )["OPTIONS"]
    assert "server_side_binding" not in options and "prepare_threshold" not in options


def test_a_prepared_statements_setting_other_than_on_or_off_is_refused():
    with pytest.raises(SettingError, match="prepared_statements must be on or off"):
        database_from_url("DATABASE_URL", "postgres://db.example/verbatim?prepared_statements=yes", base_dir=ROOT)
