"""The audit log now lives in ``core`` (``core.0002`` claimed the table, ``core.0003``
renamed it and moved its content type): drop the model from support's state, touching no
table, and re-sync the Support group, whose permissions now read ``core.*`` for the audit
log and the order and card actions (the same permission rows, so its grants were kept)."""

from django.db import migrations


def resync_support_group(apps, schema_editor):
    from support.permissions import support_group_sync

    support_group_sync(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0004_audit_retry_refund"),
        ("core", "0003_auditentry_core_table"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="AuditEntry")],
        ),
        migrations.RunPython(resync_support_group, migrations.RunPython.noop),
    ]
