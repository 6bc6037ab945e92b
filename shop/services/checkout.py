"""Checkout: place an order from one seller's part of the cart, then pay for it.

``order_place`` makes the order (and its number) first, in one transaction; paying comes
after it commits, so a declined or interrupted charge leaves a real order to retry on and
no lock is ever held across a gateway call. Accept and pay with a saved card
(``order_place_to_pay``) records the charge's ledger row in that same transaction, so the
order and its payment attempt are committed together before the processor is called
(``order_pay_placed`` then sends it).

Payment outcomes follow the wallet: the pay services return the order once it is paid
(or, for a bank transfer, waiting for it); otherwise they raise the wallet's
``PaymentError`` subclasses (``AuthenticationRequired``, ``PaymentDeclined``,
``GatewayUnavailable``, ``PaymentInProgress``...) carrying ``.payment``, and the order
stays pending_payment with its stock reserved. An order has at most one open card payment:
a second attempt while one is open first asks the processor about it, and raises
``PaymentInProgress`` while it is still in flight, ``OrderNotPayable`` when it turned out
paid (the order is then paid by it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, router, transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils.translation import gettext
from django.views.decorators.debug import sensitive_variables

from accounts.models import Address, User
from accounts.services import address_create, address_mark_used
from core.sql import CompiledQuery
from shop.availability import Unavailable, availability_message, availability_problem
from shop.exceptions import CheckoutError, OrderNotPayable
from shop.models import (
    Cart,
    CartLine,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Product,
    Seller,
    ShippingAddress,
)
from shop.pricing import seller_totals
from shop.selectors.orders import order_get_fresh
from shop.services.expiry import order_expire_if_due_fresh
from shop.services.order_money import _order_pay_with, order_apply_payment, order_settle_money
from wallet import selectors as wallet_selectors
from wallet import services as wallet_services
from wallet.exceptions import CardError, PaymentAlreadySucceeded, PaymentDeclined, WalletError

if TYPE_CHECKING:
    from wallet.card_numbers import CardData
    from wallet.models import Card, Payment

logger = logging.getLogger("shop.orders")

MAX_TOKEN_LENGTH = 64


def checkout_lines_signature(items: Iterable[tuple[int, int, Decimal]]) -> str:
    """What the order page showed, as "product:quantity:price,...": Accept and pay refuses
    to place an order that differs from it (cart changed in another tab, tampered form)."""
    return ",".join(f"{pk}:{quantity}:{price}" for pk, quantity, price in sorted(items))


def _clean_token(token: str) -> str:
    token = (token or "").strip()
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.replace("-", "").isalnum():
        raise CheckoutError(
            gettext("This order page is out of date. Please check it and try again.")
        )
    return token


def _create_order(
    *,
    user: User,
    seller: Seller,
    wanted: list[tuple[int, int]],
    products: Mapping[int, Product],
    address: Address | None,
    new_address: Mapping[str, str] | None,
    token: str,
    expected_lines: str | None,
    from_cart: bool,
    address_last_used: bool = False,
) -> Order:
    """Inside the caller's transaction, ``products`` (by id) locked by the caller in id
    order (so two checkouts never wait on each other in a cycle): check that ``wanted``
    ((product id, quantity) pairs) is still what the page showed and is in stock, and
    create the order with its lines, totals and ship-to address; the stock is taken with
    one ``F()`` update. ``address_last_used``: ``address`` is the one the shopper's last
    order went to, as the order page read the address book, so it is not marked used
    again (that would change nothing it is chosen by)."""
    if len(products) != len(wanted):
        raise CheckoutError(gettext("This product is no longer available. Nothing was charged."))
    signature = checkout_lines_signature(
        (product_id, quantity, products[product_id].price) for product_id, quantity in wanted
    )
    if expected_lines is not None and expected_lines != signature:
        if from_cart:
            changed = gettext(
                "Your cart changed since this page was shown. Check the order and press "
                "Accept and pay again. Nothing was charged."
            )
        else:
            changed = gettext(
                "The price or stock changed since this page was shown. Check the order and "
                "press Accept and pay again. Nothing was charged."
            )
        raise CheckoutError(changed)
    for product_id, quantity in wanted:
        product = products[product_id]
        problem = availability_problem(product=product, quantity=quantity)
        if problem is not None:
            if from_cart and problem == Unavailable.TOO_FEW:
                fix = gettext(
                    "Nothing was charged and your cart is unchanged: lower the quantity to order."
                )
            elif from_cart:
                fix = gettext(
                    "Nothing was charged and your cart is unchanged: remove it from your cart "
                    "to order the rest."
                )
            elif problem == Unavailable.TOO_FEW:
                fix = gettext("Nothing was charged: choose a smaller quantity.")
            else:
                fix = gettext("Nothing was charged.")
            raise CheckoutError(
                gettext("Sorry: %(problem)s %(fix)s")
                % {"problem": availability_message(problem, product=product), "fix": fix}
            )
    totals = seller_totals(
        seller=seller,
        items=[(products[product_id].price, quantity) for product_id, quantity in wanted],
    )
    if totals.total <= 0:
        raise CheckoutError(gettext("There is nothing to pay for in this order."))
    if new_address is not None:
        address = address_create(user=user, **dict(new_address))
    if address is None or address.user_id != user.pk:
        raise CheckoutError(gettext("Choose where to ship the order."))

    order = Order.objects.create(
        user=user,
        seller=seller,
        currency=totals.currency,
        subtotal=totals.subtotal,
        shipping_fee=totals.shipping_fee,
        total=totals.total,
        checkout_token=token,
    )
    # Kept on the order as placed: its letter, written when it is paid in this request,
    # reads them from there (``order_letter_detail``). An order's lines never change.
    order.placed_lines = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=products[product_id],
            title=products[product_id].title,
            unit_price=products[product_id].price,
            currency=products[product_id].currency,
            quantity=quantity,
        )
        for product_id, quantity in wanted
    )
    ShippingAddress.objects.create(order=order, **address.as_dict())
    _take_stock(wanted)
    if not (address_last_used and address.last_used_at):
        address_mark_used(address=address)
    OrderEvent.objects.create(
        order=order, to_status=OrderStatus.PENDING_PAYMENT, reason="Order placed."
    )
    logger.info("%s: placed by user %s, %s %s", order.number, user.pk, order.total, order.currency)
    return order


def _take_stock(wanted: list[tuple[int, int]]) -> None:
    """Take ``wanted`` ((product id, quantity) pairs, products locked) off the shelf in one
    ``F()`` UPDATE."""
    if len(wanted) == 1:
        taken: Case | Value = Value(wanted[0][1])
    else:
        taken = Case(
            *(When(pk=product_id, then=Value(quantity)) for product_id, quantity in wanted),
            output_field=IntegerField(),
        )
    Product.objects.filter(pk__in=[product_id for product_id, _q in wanted]).update(
        stock=F("stock") - taken
    )


# Compiled once (core.sql): Accept and pay's read of the lines it orders.
_CART, _SELLER = -424247, -424248  # its stand-ins


def _checkout_lines_query(alias: str):
    # The products locked in id order, so two checkouts never wait on each other in a cycle.
    lines = (
        CartLine.objects.filter(cart=_CART, product__seller=_SELLER)
        .select_related("product")
        .select_for_update(of=("product",))
        .order_by("product_id")
    )
    return lines, {"cart": _CART, "seller": _SELLER}


_checkout_lines = CompiledQuery("cart lines locked for checkout", CartLine, _checkout_lines_query)


def _lines_locked(*, cart_id: int, seller: Seller) -> list[CartLine]:
    """Inside the transaction holding the cart's row lock: ``seller``'s lines of the cart
    with their products, the products locked (in id order)."""
    return _checkout_lines.all(cart=cart_id, seller=seller.pk, using=router.db_for_write(CartLine))


def _lock_user(user: User) -> None:
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk"))


@dataclass(frozen=True)
class PlacedOrder:
    """What Accept and pay placed: the order, whether this request made it (``created``),
    and, when it is to be paid with a saved card at once, the charge recorded with it
    (``charge``, to send: ``order_pay_placed``) or why the card was refused (``refused``,
    a ``CardError``/``PaymentDeclined``; the order is placed all the same)."""

    order: Order
    created: bool
    charge: Payment | None = None
    refused: WalletError | None = None


def checkout_idempotency_key(*, order: Order, token: str) -> str:
    """The key of the saved-card charge Accept and pay makes for ``order`` from the order
    page with ``token``: a resubmitted page replays it."""
    return f"{order.number}:checkout:{token}"


def _once_per_token(
    user: User,
    token: str,
    place: Callable[[], Order],
    lock: Callable[[], None],
    card: Card | None = None,
) -> PlacedOrder:
    """Place an order for ``token`` once: the order it already placed is returned.

    ``lock()`` takes the row lock that serialises two submits (a double click, two tabs):
    the second finds the order placed and its lines gone, or the stock taken, and is
    refused by ``place``, or its insert is refused by the unique token. Either way the
    order placed under ``token``, if there is one, is returned; so nothing is looked up
    before placing.

    With ``card``, a new order's charge on it is recorded in the same transaction
    (``wallet.services.payment_record_card_charge``), so both are committed before the
    processor hears of it; a card the wallet refuses leaves the order placed and says why.
    """
    recorded: dict[str, object] = {}
    try:
        with transaction.atomic():
            lock()
            order = place()
            if card is not None:
                try:
                    recorded["charge"] = wallet_services.payment_record_card_charge(
                        user=user,
                        card=card,
                        amount=order.total,
                        currency=order.currency,
                        reference=order.number,
                        idempotency_key=checkout_idempotency_key(order=order, token=token),
                        description=_description(order),
                    )
                except (CardError, PaymentDeclined) as refused:  # raised before any write
                    recorded["refused"] = refused
            return PlacedOrder(order=order, created=True, **recorded)
    except (CheckoutError, ValidationError, IntegrityError):
        existing = Order.objects.filter(user=user, checkout_token=token).first()
        if existing is None:
            raise
        return PlacedOrder(order=existing, created=False)


def order_place(
    *,
    user: User,
    seller: Seller,
    token: str,
    cart: Cart | None = None,
    address: Address | None = None,
    new_address: Mapping[str, str] | None = None,
    expected_lines: str | None = None,
) -> tuple[Order, bool]:
    """``order_place_to_pay`` without a card: ``(order, created)``."""
    placed = order_place_to_pay(
        user=user,
        seller=seller,
        token=token,
        cart=cart,
        address=address,
        new_address=new_address,
        expected_lines=expected_lines,
    )
    return placed.order, placed.created


def order_place_to_pay(
    *,
    user: User,
    seller: Seller,
    token: str,
    cart: Cart | None = None,
    address: Address | None = None,
    new_address: Mapping[str, str] | None = None,
    expected_lines: str | None = None,
    card: Card | None = None,
    address_last_used: bool = False,
) -> PlacedOrder:
    """Turn ``seller``'s lines of ``cart`` (default: the shopper's own cart, found by the
    lock) into an order waiting for payment; with ``card`` (the saved card to pay with at
    once), its charge is recorded with a new order (see ``PlacedOrder``).

    One transaction: locks the cart row (which serialises two submits of it), then reads
    the lines with their products, locking the products (by id); checks stock; creates
    the order (number ``BZ-000123`` from its primary key) with prices, totals (from
    ``shop.pricing.seller_totals``) and the ship-to address copied; takes the stock with
    ``F()`` updates; removes those lines from the cart; marks the address used (a
    ``new_address`` mapping is added to the address book first), unless
    ``address_last_used`` says the order page found it the one used last already.

    Idempotent by ``token`` (the order page's one-time token): the same token returns the
    order it already placed, ``created=False``, and places nothing.

    Raises ``CheckoutError`` (stock ran out, cart changed from ``expected_lines``, nothing
    to order, no address) or ``ValidationError`` for a bad ``new_address``; then nothing is
    written and the cart is intact.
    """
    token = _clean_token(token)

    carts = Cart.objects.filter(user=user) if cart is None else Cart.objects.filter(pk=cart.pk)
    locked: list[int] = []

    def lock() -> None:
        # The cart row lock serialises every checkout of this cart (a double click, two
        # tabs) and keeps the lines still while they become the order.
        locked[:] = carts.select_for_update().values_list("pk", flat=True)

    def place() -> Order:
        # Read after the cart lock (a new statement sees what a checkout before it did):
        # the lines with their products, the products locked in id order.
        lines = _lines_locked(cart_id=locked[0], seller=seller) if locked else []
        if not lines:
            raise CheckoutError(
                gettext("There is nothing from %(seller)s in your cart any more.")
                % {"seller": seller.name}
            )
        order = _create_order(
            user=user,
            seller=seller,
            wanted=[(line.product_id, line.quantity) for line in lines],
            products={line.product_id: line.product for line in lines},
            address=address,
            new_address=new_address,
            token=token,
            expected_lines=expected_lines,
            from_cart=True,
            address_last_used=address_last_used,
        )
        CartLine.objects.filter(pk__in=[line.pk for line in lines]).delete()
        return order

    return _once_per_token(user, token, place, lock, card)


def order_place_now(
    *,
    user: User,
    product: Product,
    quantity: int,
    token: str,
    address: Address | None = None,
    new_address: Mapping[str, str] | None = None,
    expected_lines: str | None = None,
) -> tuple[Order, bool]:
    """``order_place_now_to_pay`` without a card: ``(order, created)``."""
    placed = order_place_now_to_pay(
        user=user,
        product=product,
        quantity=quantity,
        token=token,
        address=address,
        new_address=new_address,
        expected_lines=expected_lines,
    )
    return placed.order, placed.created


def order_place_now_to_pay(
    *,
    user: User,
    product: Product,
    quantity: int,
    token: str,
    address: Address | None = None,
    new_address: Mapping[str, str] | None = None,
    expected_lines: str | None = None,
    card: Card | None = None,
    address_last_used: bool = False,
) -> PlacedOrder:
    """**Buy now**: ``quantity`` of ``product`` as an order of its own, waiting for
    payment; the cart is left as it was. Otherwise as ``order_place``: one transaction,
    product lock, stock checked and taken, idempotent by the order page's ``token``, a
    ``card`` charge recorded with a new order. Raises ``CheckoutError`` (sold out,
    delisted, fewer left than ``quantity``, price changed since the page was shown, no
    address) or ``ValidationError``."""
    token = _clean_token(token)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise CheckoutError(gettext("Enter a quantity of at least 1."))

    def place() -> Order:
        locked = {p.pk: p for p in Product.objects.select_for_update().filter(pk=product.pk)}
        return _create_order(
            user=user,
            seller=product.seller,
            wanted=[(product.pk, quantity)],
            products=locked,
            address=address,
            new_address=new_address,
            token=token,
            expected_lines=expected_lines,
            from_cart=False,
            address_last_used=address_last_used,
        )

    return _once_per_token(user, token, place, lambda: _lock_user(user), card)


def _payable(order: Order, idempotency_key: str = "") -> Order:
    """The order, fresh, if it can be paid now; a replay of the request that paid it is
    returned as it is (a double submit); otherwise ``OrderNotPayable``."""
    order = order_get_fresh(order_id=order.pk)
    if idempotency_key and order.paid_with and order.paid_with.idempotency_key == idempotency_key:
        return order
    waiting = order.status == OrderStatus.PENDING_PAYMENT
    order = order_expire_if_due_fresh(order=order)
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise _not_payable(order, expired_now=waiting)
    return order


def _not_payable(order: Order, *, expired_now: bool = False) -> OrderNotPayable:
    """Why ``order``, no longer waiting for payment, can't be paid (``expired_now``: it was
    waiting until its deadline passed just now)."""
    if order.status == OrderStatus.CANCELLED and expired_now:
        return OrderNotPayable(
            gettext(
                "Order %(number)s was not paid in time and has been cancelled; its items "
                "went back on sale."
            )
            % {"number": order.number}
        )
    if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUND_PENDING):
        # Cancelled by the shopper, support or expiry before (and giving money back).
        return OrderNotPayable(
            gettext(
                "Order %(number)s has been cancelled, so there is nothing to pay; its items "
                "went back on sale."
            )
            % {"number": order.number}
        )
    return OrderNotPayable(gettext("Order %(number)s is already paid.") % {"number": order.number})


def order_not_payable_message(*, order: Order) -> str:
    """What a shopper trying to pay ``order``, which no longer waits for payment, is told:
    it is cancelled (nothing to pay) or already paid. The payment page says it in the
    words the payment itself would use."""
    return str(_not_payable(order))


def _lock_waiting(order: Order) -> None:
    """Inside the caller's transaction: lock the order's row and raise ``OrderNotPayable``
    unless it is still waiting for payment.

    A payment for a waiting order is checked this way once it is recorded and before it
    goes anywhere (a card charge's ``before_send``; a bank transfer in the transaction that
    starts it), and ``order_cancel`` looks for an open payment under the same lock before
    it cancels a waiting order. So of a payment and a cancel racing (two tabs), the later
    sees the earlier: the cancel is told to wait for the payment, or the payment is called
    off before the processor hears of it."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != OrderStatus.PENDING_PAYMENT:
        raise _not_payable(locked)


