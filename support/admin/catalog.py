"""The catalog in the admin: sellers, products (editable by superusers, read-only for support,
which has view permissions only) and carts (superusers). Every edit is audited."""

from django.contrib import admin

from shop.models import Cart, CartLine, Product, Seller
from support.admin.tools import AuditedAdminMixin, datetime_column


@admin.register(Seller)
class SellerAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "country",
        "currency",
        "shipping_fee",
        "free_shipping_threshold",
    ]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Product)
class ProductAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["title", "seller", "price", "currency", "stock", "is_active", "created"]
    list_filter = ["is_active", "seller"]
    list_select_related = ["seller"]
    search_fields = ["title", "slug", "description"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["seller"]

    created = datetime_column("created_at", description="created")


class CartLineInline(admin.TabularInline):
    model = CartLine
    extra = 0
    raw_id_fields = ["product"]


@admin.register(Cart)
class CartAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["id", "user", "created_at", "updated_at"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
    inlines = [CartLineInline]
