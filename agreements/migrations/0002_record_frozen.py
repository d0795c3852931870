from django.db import migrations

from negotiations.dbguards import append_only_sql, drop_sql, frozen_columns_sql

FORMULATION = "agreements_formulation"
FROZEN = ["text", "language", "party_id", "point_id", "session_id", "entry_id", "created_at", "proposed_by_id"]
EVENT_TABLES = ["agreements_agreement", "agreements_agreement_parties"]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in frozen_columns_sql(vendor, FORMULATION, FROZEN):
        schema_editor.execute(statement, params=None)
    for table in EVENT_TABLES:
        for statement in append_only_sql(vendor, table):
            schema_editor.execute(statement, params=None)


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in [FORMULATION, *EVENT_TABLES]:
        for statement in drop_sql(vendor, table):
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
