"""Catalog: sellers and the products they list."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext_lazy

from core.links import remembered_url

_country_code = RegexValidator(r"^[A-Z]{2}$", "Use a two-letter ISO country code, e.g. DE.")
_currency_code = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO currency code, e.g. USD.")


# At or below this many units the product page says "Only N left".
LOW_STOCK_THRESHOLD = 5


def _default_currency() -> str:
    return settings.CURRENCY


class Seller(models.Model):
    """A shop on the marketplace. Its products are priced in the seller's currency.

    Shipping is charged once per seller order: `shipping_fee`, unless the order's subtotal
    reaches `free_shipping_threshold` (None: shipping is never free). The rule itself lives
    in `shop.pricing.seller_shipping_fee`.
    """

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.TextField(blank=True)
    country = models.CharField(
        "ships from",
        max_length=2,
        validators=[MinLengthValidator(2), _country_code],
        help_text="ISO 3166 country code the seller ships from, e.g. DE",
    )
    currency = models.CharField(
        max_length=3, default=_default_currency, validators=[_currency_code]
    )
    shipping_fee = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    free_shipping_threshold = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Orders from this seller at or above this subtotal ship free. Empty: never.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("seller")
        verbose_name_plural = gettext_lazy("sellers")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(shipping_fee__gte=0), name="shop_seller_shipping_fee_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(free_shipping_threshold__isnull=True)
                | Q(free_shipping_threshold__gte=0),
                name="shop_seller_free_shipping_threshold_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return remembered_url("shop:seller-detail", slug=self.slug)


def sold_out_last() -> Case:
    """0 for a product in stock, 1 for a sold-out one: product lists sort by it first, so a
    sold-out product never leads a list (the index shop_product_grid is built on it)."""
    return Case(When(stock__gt=0, then=Value(0)), default=Value(1))


class ProductQuerySet(models.QuerySet):
    def active(self) -> "ProductQuerySet":
        return self.filter(is_active=True)


class Product(models.Model):
    """Something a seller lists. Stock is a counter that the database refuses to take below 0,
    so a checkout decrementing it with `F()` cannot oversell."""

    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="products")
    # On PostgreSQL the table also has `search_document`, a generated tsvector of the title
    # and description that search reads (migration 0007), and `title_document`, the
    # title's alone, that it ranks by (0010); no fields here, so pages never load them.
    # PostgreSQL refuses to change the type of a column a generated column reads: a
    # migration altering these two fields drops those columns first and adds them back.
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    price = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(
        max_length=3, default=_default_currency, validators=[_currency_code]
    )
    stock = models.PositiveIntegerField(default=0)
    image = models.ImageField(upload_to="products/", blank=True)
    is_active = models.BooleanField(default=True, help_text="Inactive products are hidden.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("product")
        verbose_name_plural = gettext_lazy("products")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["is_active", "-created_at"], name="shop_product_listing"),
            # The product grid's order (shop.selectors.product_list_active), so a page of
            # it is read off the index instead of sorting every active product.
            models.Index(
                sold_out_last(),
                F("created_at").desc(),
                F("id").desc(),
                condition=Q(is_active=True),
                name="shop_product_grid",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0), name="shop_product_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(stock__gte=0), name="shop_product_stock_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return remembered_url("shop:product-detail", slug=self.slug)

    def clean(self) -> None:
        super().clean()
        if self.seller_id and self.currency != self.seller.currency:
            message = f"Price this product in the seller's currency ({self.seller.currency})."
            raise ValidationError({"currency": message})

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def is_low_stock(self) -> bool:
        return 0 < self.stock <= LOW_STOCK_THRESHOLD
