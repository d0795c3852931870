"""Typed readers for settings that come from the environment.

Every reader fails loudly with a ``SettingError`` naming the variable, so a
bad value stops start-up with one line instead of surfacing later as a
confusing runtime error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


class SettingError(Exception):
    """A setting read from the environment has a value we cannot use."""

    def __init__(self, name: str, problem: str) -> None:
        self.name = name
        self.problem = problem
        super().__init__(f"{name}: {problem}")


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise SettingError(name, f"expected true or false, got {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(name, f"expected a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingError(name, f"must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


PREPARE_AFTER = 2  # runs of a statement on one connection before the server keeps its plan


def database_from_url(name: str, url: str, *, base_dir: Path) -> dict[str, Any]:
    """Turn ``sqlite:///path`` or ``postgres://user:pw@host:port/db`` into a
    Django ``DATABASES`` entry."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if not path or path == "/":
            raise SettingError(name, "a sqlite URL needs a file path, e.g. sqlite:///var/verbatim.sqlite3")
        # sqlite:///relative.db -> relative to the project; sqlite:////abs.db -> absolute
        file = Path(path[1:]) if path.startswith("/") else Path(path)
        if not file.is_absolute():
            file = base_dir / file
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(file),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    if parts.scheme in {"postgres", "postgresql"}:
        db_name = unquote(parts.path.lstrip("/"))
        if not db_name:
            raise SettingError(name, "a postgres URL needs a database name, e.g. postgres://user@host:5432/verbatim")
        try:
            port = parts.port
        except ValueError:
            raise SettingError(name, "the port is not a number") from None
        options: dict[str, Any] = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        pool_size = options.pop("pool_size", None)
        if pool_size is not None:
            try:
                size = int(pool_size)
            except ValueError:
                raise SettingError(name, f"pool_size must be a whole number, got {pool_size!r}") from None
            if size > 0:
                # A per-process pool: many open streams and a burst of requests wait for a
                # connection instead of exhausting the server's max_connections.
                options["pool"] = {"min_size": 1, "max_size": size, "timeout": 30}
        prepared = options.pop("prepared_statements", "on")
        if prepared not in {"on", "off"}:
            raise SettingError(name, f"prepared_statements must be on or off, got {prepared!r}")
        if prepared == "on":
            # A statement the app runs again on the same connection (the access check, the API token,
            # recording a line, a stream's read of new lines) is planned once and kept by the server:
            # parameters travel apart from the SQL (server-side binding), and psycopg prepares a
            # statement once it has run PREPARE_AFTER times. Planning the stream's read of new lines (16
            # tables joined) cost more than running it. Behind a pooler that hands each transaction
            # another server connection (PgBouncer in transaction mode), set prepared_statements=off.
            options["server_side_binding"] = True
            options["prepare_threshold"] = PREPARE_AFTER
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": db_name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 0,
            "OPTIONS": options,
        }
    raise SettingError(
        name,
        f"unsupported database URL {url!r}; use sqlite:///path/to/file.sqlite3 "
        "or postgres://user:password@host:5432/name",
    )


def redis_url(name: str) -> str | None:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return None
    parts = urlsplit(raw)
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise SettingError(name, f"expected redis://host:6379/0, got {raw!r}")
    return raw
