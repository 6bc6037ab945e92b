"""No full card number or CVC anywhere: database rows, SQL sent, logs, emails.

Links cards and pays with every test card through the services (saved card, one-time card,
save-the-card, step-up, timeouts, refunds, removal), then dumps every table of every app.
"""

import logging
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory, card_data, payment_address
from wallet.exceptions import AuthenticationRequired, PaymentError
from wallet.gateways.simulated import TEST_CARDS
from wallet.services import (
    card_disable,
    card_link,
    card_remove,
    card_update,
    payment_charge_card,
    payment_charge_new_card,
    payment_confirm_step_up,
    payment_reconcile,
    payment_refund,
)

pytestmark = pytest.mark.django_db

EVERY_CARD = [*TEST_CARDS, "4111111111111111", "6011111111111117", "3566002020360505"]
# Columns whose names look like card data but are not (the order number "BZ-000123").
NOT_CARD_FIELDS = {"shop.Order.number"}
SENSITIVE_FIELD = re.compile(r"cvc|cvv|csc|security_code|card_number|^pan$|^number$", re.I)


def spellings(number: str) -> set[str]:
    """The number as digits, grouped with spaces or dashes (4-4-4-4 and Amex 4-6-5)."""
    groups = (
        [number[0:4], number[4:10], number[10:]]
        if len(number) == 15
        else re.findall(r".{1,4}", number)
    )
    return {number, " ".join(groups), "-".join(groups)}


def dump_every_table() -> str:
    chunks = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        for row in model._base_manager.values():
            chunks.append(f"{model._meta.label}: {row!r}")
    return "\n".join(chunks)


def exercise_every_card(user, staff):
    outcomes = {}
    for index, number in enumerate(EVERY_CARD):
        key = f"BZ-{index:06d}"
        # 1. Link it to the wallet, then pay with the saved card.
        try:
            card, _ = card_link(
                user=user, card_data=card_data(number), payment_address=payment_address()
            )
        except PaymentError as exc:
            outcomes[f"{number} link"] = exc.code
        else:
            try:
                payment_charge_card(
                    user=user,
                    card=card,
                    amount=Decimal("10.00"),
                    currency="USD",
                    reference=key,
                    idempotency_key=f"{key}:saved",
                )
            except AuthenticationRequired as exc:
                try:
                    payment_confirm_step_up(payment=exc.payment, approved=True)
                except PaymentError as declined:
                    outcomes[f"{number} saved"] = declined.code
            except PaymentError as exc:
                outcomes[f"{number} saved"] = exc.code
            if index % 2 == 0:  # half the cards keep their linked details, half are edited
                card_update(
                    card=card,
                    exp_month=1,
                    exp_year=2040,
                    name="Ada Lovelace",
                    payment_address=payment_address(),
                )
        # 2. Pay with it as a new card, ticking "Save card" for every other one.
        try:
            payment = payment_charge_new_card(
                user=user,
                card_data=card_data(number),
                amount=Decimal("12.00"),
                currency="USD",
                reference=key,
                idempotency_key=f"{key}:new",
                save_card=index % 2 == 0,
                payment_address=payment_address(),
            )
        except AuthenticationRequired as exc:
            try:
                payment_confirm_step_up(payment=exc.payment, approved=index % 3 != 0)
            except PaymentError as declined:
                outcomes[f"{number} new"] = declined.code
        except PaymentError as exc:
            outcomes[f"{number} new"] = exc.code
        else:
            payment_refund(payment=payment, amount=Decimal("2.00"), reason="Partial", by=staff)
    return outcomes


def test_no_card_number_or_cvc_is_stored_logged_or_mailed(
    user, settings, caplog, outbox, on_commit, unlimited_card_attempts
):
    settings.WALLET_MAX_CARDS = 100
    staff = UserFactory(is_staff=True)
    caplog.set_level(logging.DEBUG)
    with CaptureQueriesContext(connection) as queries, on_commit():
        outcomes = exercise_every_card(user, staff)
        # A timeout, then reconciliation.
        settings.SIMULATED_GATEWAY_FAULT = "timeout"
        with pytest.raises(PaymentError) as timed_out:
            payment_charge_new_card(
                user=user,
                card_data=card_data("5555555555554444"),
                amount=Decimal("3.00"),
                currency="USD",
                reference="BZ-999999",
                idempotency_key="timeout",
            )
        settings.SIMULATED_GATEWAY_FAULT = ""
        payment_reconcile(payment=timed_out.value.payment)
        cards = list(user.cards.filter(removed_at__isnull=True))
        card_disable(card=cards[0], by=staff, reason="Fraud report")
        for card in cards[1:]:
            card_remove(card=card)

    # The run really covered declines, step-up and linking refusals.
    assert outcomes["4000000000000002 link"] == "generic_decline"
    assert outcomes["4000000000009995 saved"] == "insufficient_funds"
    assert outcomes["4000008400001629 new"] == "generic_decline"
    assert len(outbox) > 10

    database = dump_every_table()
    sql = "\n".join(query["sql"] for query in queries.captured_queries)
    logs = caplog.text + "\n".join(
        f"{record.getMessage()} {record.args!r}" for record in caplog.records
    )
    emails = "\n".join(f"{mail.subject}\n{mail.body}" for mail in outbox)
    assert "•••• 4242" in database  # the dump is real: masked forms are there
    for number in EVERY_CARD:
        for spelling in spellings(number):
            for where, text in (
                ("database", database),
                ("SQL", sql),
                ("logs", logs),
                ("emails", emails),
            ):
                assert spelling not in text, f"{spelling} found in {where}"

    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            label = f"{model._meta.label}.{field.name}"
            if label in NOT_CARD_FIELDS:
                continue
            assert not SENSITIVE_FIELD.search(field.name), label
    assert not re.search(r"['\"](cvc|cvv|csc)['\"]", database)
    # The CVCs used (735, Amex 7351) in any free-text column of the wallet and gateway
    # tables (names, addresses, messages, reasons); ids, tokens and hashes are left out.
    free_text = wallet_free_text()
    assert "•••• 4242" in free_text
    assert "735" not in free_text


def wallet_free_text() -> str:
    skip = re.compile(r"token|fingerprint|hash|idempotency|_id$|^id$")
    chunks = []
    for label in ("wallet", "gateways"):
        for model in apps.get_app_config(label).get_models():
            names = [
                field.name
                for field in model._meta.concrete_fields
                if field.get_internal_type() in ("CharField", "TextField", "JSONField")
                and not skip.search(field.name)
            ]
            for row in model.objects.values(*names):
                chunks.append(repr(row))
    return "\n".join(chunks)