def _bank_transfer_key(order: Order) -> str:
    """The key of the order's bank transfer (read under the order's lock): the same for a
    double submit, so one transfer is awaited; a new one once the earlier transfers were
    called off (an earlier key would only replay a transfer nobody waits for)."""
    called_off = wallet_selectors.bank_transfers_called_off(reference=order.number).count()
    return f"{order.number}:bank-transfer" + (f":{called_off + 1}" if called_off else "")


def _still_waiting(order: Order) -> Callable[[Payment], None]:
    """A charge's ``before_send`` for ``order`` (``_lock_waiting``)."""

    def check(_payment: Payment) -> None:
        with transaction.atomic():
            _lock_waiting(order)

    return check


def _already_paid(order: Order, exc: PaymentAlreadySucceeded) -> OrderNotPayable:
    """The order's earlier payment turned out to have gone through: apply it and say so."""
    order = order_apply_payment(order=order, payment=exc.payment)
    if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUND_PENDING):
        return OrderNotPayable(
            gettext(
                "Your earlier payment with %(method)s went through, but order %(number)s was "
                "cancelled meanwhile, so it is being given back. Nothing more was charged."
            )
            % {"method": exc.payment.method_display, "number": order.number}
        )
    return OrderNotPayable(
        gettext(
            "Your earlier payment with %(method)s went through, so order %(number)s is paid. "
            "Nothing more was charged."
        )
        % {"method": exc.payment.method_display, "number": order.number}
    )


