"""Cart reads: the cart page grouped by seller, and the header's item count."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Sum
from django.utils.translation import gettext

from accounts.models import User
from core.links import remembered_url
from core.sql import CompiledQuery
from shop.availability import Unavailable, availability_message, availability_problem
from shop.models import Cart, CartLine, Product, Seller
from shop.pricing import SellerTotals, line_total, seller_totals
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


class SellerRow(NamedTuple):
    """A seller as the cart and order pages show it (what ``cart_lines_by_seller`` reads of
    it). Shown only: placing an order reads and locks its own rows."""

    pk: int
    name: str
    slug: str
    country: str
    currency: str
    shipping_fee: Decimal
    free_shipping_threshold: Decimal | None

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return remembered_url("shop:seller-detail", slug=self.slug)


_IMAGE = Product._meta.get_field("image")


class ProductRow(NamedTuple):
    """A product as a cart line shows it: ``Product``'s fields of the same names, and its
    ``image`` as the model gives it (a file with a ``url``, or empty)."""

    pk: int
    title: str
    slug: str
    price: Decimal
    currency: str
    stock: int
    image_name: str
    is_active: bool
    seller_id: int

    def __str__(self) -> str:
        return self.title

    @property
    def image(self):
        return _IMAGE.attr_class(None, _IMAGE, self.image_name) if self.image_name else ""

    def get_absolute_url(self) -> str:
        return remembered_url("shop:product-detail", slug=self.slug)


class CartLineView(NamedTuple):
    """A cart line as shown: its product (a ``ProductRow``, or Buy now's ``Product``), and
    its problem (if any), which says why it cannot be ordered as is. ``pk`` is the cart
    line's (None for Buy now's line, which is in no cart)."""

    pk: int | None
    product: ProductRow | Product
    quantity: int
    line_total: Decimal
    problem: str = ""

    @property
    def max_quantity(self) -> int:
        """The most the quantity box should offer (a hint; the services decide)."""
        return max(1, min(self.product.stock, MAX_LINE_QUANTITY))


@dataclass(frozen=True)
class SellerCartGroup:
    """One seller's part of the cart: what "Order from this seller" would order."""

    seller: SellerRow | Seller
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


def _line_problem(product: ProductRow | Product, quantity: int, *, buy_now: bool = False) -> str:
    problem = availability_problem(product=product, quantity=quantity)
    if problem is None:
        return ""
    said = availability_message(problem, product=product)
    if buy_now:
        if problem == Unavailable.TOO_FEW:
            return f"{said} {gettext('Choose a smaller quantity.')}"
        return said
    if problem == Unavailable.TOO_FEW:
        return f"{said} {gettext('Lower the quantity to order from this seller.')}"
    return f"{said} {gettext('Remove it to order from this seller.')}"


# What a cart line shows, read by SQL compiled once per process (core.sql) in one of six
# shapes: whose cart (any by id, a user's, an anonymous one by id), all sellers or one by
# slug. The columns are the line's, then ProductRow's (row[2:11]),
# then SellerRow's (row[10:17]).
_COLUMNS = (
    "id",
    "quantity",
    "product_id",
    "product__title",
    "product__slug",
    "product__price",
    "product__currency",
    "product__stock",
    "product__image",
    "product__is_active",
    "product__seller",
    "product__seller__name",
    "product__seller__slug",
    "product__seller__country",
    "product__seller__currency",
    "product__seller__shipping_fee",
    "product__seller__free_shipping_threshold",
)
_ORDER = ("product__seller__name", "product__seller_id", "created_at", "id")
# Stand-ins the shapes are compiled with.
_WHOSE, _SLUG = -424246, "\x00seller"
_OWNERS = {
    "cart": lambda: CartLine.objects.filter(cart_id=_WHOSE),
    "user": lambda: CartLine.objects.filter(cart__user=_WHOSE),
    "anonymous": lambda: CartLine.objects.filter(cart_id=_WHOSE, cart__user__isnull=True),
}


def _shape(owner: str, by_seller: bool) -> CompiledQuery:
    def build(alias: str):
        lines = _OWNERS[owner]()
        stand_ins: dict[str, object] = {"whose": _WHOSE}
        if by_seller:
            lines = lines.filter(product__seller__slug=_SLUG)
            stand_ins["slug"] = _SLUG
        return lines.order_by(*_ORDER).values_list(*_COLUMNS), stand_ins

    return CompiledQuery(
        f"cart lines by {owner}" + (" of a seller" if by_seller else ""), CartLine, build
    )


_SHAPES = {
    (owner, by_seller): _shape(owner, by_seller) for owner in _OWNERS for by_seller in (False, True)
}


def cart_lines_by_seller(
    *,
    cart: Cart | None = None,
    user: User | None = None,
    cart_id: int | None = None,
    seller_slug: str | None = None,
) -> list[SellerCartGroup]:
    """The cart's lines grouped by seller (sellers by name, lines in the order added), each
    group with its subtotal, shipping fee and total from `shop.pricing.seller_totals`.

    The cart is `cart`, or the one `user` owns, or the anonymous one with id `cart_id`
    (as `cart_item_count` finds it): by owner it takes no query of its own. Lines that
    cannot be ordered (delisted, sold out, more than the stock) stay visible with their
    problem and are left out of the totals. One query, compiled once per process; the
    lines come as plain rows (``ProductRow``, ``SellerRow``), for showing: placing an
    order reads and locks its own. Pass `seller_slug` to get only that seller's group
    (checkout): no seller row is read first, the group carries it.
    """
    if cart is not None:
        if cart.pk is None:
            return []
        owner, whose = "cart", cart.pk
    elif user is not None:
        owner, whose = "user", user.pk
    elif isinstance(cart_id, int):
        owner, whose = "anonymous", cart_id
    else:
        return []
    query = _SHAPES[owner, seller_slug is not None]
    if seller_slug is None:
        rows = query.rows(whose=whose)
    else:
        rows = query.rows(whose=whose, slug=seller_slug)
    groups: list[SellerCartGroup] = []
    seller_id, seller = None, None
    lines: list[CartLineView] = []
    for row in rows:
        if row[10] != seller_id:
            if lines:
                groups.append(_seller_group(seller, lines))
            seller_id, seller, lines = row[10], SellerRow._make(row[10:17]), []
        product = ProductRow._make(row[2:11])
        quantity = row[1]
        lines.append(
            CartLineView(
                row[0],
                product,
                quantity,
                line_total(unit_price=product.price, quantity=quantity, currency=product.currency),
                _line_problem(product, quantity),
            )
        )
    if lines:
        groups.append(_seller_group(seller, lines))
    return groups


def _seller_group(seller: SellerRow | Seller, lines: list[CartLineView]) -> SellerCartGroup:
    orderable = [v for v in lines if not v.problem]
    return SellerCartGroup(
        seller=seller,
        lines=lines,
        totals=seller_totals(
            seller=seller, items=[(v.product.price, v.quantity) for v in orderable]
        ),
        item_count=sum(v.quantity for v in orderable),
        problems=[v.problem for v in lines if v.problem],
    )


def buy_now_group(*, product: Product, quantity: int) -> SellerCartGroup:
    """What **Buy now** would order, shaped like one seller's part of the cart (the order
    page shows either): ``quantity`` of ``product``, with its problem if it can't be
    ordered. Nothing is written; the shopper's cart is not read."""
    line = CartLineView(
        None,
        product,
        quantity,
        line_total(unit_price=product.price, quantity=quantity, currency=product.currency),
        _line_problem(product, quantity, buy_now=True),
    )
    return _seller_group(product.seller, [line])
