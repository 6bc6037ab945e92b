"""Create the "Support" group with the permissions in support.permissions.

The group is re-synced after every `migrate` too (support.receivers), so permissions of
models added later (e.g. orders) join it without another data migration.
"""

from django.db import migrations


def create_support_group(apps, schema_editor):
    from support.permissions import support_group_sync

    support_group_sync(apps=apps, using=schema_editor.connection.alias)


def remove_support_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Support").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0002_address_ordering_nulls_last_email_message"),
        ("shop", "0002_orders"),
        ("wallet", "0002_walletaccount_confirmation"),
    ]

    operations = [migrations.RunPython(create_support_group, remove_support_group)]
