"""No card number or CVC survives a shopper typing one into the pages.

The wallet's own scan drives the services; this one goes through the payment page and the
wallet's add-card page like a shopper, with declines, form errors, step-up and Save card,
then reads every table (sessions decoded), every log line, every email and every page.
"""

import logging
import re

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from tests.factories import ProductFactory, order_placed
from tests.wallet.test_never_stored import dump_every_table, spellings

pytestmark = pytest.mark.django_db

CVC = "731"
TYPED = [
    "4000 0000 0000 0002",  # declined
    "4000 0000 0000 9995",  # insufficient funds
    "4242 4242 4242 4241",  # fails the Luhn check: a form error
    "4000 0025 0000 3155",  # step-up
    "5555 5555 5555 4444",  # paid, Save card ticked
]


def _pay_token(client, order) -> str:
    page = client.get(reverse("shop:order-pay", args=[order.number])).content.decode()
    return re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1)


def test_card_numbers_typed_into_pages_are_never_kept_anywhere(user_client, user, caplog, outbox):
    caplog.set_level(logging.DEBUG)
    order = order_placed(user=user, product=ProductFactory(stock=5))
    pages = []
    for number in TYPED:
        data = {
            "token": _pay_token(user_client, order),
            "method": "new",
            "number": number,
            "name": "Sam Shopper",
            "expiry": "12/30",
            "cvc": CVC,
            "save_card": "on",
        }
        response = user_client.post(reverse("shop:order-pay", args=[order.number]), data)
        pages.append(response.content.decode())
        if response.status_code == 302:
            pages.append(user_client.get(response.url).content.decode())
    pages.append(
        user_client.get(reverse("shop:order-detail", args=[order.number])).content.decode()
    )
    pages.append(user_client.get(reverse("wallet:activity")).content.decode())

    sessions = "\n".join(repr(s.get_decoded()) for s in Session.objects.all())
    everywhere = {
        "database": dump_every_table(),
        "sessions": sessions,
        "logs": caplog.text,
        "emails": "\n".join(f"{m.subject}\n{m.body}" for m in outbox),
        "pages": "\n".join(pages),
    }
    assert sessions  # the shopper's session really was read
    assert "4444" in everywhere["database"]  # the saved Mastercard's last 4 are there
    for number in TYPED:
        digits = number.replace(" ", "")
        for spelling in spellings(digits) | {number}:
            for where, text in everywhere.items():
                assert spelling not in text, f"{spelling} found in {where}"
    assert f'value="{CVC}"' not in everywhere["pages"]
    # As a value of its own, in what the pages put in the session: the login's own keys
    # (the user's id, a hex digest) may hold the digits by chance.
    kept = "\n".join(
        repr({k: v for k, v in s.get_decoded().items() if not k.startswith("_auth_user_")})
        for s in Session.objects.all()
    )
    assert not re.search(rf"(?<![0-9a-f]){CVC}(?![0-9a-f])", kept)
