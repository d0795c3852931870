"""A formulation is words on the shared record: the line it was recorded
from must be a shared line, and that line and the session it was proposed in
must belong to the formulation's own negotiation. The model checks this
first with a message for people; this trigger holds for every other path (a
shell, a script, an archive restore). Formulation rows never change these
columns after insertion (0005 froze them), so checking inserts suffices."""

from django.db import migrations

TRIGGER = "agreements_formulation_shared_source"
MESSAGE = "verbatim: a formulation comes only from a shared line and a session of its own negotiation"
ENTRY_OK = """EXISTS (
    SELECT 1 FROM negotiation_sessions_entry e
    JOIN negotiation_sessions_session s ON s.id = e.session_id
    JOIN agreements_point p ON p.id = NEW.point_id
    WHERE e.id = NEW.entry_id AND e.stream = 'record' AND s.negotiation_id = p.negotiation_id
)"""
SESSION_OK = """EXISTS (
    SELECT 1 FROM negotiation_sessions_session s
    JOIN agreements_point p ON p.id = NEW.point_id
    WHERE s.id = NEW.session_id AND s.negotiation_id = p.negotiation_id
)"""
REFUSED = f"(NEW.entry_id IS NOT NULL AND NOT {ENTRY_OK}) OR (NEW.session_id IS NOT NULL AND NOT {SESSION_OK})"


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        statements = [
            f"""
CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger AS $$
BEGIN
    IF {REFUSED} THEN
        RAISE EXCEPTION '{MESSAGE} (entry %, session %)', NEW.entry_id, NEW.session_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
""",
            f"CREATE TRIGGER {TRIGGER} BEFORE INSERT ON agreements_formulation "
            f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}();",
        ]
    else:
        statements = [
            f"CREATE TRIGGER {TRIGGER} BEFORE INSERT ON agreements_formulation WHEN {REFUSED} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
        ]
    for statement in statements:
        schema_editor.execute(statement, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON agreements_formulation", params=None)
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()", params=None)
    else:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0007_truncate_status_and_parties_guards"),
        ("negotiation_sessions", "0008_summary_outbox"),
    ]
    operations = [migrations.RunPython(install, remove)]
