"""The catalog in the admin: sellers, products (editable by superusers, read-only for support,
which has view permissions only) and carts (superusers). Every edit is audited."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.models import Cart, CartLine, Product, Seller
from shop.selectors import products_matching
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
        "orders_link",
    ]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["orders_link"]

    @admin.display(description=gettext_lazy("orders"))
    def orders_link(self, seller: Seller):
        """The seller's orders in the order list (its seller filter)."""
        if seller.pk is None:
            return "-"
        url = reverse("admin:shop_order_changelist")
        return format_html(
            '<a href="{}?seller__id__exact={}">{}</a>',
            url,
            seller.pk,
            _("Orders of %(seller)s") % {"seller": seller.name},
        )


@admin.register(Product)
class ProductAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["title", "seller", "price", "currency", "stock", "is_active", "created"]
    list_filter = ["is_active", "seller"]
    list_select_related = ["seller"]
    # Searched as the shop's search box searches (words as word starts, on PostgreSQL by
    # the full-text index) plus slug prefixes: see get_search_results.
    search_fields = ["title", "slug", "description"]
    search_help_text = gettext_lazy(
        "Words of the title or description (each as a word or the start of one), or the "
        "start of the slug."
    )
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["seller"]

    def get_search_results(self, request, queryset, search_term):
        """Django's admin would scan every product's text with LIKE '%word%'; this uses
        the shop's word search (the GIN index on PostgreSQL)."""
        if not search_term.strip():
            return queryset, False
        return products_matching(products=queryset, query=search_term), False

    created = datetime_column("created_at", description=gettext_lazy("created"))


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
