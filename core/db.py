"""Transactions: what the ORM's ``atomic`` costs where it is not needed."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from django.db import transaction


def savepoint_if_nested(using: str | None = None) -> AbstractContextManager:
    """For one statement that may be refused (a unique key, a bad value): inside a
    transaction, a savepoint keeps the refusal from spoiling the caller's work; outside
    one, the statement commits on its own, and ``atomic`` would only add a BEGIN and a
    COMMIT round trip."""
    if transaction.get_connection(using).in_atomic_block:
        return transaction.atomic(using=using)
    return nullcontext()
