"""The audit log's table, index and constraints take core's names, and its content type
moves from ``support`` to ``core`` so the permissions hung on it (``view_auditentry`` and
support's action permissions: ``refund_order``, ``cancel_order``, ...) keep their rows, and
every group and user keeps its grants. Rows are kept as they are."""

from django.db import migrations, models

ACTIONS = [
    "order_refund",
    "order_refund_retry",
    "order_cancel",
    "bank_transfer_received",
    "order_shipped",
    "order_delivered",
    "card_disable",
    "admin_add",
    "admin_change",
    "admin_delete",
]


def _move_content_type(apps, schema_editor, *, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    types = ContentType.objects.using(db)
    old = types.filter(app_label=source, model="auditentry").first()
    if old is None:  # a database that never had the audit log's permissions made
        return
    new = types.filter(app_label=target, model="auditentry").first()
    if new is not None:
        # Made meanwhile by a permission sync: it holds no grants yet, the old one does.
        Permission.objects.using(db).filter(content_type=new).delete()
        new.delete()
    old.app_label = target
    old.save(update_fields=["app_label"])


def content_type_to_core(apps, schema_editor) -> None:
    _move_content_type(apps, schema_editor, source="support", target="core")


def content_type_to_support(apps, schema_editor) -> None:
    _move_content_type(apps, schema_editor, source="core", target="support")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_auditentry_from_support"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelTable(name="auditentry", table=None),
        migrations.RenameIndex(
            model_name="auditentry", new_name="core_audit_target", old_name="support_audit_target"
        ),
        migrations.RemoveConstraint(
            model_name="auditentry", name="support_auditentry_reason_required"
        ),
        migrations.RemoveConstraint(model_name="auditentry", name="support_auditentry_action_valid"),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("action__in", ("order_refund", "order_cancel", "card_disable")),
                        _negated=True,
                    ),
                    models.Q(("reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="core_auditentry_reason_required",
            ),
        ),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.CheckConstraint(
                condition=models.Q(("action__in", ACTIONS)), name="core_auditentry_action_valid"
            ),
        ),
        migrations.RunPython(content_type_to_core, content_type_to_support),
    ]
