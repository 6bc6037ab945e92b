"""Cart services: add, change and remove lines; merge an anonymous cart at login.

A cart reserves nothing: stock is checked here so the shopper hears about it early, and
checked again (and decremented) by the checkout.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import FilteredRelation, Q
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from core.sql import CompiledQuery
from shop.availability import Unavailable, availability_message, availability_problem
from shop.exceptions import CartError, InsufficientStock, InvalidQuantity, ProductUnavailable
from shop.models import Cart, CartLine, Product

# One line may hold at most this many units, whatever the stock: it stops typos like 1000.
MAX_LINE_QUANTITY = 99


def _check_quantity(quantity: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidQuantity(gettext("Enter a whole number as the quantity."))
    if quantity < 1:
        raise InvalidQuantity(gettext("The quantity must be at least 1."))
    if quantity > MAX_LINE_QUANTITY:
        raise InvalidQuantity(
            gettext("You can order at most %(limit_value)s of one product.")
            % {"limit_value": MAX_LINE_QUANTITY}
        )


def _check_available(*, product: Product, quantity: int, already: int = 0) -> None:
    problem = availability_problem(product=product, quantity=quantity)
    if problem is None:
        return
    message = availability_message(problem, product=product)
    if problem != Unavailable.TOO_FEW:
        raise ProductUnavailable(message)
    if already:
        message += f" You already have {already} in your cart."
    raise InsufficientStock(message, product=product, available=product.stock)


def _lock(cart_id: int) -> None:
    """Lock the cart row by touching it: the UPDATE takes the row lock a SELECT ... FOR
    UPDATE would, and stamps ``updated_at`` (what ``cart_delete_abandoned`` goes by) in
    the same statement; a change that then fails rolls the stamp back with it. This
    serialises changes to one cart (two tabs adding the same product) without touching
    the product rows that checkouts lock."""
    _touch(cart_id)


def _touch(cart_id: int) -> None:
    Cart.objects.filter(pk=cart_id).update(updated_at=timezone.now())


def _lock_user_cart(user: User, product: Product) -> tuple[int, CartLine | None]:
    """``user``'s cart locked (by its touch, as ``_lock``), made now if there is none, and
    its line of ``product`` read after the lock, in one query: ``(cart id, line or None)``.
    Safe under concurrent first use (unique user)."""
    mine = Cart.objects.filter(user=user)
    if not mine.update(updated_at=timezone.now()):
        try:
            with transaction.atomic():
                return Cart.objects.create(user=user).pk, None  # no lines yet
        except IntegrityError:  # another request made it first; its commit let us through
            mine.update(updated_at=timezone.now())
    # A statement after the lock: it sees every line a change before ours committed.
    (row,) = _cart_and_line.rows(owner=user.pk, product=product.pk)
    cart_id, line_values = row[0], row[1:]
    if line_values[0] is None:
        return cart_id, None
    return cart_id, CartLine.from_db(CartLine.objects.db, _LINE_FIELDS, line_values)


# ``_lock_user_cart``'s read, compiled once per process (core.sql): the owner's cart id and
# its line of the product, if any, as one row.
_LINE_FIELDS = [f.attname for f in CartLine._meta.concrete_fields]
_OWNER, _PRODUCT = -424251, -424252  # its stand-ins


def _cart_and_line_query(alias: str):
    row = (
        Cart.objects.filter(user=_OWNER)
        .annotate(line=FilteredRelation("lines", condition=Q(lines__product=_PRODUCT)))
        .values_list("pk", *(f"line__{name}" for name in _LINE_FIELDS))
        .order_by()
    )
    return row, {"owner": _OWNER, "product": _PRODUCT}


_cart_and_line = CompiledQuery("cart and its line of a product", Cart, _cart_and_line_query)


def cart_get_or_create_for_user(*, user: User) -> Cart:
    """The user's cart, created on first use. Safe under concurrent first use (unique user)."""
    cart, _ = Cart.objects.get_or_create(user=user)
    return cart


def cart_create_anonymous() -> Cart:
    """A new cart with no owner; the caller keeps its id in the visitor's session."""
    return Cart.objects.create()


@transaction.atomic
def cart_add_item(
    *, product: Product, quantity: int, cart: Cart | None = None, user: User | None = None
) -> CartLine:
    """Add `quantity` units of `product` to `cart`, or to `user`'s cart (made on first use)
    when no cart is given, on top of a line already there.

    Atomic; locks the cart row first (by touching it, `_lock`), then reads the line.
    Stock is checked against `product` as the caller read it: a cart reserves
    nothing, and the checkout checks it again under the product's lock. Raises
    InvalidQuantity, ProductUnavailable or InsufficientStock (the cart line total may not
    exceed stock or MAX_LINE_QUANTITY) and then changes nothing.
    """
    _check_quantity(quantity)
    if cart is not None:
        cart_id = cart.pk
        _lock(cart_id)
        line = CartLine.objects.filter(cart_id=cart_id, product=product).first()
    elif user is not None:
        cart_id, line = _lock_user_cart(user, product)
    else:
        raise TypeError("cart_add_item() needs a cart or a user.")
    already = line.quantity if line else 0
    new_quantity = already + quantity
    if new_quantity > MAX_LINE_QUANTITY:
        if already:
            message = gettext(
                "You can order at most %(limit_value)s of one product (you already have "
                "%(already)s in your cart)."
            )
        else:
            message = gettext("You can order at most %(limit_value)s of one product.")
        raise InvalidQuantity(message % {"limit_value": MAX_LINE_QUANTITY, "already": already})
    _check_available(product=product, quantity=new_quantity, already=already)
    if line:
        line.quantity = new_quantity
        line.save(update_fields=["quantity", "updated_at"])
    else:
        line = CartLine.objects.create(cart_id=cart_id, product=product, quantity=new_quantity)
    return line


