"""Order emails (plain text + HTML), written to the outbox (``core.letters``) in the
transaction of the order change, so a rolled-back change never mails the shopper and a
worker sends them after the commit. They name a card by brand and last 4 digits at most, and
link to the order page by its absolute address (``core.links.absolute_url``)."""

from __future__ import annotations

import logging

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy

from core.letters import letter_enqueue
from core.links import absolute_url

logger = logging.getLogger("shop.orders")

_SUBJECTS = {
    "confirmation": gettext_lazy("Your Bazaar order %(number)s is confirmed"),
    "cancelled": gettext_lazy("Your Bazaar order %(number)s was cancelled"),
    "refund": gettext_lazy("A refund for your Bazaar order %(number)s"),
}


def _send(order, kind: str, dedupe_key: str) -> None:
    from shop.selectors.orders import order_letter_detail

    order_id = order.pk
    try:
        detail = order_letter_detail(order=order)
        context = {
            "order": detail.order,
            "detail": detail,
            "order_url": absolute_url(detail.order.get_absolute_url()),
        }
        # Written in the shopper's language, whoever or whatever changed the order.
        with translation.override(detail.order.user.language):
            subject = str(_SUBJECTS[kind]) % {"number": detail.order.number}
            text = render_to_string(f"shop/emails/order_{kind}.txt", context)
            html = render_to_string(f"shop/emails/order_{kind}.html", context)
    except Exception:  # an email must never undo the order change it reports
        logger.exception("order %s: %s email failed", order_id, kind)
        return
    letter_enqueue(
        to=detail.order.user.email,
        subject=subject,
        body=text,
        html_body=html,
        dedupe_key=dedupe_key,
    )


def order_email_on_commit(*, order, kind: str, refund_id: int | None = None) -> None:
    """Queue the ``kind`` email ("confirmation", "cancelled", "refund") for ``order``: the
    letter is written now, in the caller's transaction, and sent after it commits. Once per
    order and kind (once per refund for a partial refund's letter, given ``refund_id``)."""
    if kind not in _SUBJECTS:
        raise ValueError(f"Unknown order email {kind!r}.")
    key = f"order:{order.pk}:{kind}" + (f":refund:{refund_id}" if refund_id else "")
    _send(order, kind, key)
