"""Whether a product can be ordered in a quantity: the one rule, with a coded answer.

The cart (adding, merging at login), the cart page and the checkout all ask
``availability_problem`` and word the answer with ``availability_message``, adding only
what to do about it where they are.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext, ngettext

if TYPE_CHECKING:
    from shop.models import Product


class Unavailable(StrEnum):
    DELISTED = "delisted"
    SOLD_OUT = "sold_out"
    TOO_FEW = "too_few"


def availability_problem(*, product: Product, quantity: int) -> Unavailable | None:
    """Why ``quantity`` of ``product`` can't be ordered now, or None if it can."""
    if not product.is_active:
        return Unavailable.DELISTED
    if product.stock <= 0:
        return Unavailable.SOLD_OUT
    if quantity > product.stock:
        return Unavailable.TOO_FEW
    return None


def availability_message(problem: Unavailable, *, product: Product) -> str:
    """The shopper's sentence for ``problem``: "Linen Apron is sold out." and the like."""
    if problem == Unavailable.DELISTED:
        return gettext("%(product)s is no longer available.") % {"product": product.title}
    if problem == Unavailable.SOLD_OUT:
        return gettext("%(product)s is sold out.") % {"product": product.title}
    return ngettext(
        "Only %(count)d left of %(product)s.", "Only %(count)d left of %(product)s.", product.stock
    ) % {"count": product.stock, "product": product.title}
