"""The "Support" group: exactly the permissions support staff need, kept in one list.

Support staff are ``is_staff`` users (never superusers) in this group. They look things up
(view permissions) and act through the order/card actions in the admin (the action
permissions hung on the audit log's model: ``core.refund_order`` and the like); they can't
add, edit or delete records directly, nor touch permissions. The group is created by a data
migration and re-synced after every ``migrate`` (and after the test runner flushes the
database), so new models' permissions appear on the next run.
"""

from __future__ import annotations

import logging

from django.apps import apps as global_apps

logger = logging.getLogger("support")

SUPPORT_GROUP = "Support"

SUPPORT_PERMISSIONS: tuple[tuple[str, str], ...] = (
    # customers: read-only (no password, no groups or permissions shown)
    ("accounts", "view_user"),
    ("accounts", "view_address"),
    # orders: read-only records, changed only through the actions below
    ("shop", "view_order"),
    ("shop", "view_orderline"),
    ("shop", "view_orderevent"),
    # catalog: read-only for support (superusers edit it)
    ("shop", "view_seller"),
    ("shop", "view_product"),
    # wallet: the ledger and saved cards, read-only
    ("wallet", "view_payment"),
    ("wallet", "view_refund"),
    ("wallet", "view_card"),
    ("wallet", "view_walletaccount"),
    ("wallet", "view_walletevent"),
    ("wallet", "view_blockedcard"),
    # the audit log and the actions it records (hung on core's AuditEntry)
    ("core", "view_auditentry"),
    # the outbox: whether and when a letter went out (never its text)
    ("core", "view_letter"),
    ("core", "refund_order"),
    ("core", "cancel_order"),
    ("core", "fulfil_order"),
    ("core", "confirm_bank_transfer"),
    ("core", "disable_card"),
    ("core", "lock_account"),
    # the security log: the card-testing alarm links to the events it counts
    ("core", "view_securityevent"),
)

# The permissions that gate support's order and card actions (``user.has_perm`` names).
REFUND_ORDER = "core.refund_order"
CANCEL_ORDER = "core.cancel_order"
FULFIL_ORDER = "core.fulfil_order"
CONFIRM_BANK_TRANSFER = "core.confirm_bank_transfer"
DISABLE_CARD = "core.disable_card"
LOCK_ACCOUNT = "core.lock_account"


def support_group_sync(*, apps=global_apps, using: str = "default"):
    """Create the Support group if missing and set its permissions to exactly
    ``SUPPORT_PERMISSIONS`` (those whose model exists yet). Idempotent.

    ``apps`` is the app registry: the migration passes its historical one.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # Permissions are normally made after `migrate`; make sure ours exist now. A
        # migration's app stubs have no models module, which create_permissions skips.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0, using=using)
        finally:
            app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.using(using).get_or_create(name=SUPPORT_GROUP)
    wanted = []
    for app_label, codename in SUPPORT_PERMISSIONS:
        permission = (
            Permission.objects.using(using)
            .filter(content_type__app_label=app_label, codename=codename)
            .first()
        )
        if permission is None:
            # The model isn't there yet (an app mid-migration); the next migrate adds it.
            logger.debug("support group: no permission %s.%s yet", app_label, codename)
            continue
        wanted.append(permission)
    group.permissions.set(wanted)
    return group
