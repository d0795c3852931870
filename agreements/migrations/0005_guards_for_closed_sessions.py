"""No formulation or agreement event is added to a closed session. The
record guards are installed again because SQLite rebuilds a table to add a
column."""

from django.db import migrations

from negotiations.dbguards import append_only_sql, drop_session_open_sql, drop_sql, frozen_columns_sql, session_open_sql

FORMULATION = "agreements_formulation"
FROZEN = ["text", "language", "party_id", "point_id", "session_id", "entry_id", "created_at", "proposed_by_id"]
EVENT_TABLES = ["agreements_agreement", "agreements_agreement_parties"]
CLOSED = ("closed", "minutes_approved")


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [*drop_sql(vendor, FORMULATION), *frozen_columns_sql(vendor, FORMULATION, FROZEN)]
    for table in EVENT_TABLES:
        statements += [*drop_sql(vendor, table), *append_only_sql(vendor, table)]
    for table, what in ((FORMULATION, "formulations"), ("agreements_agreement", "agreements")):
        statements += session_open_sql(vendor, table, "session_id", frozen_statuses=CLOSED, what=what, ops=("INSERT",))
    for statement in statements:
        schema_editor.execute(statement, params=None)


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in (FORMULATION, "agreements_agreement"):
        for statement in drop_session_open_sql(vendor, table):
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0004_consent_noted_or_confirmed"),
        ("negotiation_sessions", "0007_guards_for_closed_sessions"),
    ]
    operations = [migrations.RunPython(install, remove)]
