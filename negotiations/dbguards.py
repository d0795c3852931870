"""Database-level guards for the record.

Python checks can be bypassed (a shell, a script, a bug); these triggers
cannot, short of dropping them. Used from migrations, for PostgreSQL and for
the embedded SQLite default.
"""

from __future__ import annotations

from collections.abc import Sequence

PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION verbatim_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'verbatim: % on % is refused: the record is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$ LANGUAGE plpgsql;
"""


def append_only_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            PG_FUNCTIONS,
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION verbatim_refuse_change();",
        ]
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'verbatim: UPDATE on {table} is refused: the record is append-only'); END;",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'verbatim: DELETE on {table} is refused: the record is append-only'); END;",
    ]


def frozen_columns_sql(vendor: str, table: str, columns: Sequence[str]) -> list[str]:
    """Refuse any UPDATE that changes one of ``columns``, and any DELETE."""
    if vendor == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)
        return [
            PG_FUNCTIONS,
            f"""
CREATE OR REPLACE FUNCTION {table}_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'verbatim: DELETE on {table} is refused: the record is append-only'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF {changed} THEN
        RAISE EXCEPTION 'verbatim: the words of {table} row % are frozen; record a new one instead', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
""",
            f"CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_frozen();",
        ]
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
    return [
        f"CREATE TRIGGER {table}_frozen BEFORE UPDATE ON {table} WHEN {changed} "
        f"BEGIN SELECT RAISE(ABORT, 'verbatim: the words of {table} are frozen; record a new one instead'); END;",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'verbatim: DELETE on {table} is refused: the record is append-only'); END;",
    ]


def drop_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
            f"DROP TRIGGER IF EXISTS {table}_frozen ON {table};",
        ]
    return [f"DROP TRIGGER IF EXISTS {table}_{name};" for name in ("no_update", "no_delete", "frozen")]


def frozen_once_set_sql(vendor: str, table: str, column: str) -> list[str]:
    """Refuse any UPDATE of a row once ``column`` is set (e.g. approved
    minutes), and any DELETE."""
    message = f"verbatim: {table} row is approved and frozen; issue a corrigendum instead"
    if vendor == "postgresql":
        return [
            f"""
CREATE OR REPLACE FUNCTION {table}_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'verbatim: DELETE on {table} is refused: the record is append-only'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.{column} IS NOT NULL THEN
        RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
""",
            f"CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_frozen();",
        ]
    return [
        f"CREATE TRIGGER {table}_frozen BEFORE UPDATE ON {table} WHEN OLD.{column} IS NOT NULL "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END;",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'verbatim: DELETE on {table} is refused: the record is append-only'); END;",
    ]


SESSION_TABLE = "negotiation_sessions_session"


def session_open_sql(
    vendor: str, table: str, column: str, *, frozen_statuses: Sequence[str], what: str, ops: Sequence[str]
) -> list[str]:
    """Refuse ``ops`` (INSERT, UPDATE, DELETE) on rows of ``table`` whose
    session (``column``) is in one of ``frozen_statuses``: a closed session's
    attendance, agenda and formulations no longer change."""
    statuses = ", ".join(f"'{s}'" for s in frozen_statuses)
    name = f"{table}_session_open"
    message = f"verbatim: the session is closed or approved; its {what} are frozen"
    if vendor == "postgresql":
        return [
            f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
DECLARE
    sid bigint;
    st text;
BEGIN
    IF TG_OP = 'DELETE' THEN sid := OLD.{column}; ELSE sid := NEW.{column}; END IF;
    IF sid IS NOT NULL THEN
        SELECT status INTO st FROM {SESSION_TABLE} WHERE id = sid;
        IF st IN ({statuses}) THEN
            RAISE EXCEPTION '{message} (session %, %)', sid, st USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
""",
            f"DROP TRIGGER IF EXISTS {name} ON {table};",
            f"CREATE TRIGGER {name} BEFORE {' OR '.join(ops)} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}();",
        ]
    statements = []
    for op in ops:
        row = "OLD" if op == "DELETE" else "NEW"
        trigger = f"{name}_{op.lower()}"
        statements += [
            f"DROP TRIGGER IF EXISTS {trigger};",
            f"CREATE TRIGGER {trigger} BEFORE {op} ON {table} "
            f"WHEN (SELECT status FROM {SESSION_TABLE} WHERE id = {row}.{column}) IN ({statuses}) "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END;",
        ]
    return statements


def drop_session_open_sql(vendor: str, table: str) -> list[str]:
    name = f"{table}_session_open"
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {table};", f"DROP FUNCTION IF EXISTS {name}();"]
    return [f"DROP TRIGGER IF EXISTS {name}_{op};" for op in ("insert", "update", "delete")]


def approved_session_frozen_sql(vendor: str) -> list[str]:
    """Refuse any change to a session whose minutes are approved."""
    message = "verbatim: the minutes of this session are approved; it changes only by a corrigendum"
    if vendor == "postgresql":
        return [
            f"""
CREATE OR REPLACE FUNCTION {SESSION_TABLE}_approved() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'minutes_approved' THEN
        RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
""",
            f"DROP TRIGGER IF EXISTS {SESSION_TABLE}_approved ON {SESSION_TABLE};",
            f"CREATE TRIGGER {SESSION_TABLE}_approved BEFORE UPDATE ON {SESSION_TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION {SESSION_TABLE}_approved();",
        ]
    return [
        f"DROP TRIGGER IF EXISTS {SESSION_TABLE}_approved;",
        f"CREATE TRIGGER {SESSION_TABLE}_approved BEFORE UPDATE ON {SESSION_TABLE} "
        f"WHEN OLD.status = 'minutes_approved' BEGIN SELECT RAISE(ABORT, '{message}'); END;",
    ]
