# Session.time_zone. On SQLite a plain AddField of a NOT NULL column rebuilds the session table, which the
# guard triggers of other tables (and the session's own) do not survive: there the column is added in place
# with ALTER TABLE ... ADD COLUMN, which keeps every trigger. PostgreSQL adds it as Django always does.

from django.db import migrations, models

import sessions.models

TABLE = "negotiation_sessions_session"


def _field() -> models.CharField:
    field = models.CharField(default="UTC", max_length=64)
    field.set_attributes_from_name("time_zone")
    return field


def add_column(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f'ALTER TABLE "{TABLE}" ADD COLUMN "time_zone" varchar(64) NOT NULL DEFAULT \'UTC\'')
    else:
        schema_editor.add_field(apps.get_model("negotiation_sessions", "Session"), _field())


def drop_column(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f'ALTER TABLE "{TABLE}" DROP COLUMN "time_zone"')
    else:
        schema_editor.remove_field(apps.get_model("negotiation_sessions", "Session"), _field())


class Migration(migrations.Migration):
    dependencies = [
        ("negotiation_sessions", "0010_chains_over_stable_ids"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(add_column, drop_column)],
            state_operations=[
                migrations.AddField(
                    model_name="session",
                    name="time_zone",
                    field=models.CharField(
                        default="UTC",
                        help_text="The IANA time zone of the place, e.g. Europe/Paris: the scheduled time is shown in it.",
                        max_length=64,
                        validators=[sessions.models.validate_time_zone],
                    ),
                ),
            ],
        ),
    ]
