from django.db import migrations

from negotiations.dbguards import append_only_sql, drop_sql, frozen_once_set_sql

SUMMARY = "negotiation_sessions_summary"
CORRIGENDUM = "negotiation_sessions_corrigendum"


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in [*frozen_once_set_sql(vendor, SUMMARY, "approved_at"), *append_only_sql(vendor, CORRIGENDUM)]:
        schema_editor.execute(statement, params=None)


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in (SUMMARY, CORRIGENDUM):
        for statement in drop_sql(vendor, table):
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("negotiation_sessions", "0004_summary")]
    operations = [migrations.RunPython(install, remove)]
