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


# Every table whose rows are the record, or that a TRUNCATE ... CASCADE of a
# record table would empty with it. TRUNCATE fires no row trigger, so each of
# them refuses it by a statement trigger of its own.
RECORD_TABLES = (
    "negotiations_negotiation",
    "negotiation_sessions_session",
    "negotiation_sessions_agendaitem",
    "negotiation_sessions_attendance",
    "negotiation_sessions_participant",
    "negotiation_sessions_entry",
    "negotiation_sessions_summary",
    "negotiation_sessions_corrigendum",
    "negotiation_sessions_minutesapproval",
    "negotiation_sessions_act",
    "agreements_point",
    "agreements_formulation",
    "agreements_agreement",
    "agreements_agreement_parties",
)

PG_REFUSE_TRUNCATE = """
CREATE OR REPLACE FUNCTION verbatim_refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'verbatim: TRUNCATE on % is refused: the record is append-only', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation',
              HINT = 'Nothing was removed. A record is never emptied; archive the negotiation instead.';
END
$$ LANGUAGE plpgsql;
"""


def no_truncate_sql(vendor: str, tables: Sequence[str] = RECORD_TABLES) -> list[str]:
    """Refuse TRUNCATE (with or without CASCADE) on ``tables``. SQLite has no
    TRUNCATE: its ``DELETE FROM`` fires the row triggers, which refuse it."""
    if vendor != "postgresql":
        return []
    statements = [PG_REFUSE_TRUNCATE]
    for table in tables:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION verbatim_refuse_truncate();",
        ]
    return statements


def drop_no_truncate_sql(vendor: str, tables: Sequence[str] = RECORD_TABLES) -> list[str]:
    if vendor != "postgresql":
        return []
    return [f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};" for table in tables] + [
        "DROP FUNCTION IF EXISTS verbatim_refuse_truncate();"
    ]


AGREEMENT_TABLE = "agreements_agreement"
AGREEMENT_PARTIES_TABLE = "agreements_agreement_parties"
FORMULATION_TABLE = "agreements_formulation"


def agreement_parties_sealed_sql(vendor: str) -> list[str]:
    """The parties of an agreement event are named in the transaction that
    records the event, never later (PostgreSQL: each event row remembers the
    transaction that inserted it, in a column the model does not know)."""
    if vendor != "postgresql":
        return []
    message = "verbatim: the parties of agreement event % were named when it was recorded; record a new event instead"
    return [
        f"ALTER TABLE {AGREEMENT_TABLE} ADD COLUMN IF NOT EXISTS recorded_in_xact bigint;",
        f"""
CREATE OR REPLACE FUNCTION {AGREEMENT_TABLE}_stamp_xact() RETURNS trigger AS $$
BEGIN
    NEW.recorded_in_xact := txid_current();
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
""",
        f"DROP TRIGGER IF EXISTS {AGREEMENT_TABLE}_stamp_xact ON {AGREEMENT_TABLE};",
        f"CREATE TRIGGER {AGREEMENT_TABLE}_stamp_xact BEFORE INSERT ON {AGREEMENT_TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION {AGREEMENT_TABLE}_stamp_xact();",
        f"""
CREATE OR REPLACE FUNCTION {AGREEMENT_PARTIES_TABLE}_sealed() RETURNS trigger AS $$
DECLARE
    xact bigint;
BEGIN
    SELECT recorded_in_xact INTO xact FROM {AGREEMENT_TABLE} WHERE id = NEW.agreement_id;
    IF xact IS DISTINCT FROM txid_current() THEN
        RAISE EXCEPTION '{message}', NEW.agreement_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
""",
        f"DROP TRIGGER IF EXISTS {AGREEMENT_PARTIES_TABLE}_sealed ON {AGREEMENT_PARTIES_TABLE};",
        f"CREATE TRIGGER {AGREEMENT_PARTIES_TABLE}_sealed BEFORE INSERT ON {AGREEMENT_PARTIES_TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION {AGREEMENT_PARTIES_TABLE}_sealed();",
    ]


def drop_agreement_parties_sealed_sql(vendor: str) -> list[str]:
    if vendor != "postgresql":
        return []
    return [
        f"DROP TRIGGER IF EXISTS {AGREEMENT_PARTIES_TABLE}_sealed ON {AGREEMENT_PARTIES_TABLE};",
        f"DROP FUNCTION IF EXISTS {AGREEMENT_PARTIES_TABLE}_sealed();",
        f"DROP TRIGGER IF EXISTS {AGREEMENT_TABLE}_stamp_xact ON {AGREEMENT_TABLE};",
        f"DROP FUNCTION IF EXISTS {AGREEMENT_TABLE}_stamp_xact();",
        f"ALTER TABLE {AGREEMENT_TABLE} DROP COLUMN IF EXISTS recorded_in_xact;",
    ]


