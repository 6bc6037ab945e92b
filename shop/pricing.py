"""Money arithmetic for the shop: line totals, seller shipping and per-seller totals.

Every total the shopper sees (cart, checkout, order) is computed here, so the cart's
"Order from this seller" figure and the amount charged at checkout cannot drift apart.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from core.money import quantize
from shop.models import Seller

ZERO = Decimal("0.00")


def line_total(*, unit_price: Decimal, quantity: int, currency: str) -> Decimal:
    return quantize(unit_price * quantity, currency)


def seller_shipping_fee(*, seller: Seller, subtotal: Decimal) -> Decimal:
    """The shipping charged on one order from `seller` whose goods cost `subtotal`.

    The seller's flat fee, unless a free-shipping threshold is set and the subtotal reaches
    it. Nothing to ship (subtotal 0 with no goods) is the caller's concern, not a discount.
    """
    threshold = seller.free_shipping_threshold
    if threshold is not None and subtotal >= threshold:
        return quantize(ZERO, seller.currency)
    return quantize(seller.shipping_fee, seller.currency)


def free_shipping_shortfall(*, seller: Seller, subtotal: Decimal) -> Decimal | None:
    """How much more the shopper must add for free shipping; None when it cannot apply or
    already does."""
    threshold = seller.free_shipping_threshold
    if threshold is None or seller.shipping_fee == 0 or subtotal >= threshold:
        return None
    return quantize(threshold - subtotal, seller.currency)


@dataclass(frozen=True)
class SellerTotals:
    subtotal: Decimal
    shipping_fee: Decimal
    total: Decimal
    currency: str
    free_shipping_shortfall: Decimal | None


def seller_totals(*, seller: Seller, items: Iterable[tuple[Decimal, int]]) -> SellerTotals:
    """Totals of one order from `seller` made of `(unit_price, quantity)` items."""
    currency = seller.currency
    subtotal = quantize(
        sum(
            (line_total(unit_price=p, quantity=q, currency=currency) for p, q in items),
            ZERO,
        ),
        currency,
    )
    shipping = seller_shipping_fee(seller=seller, subtotal=subtotal)
    return SellerTotals(
        subtotal=subtotal,
        shipping_fee=shipping,
        total=quantize(subtotal + shipping, currency),
        currency=currency,
        free_shipping_shortfall=free_shipping_shortfall(seller=seller, subtotal=subtotal),
    )