@transaction.atomic
def cart_line_set_quantity(*, line: CartLine, quantity: int) -> CartLine:
    """Set a line's quantity. Atomic; locks the cart row.

    Raises InvalidQuantity (use `cart_line_remove` to drop a line: 0 is refused),
    ProductUnavailable or InsufficientStock, and then changes nothing.
    """
    _check_quantity(quantity)
    _lock(line.cart_id)
    line = CartLine.objects.select_related("product").filter(pk=line.pk).first()
    if line is None:
        raise CartError(gettext("That item is no longer in your cart."))
    _check_available(product=line.product, quantity=quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity", "updated_at"])
    return line


@transaction.atomic
def cart_line_remove(*, line: CartLine) -> None:
    """Delete a line from its cart. Idempotent: removing a removed line does nothing."""
    CartLine.objects.filter(pk=line.pk).delete()
    _touch(line.cart_id)


@dataclass(frozen=True)
class CartMergeDropped:
    """An anonymous line none of whose units joined the cart: ``reason`` says why
    (``Unavailable.SOLD_OUT`` or ``Unavailable.DELISTED``)."""

    product: Product
    quantity: int
    reason: Unavailable


@dataclass(frozen=True)
class CartMergeCapped:
    """A product of which fewer units are in the cart than the two carts held together:
    ``limit`` is the stock, or MAX_LINE_QUANTITY when ``by_stock`` is false; ``quantity``
    is what the cart holds now."""

    product: Product
    wanted: int
    quantity: int
    limit: int
    by_stock: bool


@dataclass(frozen=True)
class CartMerge:
    """What a merge did: the user's cart, and what did not come along in full."""

    cart: Cart
    dropped: list[CartMergeDropped] = field(default_factory=list)
    capped: list[CartMergeCapped] = field(default_factory=list)


@transaction.atomic
def cart_merge_into_user(*, anonymous_cart: Cart, user: User) -> CartMerge:
    """Move an anonymous cart's lines into `user`'s cart and delete the anonymous cart.

    Quantities of a product in both carts add up, capped at the product's stock and at
    MAX_LINE_QUANTITY (a line already above the cap is left as it is); lines of delisted or
    sold-out products are dropped. Returns the cart with what was dropped or capped, so the
    caller can tell the shopper. Atomic; locks both carts. Idempotent: merging a cart that
    is gone, or that already belongs to someone, does nothing (and reports nothing).
    """
    cart = cart_get_or_create_for_user(user=user)
    anonymous = (
        Cart.objects.select_for_update().filter(pk=anonymous_cart.pk, user__isnull=True).first()
    )
    if anonymous is None or anonymous.pk == cart.pk:
        return CartMerge(cart=cart)
    _lock(cart.pk)
    result = CartMerge(cart=cart)
    existing = {line.product_id: line for line in cart.lines.all()}
    for incoming in anonymous.lines.select_related("product").order_by("created_at", "pk"):
        product = incoming.product
        problem = availability_problem(product=product, quantity=1)
        if problem is not None:
            result.dropped.append(
                CartMergeDropped(product=product, quantity=incoming.quantity, reason=problem)
            )
            continue
        by_stock = product.stock < MAX_LINE_QUANTITY
        cap = product.stock if by_stock else MAX_LINE_QUANTITY
        line = existing.get(product.pk)
        before = line.quantity if line is not None else 0
        wanted = before + incoming.quantity
        merged = max(min(wanted, cap), before)
        if line is None:
            CartLine.objects.create(cart=cart, product=product, quantity=merged)
        elif merged > line.quantity:
            line.quantity = merged
            line.save(update_fields=["quantity", "updated_at"])
        if merged < wanted:
            result.capped.append(
                CartMergeCapped(
                    product=product,
                    wanted=wanted,
                    quantity=merged,
                    limit=cap,
                    by_stock=by_stock,
                )
            )
    anonymous.delete()
    return result


def cart_delete_abandoned() -> int:
    """Delete anonymous carts no session can reach any more: untouched for longer than a
    session lives (``SESSION_COOKIE_AGE``). Users' carts are kept. Returns how many carts
    went; their lines go with them. Idempotent; run it from cron (``clear_stale_carts``)."""
    cutoff = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    _total, per_model = Cart.objects.filter(user__isnull=True, updated_at__lt=cutoff).delete()
    return per_model.get(Cart._meta.label, 0)
