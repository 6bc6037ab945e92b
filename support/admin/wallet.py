"""The wallet in the admin: a read-only ledger of payments and refunds (no add, change or
delete for anyone, superusers included), saved cards shown masked, with one action,
**Disable card**, for fraud reports. There is no card number to show: only brand, last 4
and expiry are stored."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.money import format_money
from shop.models import Order
from support import labels, permissions
from support.admin.exports import CsvExportMixin, PaymentResource, RefundResource
from support.admin.forms import ReasonForm
from support.admin.tools import (
    LedgerAdminMixin,
    ReadOnlyInline,
    breakable_email,
    datetime_column,
    status_badge,
    user_admin_link,
    when_field,
)
from wallet.models import (
    BlockedCard,
    Card,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
    WalletAccount,
    WalletEvent,
)
from wallet.services import card_block_lift, card_disable


def _order_link(reference: str):
    """Payments are made for an order number: link to that order's page in the admin (by
    number; ``OrderAdmin.by_number_view`` redirects to it)."""
    try:
        url = reverse("admin:shop_order_by_number", args=[reference])
    except NoReverseMatch:
        return reference
    return format_html('<a href="{}">{}</a>', url, reference)


class DeclineReasonFilter(admin.SimpleListFilter):
    """Payments by decline reason, in words (``support.labels``)."""

    title = gettext_lazy("decline reason")
    parameter_name = "decline"

    def lookups(self, request, model_admin):
        return labels.decline_choices()

    def queryset(self, request, queryset):
        code = self.value()
        if code not in labels.DECLINE_REASONS:
            return queryset
        label = str(labels.DECLINE_REASONS[code][0])
        same = [c for c, (other, _why) in labels.DECLINE_REASONS.items() if str(other) == label]
        return queryset.filter(decline_code__in=same)


# --------------------------------------------------------------------------- cards
class CardStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", _("Active")), ("removed", _("Removed")), ("disabled", _("Disabled"))]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.active()
        if self.value() == "removed":
            return queryset.filter(removed_at__isnull=False)
        if self.value() == "disabled":
            return queryset.filter(disabled_at__isnull=False)
        return queryset


@admin.register(Card)
class CardAdmin(LedgerAdminMixin, admin.ModelAdmin):
    list_display = [
        "masked_number",
        "brand",
        "expiry",
        "owner_link",
        "is_default",
        "linked",
        "removed",
        "disabled",
    ]
    list_filter = [CardStateFilter, "brand", "is_default"]
    search_fields = ["owner__email", "=last4", "name_on_card"]
    list_select_related = ["owner"]
    date_hierarchy = "created_at"
    actions = ["disable_cards"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "masked_number",
                    "brand",
                    "expiry",
                    "name_on_card",
                    "nickname",
                    "owner_link",
                    "is_default",
                    "payment_address_display",
                ]
            },
        ),
        (gettext_lazy("Dates"), {"fields": ["created_at", "last_used_at", "removed_at"]}),
        (
            gettext_lazy("Disabled by support"),
            {"fields": ["disabled_at", "disabled_by", "disabled_reason"]},
        ),
    ]
    readonly_fields = [
        "masked_number",
        "brand",
        "expiry",
        "name_on_card",
        "nickname",
        "owner_link",
        "is_default",
        "payment_address_display",
        "created_at",
        "last_used_at",
        "removed_at",
        "disabled_at",
        "disabled_by",
        "disabled_reason",
    ]

    @admin.display(description=gettext_lazy("card"), ordering="last4")
    def masked_number(self, card: Card) -> str:
        return card.display

    linked = datetime_column("created_at", description=gettext_lazy("linked"))

    removed = datetime_column("removed_at", description=gettext_lazy("removed"))

    disabled = datetime_column("disabled_at", description=gettext_lazy("disabled"))

    @admin.display(description=gettext_lazy("expires"))
    def expiry(self, card: Card) -> str:
        return card.expiry_display

    @admin.display(description=gettext_lazy("owner"), ordering="owner__email")
    def owner_link(self, card: Card):
        return user_admin_link(card.owner)

    @admin.display(description=gettext_lazy("payment address"))
    def payment_address_display(self, card: Card):
        return format_html_join(
            mark_safe("<br>"), "{}", ((line,) for line in card.payment_address_lines)
        )

    def has_disable_permission(self, request) -> bool:
        return request.user.has_perm(permissions.DISABLE_CARD)

    def get_urls(self):
        urls = [
            path(
                "<int:object_id>/disable/",
                self.admin_site.admin_view(self.disable_view),
                name="wallet_card_disable",
            )
        ]
        return urls + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_disable_card": self.has_disable_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _disable(self, request, cards, reason: str) -> int:
        """Disable each card not disabled yet (``wallet.services.card_disable`` writes the
        audit entry with it); returns how many were."""
        done = 0
        for card in cards:
            if card.disabled_at is not None:
                continue
            card_disable(card=card, by=request.user, reason=reason)
            done += 1
        return done

    def _confirmation(self, request, cards, form, *, single: bool):
        context = {
            **self.admin_site.each_context(request),
            "title": _("Disable card") if single else _("Disable cards"),
            "opts": self.model._meta,
            "cards": cards,
            "form": form,
            "single": single,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/wallet/card/disable_confirmation.html", context)

    def disable_view(self, request, object_id):
        """One card's **Disable card** page: a reason, then the card is disabled."""
        if not self.has_disable_permission(request):
            raise PermissionDenied
        card = get_object_or_404(Card.objects.select_related("owner"), pk=object_id)
        change_url = reverse("admin:wallet_card_change", args=[card.pk])
        if card.disabled_at is not None:
            self.message_user(
                request,
                _("%(card)s is already disabled.") % {"card": card.display},
                messages.WARNING,
            )
            return HttpResponseRedirect(change_url)
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                self._disable(request, [card], form.cleaned_data["reason"])
            except ValidationError as exc:
                form.add_error("reason", exc.messages[0])
            else:
                self.message_user(
                    request,
                    _("%(card)s of %(owner)s is disabled; the owner was notified.")
                    % {"card": card.display, "owner": card.owner.email},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
        return self._confirmation(request, [card], form, single=True)

    @admin.action(description=gettext_lazy("Disable card"), permissions=["disable"])
    def disable_cards(self, request, queryset):
        """List action: asks for one reason, then disables every selected active card."""
        cards = list(queryset.select_related("owner"))
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            try:
                done = self._disable(request, cards, form.cleaned_data["reason"])
            except ValidationError as exc:
                form.add_error("reason", exc.messages[0])
            else:
                self.message_user(
                    request,
                    ngettext(
                        "%(n)s card(s) disabled; their owners were notified.",
                        "%(n)s card(s) disabled; their owners were notified.",
                        done,
                    )
                    % {"n": done},
                    messages.SUCCESS,
                )
                return None
        return self._confirmation(request, cards, form, single=False)


@admin.register(BlockedCard)
class BlockedCardAdmin(LedgerAdminMixin, admin.ModelAdmin):
    """Cards blocked for every account after support disabled them (by fingerprint), with
    **Lift block**: a reason, then anyone may link and pay with the card again."""

    list_display = ["blocked_card", "card_link", "reason", "blocked_by", "blocked", "lifted"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter)]
    search_fields = ["=last4", "card__owner__email", "reason"]
    list_select_related = ["card__owner", "blocked_by"]
    fields = [
        "blocked_card",
        "card_link",
        "reason",
        "blocked_by",
        "created_at",
        "lifted_at",
        "lifted_by",
        "lift_reason",
    ]
    readonly_fields = fields

    blocked = datetime_column("created_at", description=gettext_lazy("blocked"))

    lifted = datetime_column("lifted_at", description=gettext_lazy("lifted"))

    @admin.display(description=gettext_lazy("card"), ordering="last4")
    def blocked_card(self, block: BlockedCard) -> str:
        return str(block)

    @admin.display(description=gettext_lazy("disabled card"))
    def card_link(self, block: BlockedCard):
        if block.card is None:
            return "-"
        url = reverse("admin:wallet_card_change", args=[block.card_id])
        return format_html(
            '<a href="{}">{}</a>',
            url,
            _("%(card)s of %(owner)s") % {"card": block.card.display, "owner": block.card.owner},
        )

    def get_urls(self):
        return [
            path(
                "<int:object_id>/lift/",
                self.admin_site.admin_view(self.lift_view),
                name="wallet_blockedcard_lift",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_lift": request.user.has_perm(permissions.DISABLE_CARD),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def lift_view(self, request, object_id):
        """**Lift block**: the reason, then the card is no longer refused anywhere."""
        if not request.user.has_perm(permissions.DISABLE_CARD):
            raise PermissionDenied
        block = get_object_or_404(BlockedCard, pk=object_id)
        change_url = reverse("admin:wallet_blockedcard_change", args=[block.pk])
        if block.lifted_at is not None:
            self.message_user(
                request, _("%(card)s is no longer blocked.") % {"card": block}, messages.WARNING
            )
            return HttpResponseRedirect(change_url)
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                card_block_lift(block=block, by=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                form.add_error("reason", exc.messages[0])
            else:
                self.message_user(
                    request,
                    _("The block on %(last4)s is lifted.") % {"last4": block.last4},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Lift the block"),
            "opts": self.model._meta,
            "blocked": block,
            "form": form,
        }
        return TemplateResponse(request, "admin/wallet/blockedcard/lift.html", context)


# ------------------------------------------------------------------ payments/refunds
class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["amount", "currency", "status", "reason", "created_by", "created_at"]
    readonly_fields = fields
    ordering = ["created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")


@admin.register(Payment)
class PaymentAdmin(CsvExportMixin, LedgerAdminMixin, admin.ModelAdmin):
    resource_classes = [PaymentResource]
    list_display = [
        "reference",
        "user_email",
        "method_column",
        "amount_column",
        "status_badge",
        "decline_column",
        "created",
        "settled",
    ]
    list_filter = ["status", "method", DeclineReasonFilter, "created_at"]
    search_fields = [
        "=reference",
        "user__email",
        "=card_last4",
        "=gateway_charge_id",
    ]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    inlines = [RefundInline]
    fields = [
        "order_link",
        "check_link",
        "user_link",
        "method_column",
        "amount_column",
        "status_badge",
        "description",
        "decline_column",
        "decline_message",
        "gateway_charge_id",
        "confirmed_by",
        "created_when",
        "updated_when",
        "settled_when",
    ]
    readonly_fields = fields

    created_when = when_field("created_at", description=gettext_lazy("created"))
    updated_when = when_field("updated_at", description=gettext_lazy("updated"))
    settled_when = when_field("settled_at", description=gettext_lazy("settled"))

    @admin.display(description=gettext_lazy("customer"), ordering="user__email")
    def user_email(self, payment: Payment):
        return breakable_email(payment.user.email)

    created = datetime_column("created_at", description=gettext_lazy("created"))

    settled = datetime_column("settled_at", description=gettext_lazy("settled"))

    @admin.display(description=gettext_lazy("customer"))
    def user_link(self, payment: Payment):
        return user_admin_link(payment.user)

    @admin.display(description=gettext_lazy("order"), ordering="reference")
    def order_link(self, payment: Payment):
        return _order_link(payment.reference)

    @admin.display(description=gettext_lazy("method"))
    def method_column(self, payment: Payment) -> str:
        return payment.method_display

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def amount_column(self, payment: Payment) -> str:
        return format_money(payment.amount, payment.currency)

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_badge(self, payment: Payment):
        return status_badge(payment.status, labels.payment_status_label(payment))

    @admin.display(description=gettext_lazy("action"))
    def check_link(self, payment: Payment):
        """A card payment still Processing: Check with processor, on its order."""
        if payment.method != PaymentMethod.CARD or payment.status != PaymentStatus.PROCESSING:
            return "-"
        order_id = Order.objects.filter(number=payment.reference).values_list("pk", flat=True)
        order_id = order_id.first()
        if order_id is None:
            return "-"
        url = reverse("admin:shop_order_check_with_processor", args=[order_id])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Check with processor"))

    @admin.display(description=gettext_lazy("decline"), ordering="decline_code")
    def decline_column(self, payment: Payment):
        if not payment.decline_code:
            return "-"
        return format_html(
            '{}<br><span class="bz-quiet">{}</span>',
            labels.decline_label(payment.decline_code).capitalize(),
            labels.decline_explanation(payment.decline_code),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The page's title in words, never raw codes: "BZ-000950 · Visa •••• 4242 ·
        $30.00 · Waiting for the bank check"."""
        payment = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if payment is not None:
            context["subtitle"] = " · ".join(
                (
                    payment.reference,
                    payment.method_display,
                    format_money(payment.amount, payment.currency),
                    labels.payment_status_label(payment),
                )
            )
        return super().change_view(request, object_id, form_url, context)


@admin.register(Refund)
class RefundAdmin(CsvExportMixin, LedgerAdminMixin, admin.ModelAdmin):
    resource_classes = [RefundResource]
    list_display = [
        "reference",
        "customer",
        "amount_column",
        "status_badge",
        "reason",
        "created_by",
        "created",
    ]
    list_filter = ["status", "payment__method", "created_at"]
    search_fields = [
        "=payment__reference",
        "payment__user__email",
        "=payment__card_last4",
        "=gateway_refund_id",
        "=payment__gateway_charge_id",
    ]
    list_select_related = ["payment__user", "created_by"]
    date_hierarchy = "created_at"
    fields = [
        "order_link",
        "payment_link",
        "customer",
        "amount_column",
        "status_badge",
        "reason",
        "created_by",
        "gateway_refund_id",
        "failure_message",
        "created_when",
        "updated_when",
    ]
    readonly_fields = fields

    created_when = when_field("created_at", description=gettext_lazy("created"))
    updated_when = when_field("updated_at", description=gettext_lazy("updated"))

    @admin.display(description=gettext_lazy("order"), ordering="payment__reference")
    def reference(self, refund: Refund) -> str:
        return refund.payment.reference

    @admin.display(description=gettext_lazy("order"))
    def order_link(self, refund: Refund):
        return _order_link(refund.payment.reference)

    @admin.display(description=gettext_lazy("payment"))
    def payment_link(self, refund: Refund):
        url = reverse("admin:wallet_payment_change", args=[refund.payment_id])
        return format_html('<a href="{}">{}</a>', url, refund.payment.method_display)

    @admin.display(description=gettext_lazy("customer"), ordering="payment__user__email")
    def customer(self, refund: Refund):
        return breakable_email(refund.payment.user.email)

    created = datetime_column("created_at", description=gettext_lazy("created"))

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def amount_column(self, refund: Refund) -> str:
        return format_money(refund.amount, refund.currency)

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_badge(self, refund: Refund):
        return status_badge(refund.status, refund.get_status_display())


# ------------------------------------------------------------ accounts and activity
@admin.register(WalletAccount)
class WalletAccountAdmin(LedgerAdminMixin, admin.ModelAdmin):
    list_display = ["user", "created_at", "confirmed_at"]
    list_filter = [("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    fields = ["user_link", "created_at", "confirmed_at", "activity_link"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("owner"))
    def user_link(self, account: WalletAccount):
        return user_admin_link(account.user)

    @admin.display(description=gettext_lazy("payment activity"))
    def activity_link(self, account: WalletAccount):
        url = reverse("admin:wallet_walletevent_changelist")
        return format_html(
            '<a href="{}?user__id__exact={}">{}</a>', url, account.user_id, _("Wallet activity")
        )


@admin.register(WalletEvent)
class WalletEventAdmin(LedgerAdminMixin, admin.ModelAdmin):
    list_display = ["when", "user", "kind", "message", "amount_column", "actor"]
    list_filter = ["kind", "created_at"]
    search_fields = ["user__email", "message", "=payment__reference"]
    list_select_related = ["user", "actor"]
    date_hierarchy = "created_at"
    fields = ["created_at", "user", "kind", "message", "amount_column", "actor", "card", "payment"]
    readonly_fields = fields

    when = datetime_column("created_at", description=gettext_lazy("when"))

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def amount_column(self, event: WalletEvent) -> str:
        return format_money(event.amount, event.currency) if event.amount is not None else ""