_OPEN = "('proposed', 'bracketed', 'awaiting_consent')"
_AGREED = "('agreed_ad_referendum', 'agreed', 'provisionally_agreed')"


def formulation_status_sql(vendor: str) -> list[str]:
    """A formulation's status moves only as the model moves it, and only on
    the event that justifies the move: it becomes agreed on a consent event
    (agreed ad referendum becomes agreed on a capital's confirmation), it
    leaves agreed only on a reopening, superseded and withdrawn are final.
    The justifying event must be the formulation's latest one and, on
    PostgreSQL, recorded in the same transaction."""
    table = FORMULATION_TABLE
    message = "verbatim: the status of formulation % cannot go from % to %: a status follows the recorded events"
    if vendor == "postgresql":
        latest = (
            f"SELECT kind, recorded_in_xact FROM {AGREEMENT_TABLE} WHERE formulation_id = NEW.id "
            "ORDER BY id DESC LIMIT 1"
        )
        return [
            f"""
CREATE OR REPLACE FUNCTION {table}_status() RETURNS trigger AS $$
DECLARE
    last_kind text;
    last_xact bigint;
    needed text;
BEGIN
    IF NEW.status IS NOT DISTINCT FROM OLD.status THEN
        RETURN NEW;
    END IF;
    IF OLD.status IN {_OPEN} AND NEW.status IN {_OPEN} THEN
        RETURN NEW;
    ELSIF OLD.status IN {_OPEN} AND NEW.status IN ('superseded', 'withdrawn') THEN
        RETURN NEW;
    ELSIF OLD.status IN {_OPEN} AND NEW.status IN {_AGREED} THEN
        needed := 'agreed';
    ELSIF OLD.status = 'agreed_ad_referendum' AND NEW.status IN ('agreed', 'provisionally_agreed') THEN
        needed := 'confirmed';
    ELSIF OLD.status IN {_AGREED} AND NEW.status = 'proposed' THEN
        needed := 'reopened';
    END IF;
    IF needed IS NOT NULL THEN
        {latest.replace("SELECT kind, recorded_in_xact", "SELECT kind, recorded_in_xact INTO last_kind, last_xact")};
        IF last_kind = needed AND last_xact = txid_current() THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '{message}', OLD.id, OLD.status, NEW.status USING ERRCODE = 'integrity_constraint_violation';
END
$$ LANGUAGE plpgsql;
""",
            f"DROP TRIGGER IF EXISTS {table}_status ON {table};",
            f"CREATE TRIGGER {table}_status BEFORE UPDATE OF status ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_status();",
        ]
    latest = f"(SELECT kind FROM {AGREEMENT_TABLE} WHERE formulation_id = NEW.id ORDER BY id DESC LIMIT 1)"
    allowed = (
        f"(OLD.status IN {_OPEN} AND NEW.status IN {_OPEN})"
        f" OR (OLD.status IN {_OPEN} AND NEW.status IN ('superseded', 'withdrawn'))"
        f" OR (OLD.status IN {_OPEN} AND NEW.status IN {_AGREED} AND {latest} = 'agreed')"
        f" OR (OLD.status = 'agreed_ad_referendum' AND NEW.status IN ('agreed', 'provisionally_agreed')"
        f" AND {latest} = 'confirmed')"
        f" OR (OLD.status IN {_AGREED} AND NEW.status = 'proposed' AND {latest} = 'reopened')"
    )
    return [
        f"DROP TRIGGER IF EXISTS {table}_status;",
        f"CREATE TRIGGER {table}_status BEFORE UPDATE OF status ON {table} "
        f"WHEN NEW.status IS NOT OLD.status AND NOT ({allowed}) "
        "BEGIN SELECT RAISE(ABORT, 'verbatim: a formulation status follows the recorded events'); END;",
    ]


def drop_formulation_status_sql(vendor: str) -> list[str]:
    table = FORMULATION_TABLE
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_status ON {table};", f"DROP FUNCTION IF EXISTS {table}_status();"]
    return [f"DROP TRIGGER IF EXISTS {table}_status;"]
