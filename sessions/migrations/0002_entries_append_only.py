from django.db import migrations

from negotiations.dbguards import append_only_sql, drop_sql

TABLE = "negotiation_sessions_entry"


def install(apps, schema_editor):
    for statement in append_only_sql(schema_editor.connection.vendor, TABLE):
        schema_editor.execute(statement, params=None)


def remove(apps, schema_editor):
    for statement in drop_sql(schema_editor.connection.vendor, TABLE):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("negotiation_sessions", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
