"""Support may look up the cards blocked for every account (wallet.BlockedCard); re-sync the
Support group once that model exists."""

from django.db import migrations


def resync_support_group(apps, schema_editor):
    from support.permissions import support_group_sync

    support_group_sync(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0005_auditentry_moved_to_core"),
        ("wallet", "0005_blocked_card"),
        ("core", "0004_audit_card_block_lift"),
    ]

    operations = [migrations.RunPython(resync_support_group, migrations.RunPython.noop)]
