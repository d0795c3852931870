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
