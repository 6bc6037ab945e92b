"""The staff audit log moves from ``support`` to ``core`` (the shop and wallet services that
write it sit below support): this claims the existing table in core's state and changes
nothing in the database. Its rows, and the permissions hung on its content type, stay.

Depends on support's last migration that shaped the table; ``support.0005`` then drops the
model from support's state, and ``core.0003`` renames the table and its constraints.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ACTIONS = [
    ("order_refund", "Refund"),
    ("order_refund_retry", "Retry refund"),
    ("order_cancel", "Cancel order"),
    ("bank_transfer_received", "Mark bank transfer received"),
    ("order_shipped", "Mark shipped"),
    ("order_delivered", "Mark delivered"),
    ("card_disable", "Disable card"),
    ("admin_add", "Added in admin"),
    ("admin_change", "Changed in admin"),
    ("admin_delete", "Deleted in admin"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_security_event"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("support", "0004_audit_retry_refund"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("actor_email", models.EmailField(max_length=254, verbose_name="staff member")),
                        ("action", models.CharField(choices=ACTIONS, max_length=30)),
                        ("target_id", models.CharField(blank=True, max_length=64)),
                        (
                            "target_repr",
                            models.CharField(blank=True, max_length=200, verbose_name="object"),
                        ),
                        ("order_number", models.CharField(blank=True, db_index=True, max_length=64)),
                        ("reason", models.CharField(blank=True, max_length=500)),
                        ("summary", models.CharField(blank=True, max_length=500, verbose_name="what")),
                        ("details", models.JSONField(blank=True, default=dict)),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="when"),
                        ),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "target_type",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="contenttypes.contenttype",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "audit entry",
                        "verbose_name_plural": "audit entries",
                        "ordering": ["-created_at", "-id"],
                        "db_table": "support_auditentry",
                        "default_permissions": ("view",),
                        "permissions": [
                            ("refund_order", "Can refund orders"),
                            ("cancel_order", "Can cancel orders"),
                            ("fulfil_order", "Can mark orders shipped or delivered"),
                            ("confirm_bank_transfer", "Can mark bank transfers received"),
                            ("disable_card", "Can disable saved cards"),
                        ],
                        "indexes": [
                            models.Index(
                                fields=["target_type", "target_id"], name="support_audit_target"
                            )
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(
                                        ("action__in", ("order_refund", "order_cancel", "card_disable")),
                                        _negated=True,
                                    ),
                                    models.Q(("reason", ""), _negated=True),
                                    _connector="OR",
                                ),
                                name="support_auditentry_reason_required",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("action__in", [value for value, _ in ACTIONS])),
                                name="support_auditentry_action_valid",
                            ),
                        ],
                    },
                ),
            ],
        ),
    ]
