"""Every staff page of the admin, registered from here (Django's admin autodiscovery imports
this package): the apps below keep only their models and services.

- ``orders``: orders, the order page and its actions (each a view with a form);
- ``wallet``: payments and refunds (a read-only ledger), saved cards (Disable card), wallet
  accounts and activity;
- ``customers``: users (support's customer view), addresses, groups, and django-axes'
  failed-login and lockout pages;
- ``catalog``: sellers, products and carts;
- ``audit``: the staff audit log and Django's own admin log;
- ``letters``: the outbox, read-only (whether and when each letter went out);
- ``tools``: building blocks they share (audited edits, read-only ledgers, list columns);
- ``forms``: the forms of the staff actions.
"""

from support.admin import audit, catalog, customers, letters, orders, wallet

__all__ = ["audit", "catalog", "customers", "letters", "orders", "wallet"]
