"""Guards the earlier ones left open: TRUNCATE is refused on every record
table (it fires no row trigger); a formulation's status moves only on the
event that justifies it; an agreement event's parties are named in the
transaction that records it, never added later."""

from django.db import migrations

from negotiations.dbguards import (
    agreement_parties_sealed_sql,
    drop_agreement_parties_sealed_sql,
    drop_formulation_status_sql,
    drop_no_truncate_sql,
    formulation_status_sql,
    no_truncate_sql,
)


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in [*no_truncate_sql(vendor), *agreement_parties_sealed_sql(vendor), *formulation_status_sql(vendor)]:
        schema_editor.execute(statement, params=None)


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [
        *drop_formulation_status_sql(vendor),
        *drop_agreement_parties_sealed_sql(vendor),
        *drop_no_truncate_sql(vendor),
    ]
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0006_record_text_rules"),
        ("negotiation_sessions", "0008_summary_outbox"),
        ("negotiations", "0004_export_job_outbox"),
    ]
    operations = [migrations.RunPython(install, remove)]
