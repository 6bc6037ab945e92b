"""Cart reads: the cart page grouped by seller, and the header's item count."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext

from accounts.models import User
from shop.availability import Unavailable, availability_message, availability_problem
from shop.models import Cart, CartLine, Product, Seller
from shop.pricing import SellerTotals, seller_totals
from shop.services.cart import MAX_LINE_QUANTITY


def cart_get_for_user(*, user: User) -> Cart | None:
    """The user's cart, or None if they never put anything in one."""
    return Cart.objects.filter(user=user).first()


def cart_get_anonymous(*, cart_id: int | None) -> Cart | None:
    """The anonymous cart with this id (from a session), or None. Never a user's cart."""
    if not isinstance(cart_id, int):
        return None
    return Cart.objects.filter(pk=cart_id, user__isnull=True).first()


def cart_item_count(*, cart_id: int | None = None, user: User | None = None) -> int:
    """Total units in a cart, by cart id or by owner, in one query."""
    lines = CartLine.objects.all()
    if user is not None:
        lines = lines.filter(cart__user=user)
    elif cart_id is not None:
        lines = lines.filter(cart_id=cart_id, cart__user__isnull=True)
    else:
        return 0
    return lines.aggregate(n=Sum("quantity"))["n"] or 0


@dataclass(frozen=True)
class CartLineView:
    """A cart line as shown: its problem (if any) says why it cannot be ordered as is."""

    line: CartLine
    line_total: Decimal
    problem: str = ""

    @property
    def product(self):
        return self.line.product

    @property
    def quantity(self) -> int:
        return self.line.quantity

    @property
    def pk(self) -> int:
        return self.line.pk

    @property
    def max_quantity(self) -> int:
        """The most the quantity box should offer (a hint; the services decide)."""
        return max(1, min(self.line.product.stock, MAX_LINE_QUANTITY))


@dataclass(frozen=True)
class SellerCartGroup:
    """One seller's part of the cart: what "Order from this seller" would order."""

    seller: Seller
    lines: list[CartLineView]
    totals: SellerTotals
    item_count: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal:
        return self.totals.subtotal

    @property
    def shipping_fee(self) -> Decimal:
        return self.totals.shipping_fee

    @property
    def total(self) -> Decimal:
        return self.totals.total

    @property
    def currency(self) -> str:
        return self.totals.currency

    @property
    def is_orderable(self) -> bool:
        return not self.problems and bool(self.lines)


def _line_problem(line: CartLine, *, buy_now: bool = False) -> str:
    problem = availability_problem(product=line.product, quantity=line.quantity)
    if problem is None:
        return ""
    said = availability_message(problem, product=line.product)
    if buy_now:
        if problem == Unavailable.TOO_FEW:
            return f"{said} {gettext('Choose a smaller quantity.')}"
        return said
    if problem == Unavailable.TOO_FEW:
        return f"{said} {gettext('Lower the quantity to order from this seller.')}"
    return f"{said} {gettext('Remove it to order from this seller.')}"


def cart_lines_by_seller(
    *,
    cart: Cart | None = None,
    user: User | None = None,
    cart_id: int | None = None,
    seller: Seller | None = None,
    seller_slug: str | None = None,
) -> list[SellerCartGroup]:
    """The cart's lines grouped by seller (sellers by name, lines in the order added), each
    group with its subtotal, shipping fee and total from `shop.pricing.seller_totals`.

    The cart is `cart`, or the one `user` owns, or the anonymous one with id `cart_id`
    (as `cart_item_count` finds it): by owner it takes no query of its own. Lines that
    cannot be ordered (delisted, sold out, more than the stock) stay visible with their
    problem and are left out of the totals. One query. Pass `seller` (or its `seller_slug`,
    which reads no seller row first: the group carries it) to get only that seller's group
    (checkout).
    """
    if cart is not None:
        if cart.pk is None:
            return []
        lines = CartLine.objects.filter(cart=cart)
    elif user is not None:
        lines = CartLine.objects.filter(cart__user=user)
    elif isinstance(cart_id, int):
        lines = CartLine.objects.filter(cart_id=cart_id, cart__user__isnull=True)
    else:
        return []
    lines = lines.select_related("product__seller")
    if seller is not None:
        lines = lines.filter(product__seller=seller)
    if seller_slug is not None:
        lines = lines.filter(product__seller__slug=seller_slug)
    by_seller: dict[int, list[CartLine]] = {}
    sellers: dict[int, Seller] = {}
    for line in lines.order_by("product__seller__name", "product__seller_id", "created_at", "id"):
        by_seller.setdefault(line.product.seller_id, []).append(line)
        sellers[line.product.seller_id] = line.product.seller
    return [_seller_group(sellers[seller_id], lines) for seller_id, lines in by_seller.items()]


def _seller_group(
    seller: Seller, lines: list[CartLine], *, buy_now: bool = False
) -> SellerCartGroup:
    views = [
        CartLineView(
            line=line, line_total=line.line_total, problem=_line_problem(line, buy_now=buy_now)
        )
        for line in lines
    ]
    orderable = [v for v in views if not v.problem]
    return SellerCartGroup(
        seller=seller,
        lines=views,
        totals=seller_totals(
            seller=seller, items=[(v.product.price, v.quantity) for v in orderable]
        ),
        item_count=sum(v.quantity for v in orderable),
        problems=[v.problem for v in views if v.problem],
    )


def buy_now_group(*, product: Product, quantity: int) -> SellerCartGroup:
    """What **Buy now** would order, shaped like one seller's part of the cart (the order
    page shows either): ``quantity`` of ``product``, with its problem if it can't be
    ordered. Nothing is written; the shopper's cart is not read."""
    line = CartLine(product=product, quantity=quantity)
    return _seller_group(product.seller, [line], buy_now=True)
