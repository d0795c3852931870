import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("negotiations", "0007_record_text_rules"),
    ]

    operations = [
        migrations.CreateModel(
            name="RecordCheck",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                ("ok", models.BooleanField()),
                (
                    "findings",
                    models.JSONField(blank=True, default=list, help_text="One dict per finding, with its line"),
                ),
                (
                    "heads",
                    models.JSONField(blank=True, default=dict, help_text="The last seq and digest of every chain"),
                ),
                (
                    "negotiation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="record_checks",
                        to="negotiations.negotiation",
                    ),
                ),
            ],
            options={
                "ordering": ["-at", "-pk"],
                "indexes": [models.Index(fields=["negotiation", "-at"], name="record_check_latest")],
            },
        ),
    ]
