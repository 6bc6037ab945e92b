"""Carts: one per signed-in user, or one per anonymous session (its id kept in the session).

A cart holds no stock: availability is checked when lines change and again at checkout.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from shop.models.catalog import Product


class Cart(models.Model):
    """A shopper's cart. `user` is empty for an anonymous visitor's cart, whose id lives in
    that visitor's session; at login it merges into the user's cart (`cart_merge_into_user`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cart",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("cart")
        verbose_name_plural = gettext_lazy("carts")
        indexes = [models.Index(fields=["updated_at"], name="shop_cart_updated")]

    def __str__(self) -> str:
        return f"Cart of {self.user}" if self.user_id else f"Anonymous cart #{self.pk}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="cart_lines")
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cart", "product"], name="shop_cartline_unique_product"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="shop_cartline_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product}"  # noqa: RUF001

    @property
    def line_total(self) -> Decimal:
        from shop.pricing import line_total

        return line_total(
            unit_price=self.product.price, quantity=self.quantity, currency=self.product.currency
        )
