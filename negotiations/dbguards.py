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
