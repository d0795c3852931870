"""API tokens expire, carry a name and a public id, can be revoked; a negotiation can require
two-factor sign-in. Tokens issued before this get the default lifetime from now."""

import uuid

from django.db import migrations, models

import negotiations.models


def give_public_ids(apps, schema_editor):
    ApiToken = apps.get_model("negotiations", "ApiToken")
    for token in ApiToken.objects.filter(public_id=None):
        token.public_id = uuid.uuid4()
        token.save(update_fields=["public_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("negotiations", "0005_issued_files"),
    ]

    operations = [
        migrations.AlterModelOptions(name="apitoken", options={"ordering": ["-created_at"]}),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(default=negotiations.models._token_expiry),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="name",
            field=models.CharField(
                blank=True, help_text="The owner's label, e.g. the script that uses it", max_length=100
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="public_id",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(give_public_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="two_factor",
            field=models.BooleanField(
                default=False, help_text="Issued on a code from the owner's authenticator (two-factor sign-in)"
            ),
        ),
        migrations.AddField(
            model_name="negotiation",
            name="requires_two_factor",
            field=models.BooleanField(
                default=False,
                help_text="Set by a head of delegation: members open this negotiation only after signing in with "
                "a code from their authenticator app.",
                verbose_name="members must sign in with two-factor",
            ),
        ),
    ]