def _description(order: Order) -> str:
    return f"Bazaar order {order.number}"


def order_pay_with_saved_card(*, order: Order, card: Card, idempotency_key: str) -> Order:
    """Charge ``card`` (the shopper's saved card) for the order's total; returns the paid
    order. Idempotent by ``idempotency_key``: a retry replays the first outcome and never
    charges twice. Never changes which card is the default.

    Raises ``OrderNotPayable`` (paid, expired or cancelled), the wallet's ``CardNotUsable``
    (another user's, removed or expired card) before charging, and the wallet's
    ``PaymentError`` subclasses after (order stays pending_payment).
    """
    order = _payable(order, idempotency_key)
    if order.status != OrderStatus.PENDING_PAYMENT:
        return order
    return _charge_order(order, idempotency_key, wallet_services.payment_charge_card, card=card)


def order_pay_placed(*, placed: PlacedOrder, card: Card, idempotency_key: str) -> Order:
    """Accept and pay's charge on ``card`` for the order it placed: the charge recorded
    with a new order is sent now (its transaction has committed; no lock is held), and the
    order is paid with it in the transaction that settles the payment succeeded (the
    payment's row lock, then the order's), so the ledger and the order move together; an
    order placed before (a resubmitted page) is paid as any waiting one
    (``order_pay_with_saved_card`` with ``idempotency_key``). Either way the order is then
    settled with its ledger (``order_settle_money``: a bank transfer started meanwhile is
    called off, money it can't keep is given back). Returns the paid order; raises the
    card's refusal, ``OrderNotPayable`` and the wallet's ``PaymentError`` subclasses like
    ``order_pay_with_saved_card``.

    A crash after the processor answered and before that transaction commits leaves the
    payment processing and the order waiting: the reconcile job asks the processor, settles
    the payment and pays the order (``orders_reconcile``)."""
    if placed.refused is not None:
        raise placed.refused
    if placed.charge is None:
        return order_pay_with_saved_card(
            order=placed.order, card=card, idempotency_key=idempotency_key
        )
    order = placed.order
    paid: list[bool] = []
    wallet_services.payment_charge_recorded(
        payment=placed.charge,
        # An order no longer waiting (cancelled meanwhile) is left as it is: the settle
        # below gives its money back. ``order`` is as placing it left it, moments ago.
        on_success=lambda payment: paid.append(
            _order_pay_with(order=order, payment=payment, fresh=True)
        ),
    )
    # Paid here, in the transaction that settled the payment: ``order`` is as that left it.
    return order_settle_money(order=order, fresh=paid == [True])


