"""Orders: what a shopper bought from one seller, the address it ships to, and the timeline.

Status moves only through ``shop.services.orders.order_set_status``, checked against
``Order.TRANSITIONS``. Money paid and refunded is not stored here: the wallet's ledger
(``wallet.selectors.payments_for_reference(reference=order.number)``) is the truth, and
"partly refunded" is derived from it.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, TextField, Value, When
from django.db.models.functions import Cast, Concat, Right
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from accounts.models import PostalAddress
from core.links import remembered_url
from shop.models.catalog import Product, Seller

ORDER_NUMBER_PREFIX = "BZ-"
# An order waiting for a bank transfer keeps its stock this long (transfers take days);
# other unpaid orders expire after settings.ORDER_PAYMENT_TIMEOUT_MINUTES.
BANK_TRANSFER_WAIT_DAYS = 7


def _order_number_expression():
    """An order's number from its id: ``BZ-000123``, the id zero-padded to six digits, or
    whole from the millionth order on (``BZ-1000000``). In functions native to PostgreSQL
    and SQLite alike."""
    digits = Cast("id", TextField())
    return Concat(
        Value(ORDER_NUMBER_PREFIX),
        Case(
            When(id__gte=1_000_000, then=digits),
            default=Right(Concat(Value("00000"), digits, output_field=TextField()), 6),
            output_field=TextField(),
        ),
        output_field=TextField(),
    )


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", gettext_lazy("Waiting for payment")
    PAID = "paid", gettext_lazy("Paid")
    SHIPPED = "shipped", gettext_lazy("Shipped")
    DELIVERED = "delivered", gettext_lazy("Delivered")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")
    REFUNDED = "refunded", gettext_lazy("Refunded")
    # Cancelled by the shopper or support; its refund is not accepted by the processor yet.
    REFUND_PENDING = "refund_pending", gettext_lazy("Refund pending")


def english_status(order: "Order") -> str:
    """The order's status in English, lower-case, for text that is stored or logged
    (shoppers read statuses through ``get_status_display`` in their language)."""
    with translation.override("en"):
        return str(order.get_status_display()).lower()


class Order(models.Model):
    """One seller's part of a shopper's cart, bought at once.

    Totals are a snapshot made by ``shop.pricing.seller_totals`` when the order is placed,
    so later price or shipping changes never alter what the shopper agreed to pay.
    """

    Status = OrderStatus

    # The one transition table. Refunds to "refunded" are full refunds; a partial refund
    # leaves the status as it is (see Order.is_partly_refunded in the selectors). A paid
    # order is cancelled in two steps: refund_pending at once (it can no longer ship), then
    # cancelled once the processor has accepted the refund. Moves to refunded likewise wait
    # for the processor.
    TRANSITIONS: dict[str, frozenset[str]] = {
        OrderStatus.PENDING_PAYMENT: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
        OrderStatus.PAID: frozenset(
            {OrderStatus.SHIPPED, OrderStatus.REFUND_PENDING, OrderStatus.REFUNDED}
        ),
        OrderStatus.REFUND_PENDING: frozenset({OrderStatus.CANCELLED}),
        OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED, OrderStatus.REFUNDED}),
        OrderStatus.DELIVERED: frozenset({OrderStatus.REFUNDED}),
        OrderStatus.CANCELLED: frozenset(),
        OrderStatus.REFUNDED: frozenset(),
    }
    # Orders in these states hold stock taken from the shelf.
    STOCK_HOLDING = frozenset({OrderStatus.PENDING_PAYMENT, OrderStatus.PAID})
    # Orders whose payment the shop keeps (a refund may give part of it back).
    KEEPS_PAYMENT = frozenset({OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED})

    # Derived from the primary key by the database as the row is inserted (and returned
    # by the INSERT): unique however many checkouts run at once, with no counter to keep
    # and no second statement.
    number = models.GeneratedField(
        expression=_order_number_expression(),
        output_field=models.CharField(max_length=20),
        db_persist=True,
        unique=True,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT
    )
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    shipping_fee = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    # The one-time token of the order page that placed this order: a resubmitted
    # "Accept and pay" finds this order instead of placing a second one.
    checkout_token = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The payment that paid the order (wallet ledger row). A second payment that succeeds
    # for an order already paid (two tabs) is refunded, never kept.
    paid_with = models.ForeignKey(
        "wallet.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("order")
        verbose_name_plural = gettext_lazy("orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "checkout_token"], name="shop_order_unique_checkout_token"
            ),
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="shop_order_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0) & Q(shipping_fee__gte=0) & Q(total__gt=0),
                name="shop_order_amounts_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="shop_order_user_recent"),
            models.Index(fields=["status", "created_at"], name="shop_order_status_age"),
        ]

    def __str__(self) -> str:
        return self.number or f"Order #{self.pk}"

    def get_absolute_url(self) -> str:
        # Remembered per number (the orders list links every row): an order's URL only
        # changes with the URL configuration (a deploy, or a test's settings: forgotten then).
        return remembered_url("shop:order-detail", number=self.number)

    def can_transition_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]

    @property
    def is_waiting_for_payment(self) -> bool:
        return self.status == OrderStatus.PENDING_PAYMENT

    @property
    def can_be_cancelled(self) -> bool:
        """Not shipped and not closed: waiting orders are cancelled at once, paid ones go
        through refund_pending."""
        return self.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID)

    def payment_deadline(self, *, waiting_bank_transfer: bool = False):
        """When this order expires if still unpaid: ``ORDER_PAYMENT_TIMEOUT_MINUTES`` after
        it was placed, or a week while a bank transfer is awaited."""
        if waiting_bank_transfer:
            return self.created_at + timedelta(days=BANK_TRANSFER_WAIT_DAYS)
        return self.created_at + timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES)

    @property
    def overdue(self) -> bool:
        """``is_overdue`` for an order loaded by the shop's order selectors, which annotate
        ``waiting_transfer``."""
        return self.is_overdue(waiting_bank_transfer=self.waiting_transfer)

    def is_overdue(self, *, waiting_bank_transfer: bool = False, now=None) -> bool:
        """Still waiting for payment past its deadline: shown as not paid in time until the
        expiry job (or the next POST on it) cancels it. Read-only, for GET pages."""
        return self.status == OrderStatus.PENDING_PAYMENT and (
            now or timezone.now()
        ) >= self.payment_deadline(waiting_bank_transfer=waiting_bank_transfer)


class OrderLine(models.Model):
    """A product bought, with its title and price copied at purchase."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, null=True, on_delete=models.SET_NULL, related_name="order_lines"
    )
    title = models.CharField(max_length=200)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="shop_orderline_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="shop_orderline_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.title}"

    @property
    def line_total(self) -> Decimal:
        from shop.pricing import line_total

        return line_total(
            unit_price=self.unit_price, quantity=self.quantity, currency=self.currency
        )


class ShippingAddress(PostalAddress):
    """The address an order ships to, copied from the address book when it was placed."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="shipping_address")

    def __str__(self) -> str:
        return f"Ship {self.order} to {self.full_name}, {self.city}"


class OrderEvent(models.Model):
    """A line in an order's timeline: a status change (or a note, when from = to), who made
    it (None: the shopper's own action or the system) and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=OrderStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order}: {self.from_status or '-'} -> {self.to_status}"
