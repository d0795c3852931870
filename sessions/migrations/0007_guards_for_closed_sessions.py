"""Guards for what parties bind: acts and approvals are append-only; a
closed session's agenda and attendance are frozen; nothing is appended to or
changed in a session whose minutes are approved. The entry and summary
guards are installed again because SQLite rebuilds a table to add a column."""

from django.db import migrations

from negotiations.dbguards import (
    append_only_sql,
    approved_session_frozen_sql,
    drop_session_open_sql,
    drop_sql,
    frozen_once_set_sql,
    session_open_sql,
)

ENTRY = "negotiation_sessions_entry"
SUMMARY = "negotiation_sessions_summary"
APPEND_ONLY = ["negotiation_sessions_act", "negotiation_sessions_minutesapproval"]
CLOSED = ("closed", "minutes_approved")
APPROVED = ("minutes_approved",)
SESSION_BOUND = [
    ("negotiation_sessions_agendaitem", "session_id", CLOSED, "agenda items", ("INSERT", "UPDATE", "DELETE")),
    ("negotiation_sessions_attendance", "session_id", CLOSED, "attendance records", ("INSERT", "UPDATE", "DELETE")),
    ("negotiation_sessions_entry", "session_id", APPROVED, "entries", ("INSERT",)),
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [*drop_sql(vendor, ENTRY), *append_only_sql(vendor, ENTRY)]
    statements += [*drop_sql(vendor, SUMMARY), *frozen_once_set_sql(vendor, SUMMARY, "approved_at")]
    for table in APPEND_ONLY:
        statements += append_only_sql(vendor, table)
    for table, column, statuses, what, ops in SESSION_BOUND:
        statements += session_open_sql(vendor, table, column, frozen_statuses=statuses, what=what, ops=ops)
    statements += approved_session_frozen_sql(vendor)
    for statement in statements:
        schema_editor.execute(statement, params=None)


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [
        *drop_sql(vendor, "negotiation_sessions_act"),
        *drop_sql(vendor, "negotiation_sessions_minutesapproval"),
    ]
    for table, *_ in SESSION_BOUND:
        statements += drop_session_open_sql(vendor, table)
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("negotiation_sessions", "0006_parties_bind_themselves")]
    operations = [migrations.RunPython(install, remove)]