@sensitive_variables("how")
def _charge_order(
    order: Order, idempotency_key: str, charge: Callable[..., Payment], **how: object
) -> Order:
    """Charge the order's total with ``charge`` (a wallet card charge; ``how`` names the
    card) and apply the payment. An earlier payment that turns out to have gone through is
    applied instead (``OrderNotPayable`` saying so)."""
    try:
        payment = charge(
            user=order.user,
            amount=order.total,
            currency=order.currency,
            reference=order.number,
            idempotency_key=idempotency_key,
            description=_description(order),
            before_send=_still_waiting(order),
            **how,
        )
    except PaymentAlreadySucceeded as exc:
        raise _already_paid(order, exc) from exc
    return order_apply_payment(order=order, payment=payment)


@sensitive_variables("card_data")
def order_pay(
    *,
    order: Order,
    method: str,
    idempotency_key: str,
    card: Card | None = None,
    card_data: CardData | None = None,
    save_card: bool = False,
    human_verified: bool = False,
) -> Order:
    """Pay for a waiting order from the payment page. ``method``:

    - ``"saved_card"`` with ``card``: as ``order_pay_with_saved_card``;
    - ``"new_card"`` with ``card_data``: a one-time card; with ``save_card`` it joins the
      wallet after a successful payment, its payment address copied from the order's
      ship-to address (never made default unless it is the first card);
    - ``"bank_transfer"``: records a transfer the shopper will make, quoting the order
      number; the order stays pending_payment until staff mark it received. One is
      awaited at a time (``_bank_transfer_key``).

    Returns the order (paid, or waiting for a transfer). Raises like
    ``order_pay_with_saved_card``, plus the wallet's ``ValidationError`` for bad card data,
    ``CardLimitReached`` when saving into a full wallet, and a new card's card-attempt
    refusals (``RateLimited``, ``CaptchaRequired`` unless ``human_verified``: the shopper
    passed the CAPTCHA).
    """
    if method == "saved_card":
        if card is None:
            raise ValueError("Pick a saved card.")
        return order_pay_with_saved_card(order=order, card=card, idempotency_key=idempotency_key)
    order = _payable(order, idempotency_key)
    if order.status != OrderStatus.PENDING_PAYMENT:
        return order
    if method == "new_card":
        if card_data is None:
            raise ValueError("Card data is required.")
        return _charge_order(
            order,
            idempotency_key,
            wallet_services.payment_charge_new_card,
            card_data=card_data,
            save_card=save_card,
            payment_address=order.shipping_address if save_card else None,
            human_verified=human_verified,
        )
    if method == "bank_transfer":
        # As the payment page promises, a card payment waiting for the bank's confirmation
        # is called off (at the processor, no lock held) before a transfer is awaited: else
        # confirming it later would charge the card and call off a transfer maybe already
        # wired. One confirmed meanwhile pays the order instead; one in flight is waited for
        # (``PaymentInProgress``).
        try:
            wallet_services.payment_clear_the_way(reference=order.number, idempotency_key="")
        except PaymentAlreadySucceeded as exc:
            raise _already_paid(order, exc) from exc
        with transaction.atomic():
            _lock_waiting(order)
            payment = wallet_services.payment_start_bank_transfer(
                user=order.user,
                amount=order.total,
                currency=order.currency,
                reference=order.number,
                idempotency_key=_bank_transfer_key(order),
                description=_description(order),
            )
        if payment.is_succeeded:
            return order_apply_payment(order=order, payment=payment)
        return order
    raise ValueError(f"Unknown way of paying {method!r}.")


def order_confirm_step_up(*, order: Order, approved: bool) -> Order:
    """Finish the payment the shopper's bank asked to confirm: ``approved`` is what they
    answered on the challenge page. Returns the paid order, or raises the wallet's
    ``PaymentDeclined`` (``authentication_failed``) and the order keeps waiting.
    Idempotent: an order already paid is returned as it is. Raises ``OrderNotPayable``
    when nothing waits for confirmation."""
    order = Order.objects.get(pk=order.pk)
    if order.status == OrderStatus.PAID:
        return order
    payment = wallet_selectors.payment_open_for_reference(reference=order.number)
    if payment is None or not payment.is_waiting_for_step_up:
        raise OrderNotPayable(gettext("There is no payment waiting for your bank's confirmation."))
    payment = wallet_services.payment_confirm_step_up(payment=payment, approved=approved)
    return order_apply_payment(order=order, payment=payment)
