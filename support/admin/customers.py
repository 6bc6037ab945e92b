"""Customers in the admin: the email-login user and its address book, groups, and
django-axes' failed-login and lockout pages.

Superusers manage accounts fully. Support staff (view permission only) get a customer view:
contact details, links to the customer's orders, cards, payments and wallet activity, the
address book, failed logins / lockouts and the last security events; never the password
hash, groups or permissions.
"""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Address, User, email_normalize
from accounts.services import DUPLICATE_EMAIL_MESSAGE, user_lock
from core.selectors import security_events_for_user
from shop.models import Order
from support import labels, permissions
from support.admin.forms import ReasonForm
from support.admin.tools import (
    AuditedAdminMixin,
    compact_datetime,
    datetime_column,
    latest_payment_words,
    orders_with_latest_payment,
    status_badge,
)
from wallet import selectors as wallet_selectors

# The customer page shows this many of the user's latest security events, and orders.
SECURITY_EVENTS_SHOWN = 20
RECENT_ORDERS_SHOWN = 5
# Staff's read-only view of a customer's payment activity shows this many lines.
ACTIVITY_SHOWN = 50

# (label, admin changelist URL name, field that points at the user, related manager)
CUSTOMER_LINKS = (
    (gettext_lazy("Orders"), "admin:shop_order_changelist", "user__id__exact", "orders"),
    (gettext_lazy("Payments"), "admin:wallet_payment_changelist", "user__id__exact", "payments"),
    (gettext_lazy("Cards"), "admin:wallet_card_changelist", "owner__id__exact", "cards"),
    (
        gettext_lazy("Wallet activity"),
        "admin:wallet_walletevent_changelist",
        "user__id__exact",
        "wallet_events",
    ),
)


def _security_events_title() -> str:
    return _("Security events (last %(n)s)") % {"n": SECURITY_EVENTS_SHOWN}


class UserCreationAdminForm(auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self) -> str:
        email = email_normalize(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(DUPLICATE_EMAIL_MESSAGE, code="duplicate_email")
        return email


class UserChangeAdminForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        email = email_normalize(self.cleaned_data["email"])
        taken = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(DUPLICATE_EMAIL_MESSAGE, code="duplicate_email")
        return email


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0
    verbose_name_plural = gettext_lazy("address book")
    fields = ("full_name", "line1", "line2", "city", "region", "postal_code", "country", "phone")


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_staff", "joined", "last_seen")
    list_filter = ("is_active", "is_staff", "is_superuser", "groups")
    search_fields = ("email", "full_name")
    readonly_fields = (
        "last_login",
        "date_joined",
        "card_blocks",
        "recent_orders",
        "customer_links",
        "failed_logins",
        "lockouts",
        "security_events",
    )
    customer_fieldset = (
        gettext_lazy("Customer"),
        {
            "fields": (
                "card_blocks",
                "recent_orders",
                "customer_links",
                "failed_logins",
                "lockouts",
                "security_events",
            )
        },
    )
    support_fieldsets = (
        (None, {"fields": ("email", "full_name")}),
        customer_fieldset,
        (
            gettext_lazy("Account"),
            {"fields": ("is_active", "is_staff", "last_login", "date_joined")},
        ),
    )
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (gettext_lazy("Personal info"), {"fields": ("full_name",)}),
        (
            gettext_lazy("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (gettext_lazy("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    inlines = [AddressInline]

    def get_inlines(self, request, obj=None):
        # A user being created has no address book yet; keep the add form to the login.
        return self.inlines if obj is not None else []

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return super().get_fieldsets(request, obj)
        if not request.user.is_superuser:
            # Support: no password hash, no groups or permissions, nothing to edit.
            return self.support_fieldsets
        return (*self.fieldsets[:2], self.customer_fieldset, *self.fieldsets[2:])

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not request.user.is_superuser:
            readonly += ["email", "full_name", "is_active", "is_staff"]
        return readonly

    joined = datetime_column("date_joined", description=gettext_lazy("joined"))

    last_seen = datetime_column("last_login", description=gettext_lazy("last login"))

    @admin.display(description=gettext_lazy("Records"))
    def customer_links(self, user: User):
        links = []
        for label, url_name, lookup, related in CUSTOMER_LINKS:
            try:
                url = reverse(url_name)
            except NoReverseMatch:  # that admin isn't registered (yet)
                continue
            count = getattr(user, related).count()
            links.append((f"{url}?{lookup}={user.pk}", label, count))
        return format_html(
            '<ul class="bz-customer-links">{}</ul>',
            format_html_join("", '<li><a href="{}">{}</a> ({})</li>', links),
        )

    @admin.display(description=gettext_lazy("Last five orders"))
    def recent_orders(self, user: User):
        """The customer's latest orders, each linked, with its status and payment state."""
        orders = orders_with_latest_payment(
            Order.objects.filter(user=user).order_by("-created_at", "-id")
        )[:RECENT_ORDERS_SHOWN]
        rows = format_html_join(
            "",
            '<tr><td class="bz-nowrap"><a href="{}">{}</a></td><td class="bz-nowrap">{}</td>'
            "<td>{}</td><td>{}</td></tr>",
            (
                (
                    reverse("admin:shop_order_change", args=[order.pk]),
                    order.number,
                    labels.when(order.created_at),
                    status_badge(order.status, order.get_status_display()),
                    latest_payment_words(order),
                )
                for order in orders
            ),
        )
        activity = reverse("admin:accounts_user_customer_activity", args=[user.pk])
        activity_link = format_html(
            '<p><a href="{}">{}</a></p>', activity, _("Payment activity as the customer sees it")
        )
        if not rows:
            return format_html("{}{}", _("No orders yet."), activity_link)
        return format_html(
            '<table class="bz-recent-orders"><thead><tr><th scope="col">{}</th>'
            '<th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead>'
            "<tbody>{}</tbody></table>{}",
            _("Order"),
            _("Placed"),
            _("Status"),
            _("Payment"),
            rows,
            activity_link,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The customer page, with **Lock account** for staff who may lock an active
        shopper's account."""
        context = dict(extra_context or {})
        user = self.get_object(request, object_id)
        if (
            user is not None
            and user.is_active
            and not (user.is_staff or user.is_superuser)
            and request.user.has_perm(permissions.LOCK_ACCOUNT)
        ):
            context["lock_url"] = reverse("admin:accounts_user_lock", args=[user.pk])
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self):
        activity = path(
            "<path:object_id>/activity/",
            self.admin_site.admin_view(self.customer_activity_view),
            name="accounts_user_customer_activity",
        )
        lock = path(
            "<path:object_id>/lock/",
            self.admin_site.admin_view(self.lock_view),
            name="accounts_user_lock",
        )
        return [activity, lock, *super().get_urls()]

    def lock_view(self, request, object_id):
        """**Lock account** (from the card-testing alarm or the customer page): GET shows
        who and what it does with a form for the reason; POST locks the account through
        ``accounts.services.user_lock`` (audited) and goes back to the customer page."""
        if not request.user.has_perm(permissions.LOCK_ACCOUNT):
            raise PermissionDenied
        customer = self.get_object(request, object_id)
        if customer is None:
            raise Http404(_("No such customer."))
        user_url = reverse("admin:accounts_user_change", args=[customer.pk])
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                user_lock(user=customer, by=request.user, reason=form.cleaned_data["reason"])
            except (PermissionError, ValueError) as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(email)s is locked: the account can't log in any more.")
                    % {"email": customer.email},
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(user_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Lock account: %(email)s") % {"email": customer.email},
            "customer": customer,
            "form": form,
            "user_url": user_url,
        }
        return TemplateResponse(request, "admin/accounts/user/lock.html", context)

    def customer_activity_view(self, request, object_id):
        """The customer's Payment activity page as they see it, read-only (inert), for
        staff who may view users and wallet activity."""
        customer = self.get_object(request, object_id)
        if (
            customer is None
            or not self.has_view_permission(request, customer)
            or not request.user.has_perm("wallet.view_walletevent")
        ):
            raise Http404(_("No such customer."))
        events = list(wallet_selectors.activity_for_user(user=customer)[:ACTIVITY_SHOWN])
        return TemplateResponse(
            request,
            "support/customer_activity.html",
            {
                "events": events,
                "object_list": events,
                "kind": "",
                "filters": [],
                "customer": customer,
                "admin_user_url": reverse("admin:accounts_user_change", args=[customer.pk]),
                "shown": ACTIVITY_SHOWN,
            },
        )

    @admin.display(description=gettext_lazy("Failed logins"))
    def failed_logins(self, user: User):
        username = user.email.lower()
        logged = AccessFailureLog.objects.filter(username=username).count()
        current = (
            AccessAttempt.objects.filter(username=username).aggregate(
                n=Sum("failures_since_start")
            )["n"]
            or 0
        )
        return _("%(total)s in total; %(since)s since the last successful login") % {
            "total": max(logged, current),
            "since": current,
        }

    @admin.display(description=gettext_lazy("Lockouts"))
    def lockouts(self, user: User):
        username = user.email.lower()
        count = AccessFailureLog.objects.filter(username=username, locked_out=True).count()
        locked_now = AccessAttempt.objects.filter(
            username=username,
            failures_since_start__gte=(
                settings.STAFF_AXES_FAILURE_LIMIT
                if user.is_staff
                else settings.SHOPPER_AXES_FAILURE_LIMIT
            ),
        ).exists()
        if locked_now:
            return format_html("{} (<strong>{}</strong>)", count, _("locked out now"))
        return count

    @admin.display(description=gettext_lazy("Card blocks"))
    def card_blocks(self, user: User):
        """The alert line: cards of this customer support blocked for every account."""
        blocks = list(wallet_selectors.card_blocks_for_user(user=user))
        if not blocks:
            return _("None.")
        return format_html_join(
            mark_safe("<br>"),
            '<strong class="bz-alert-line">{}</strong> {} <a href="{}">{}</a>',
            (
                (
                    format_html(_("Blocked: {card}"), card=block),
                    format_html(
                        _("since {date} by {by} ({reason})."),
                        date=compact_datetime(block.created_at),
                        by=getattr(block.blocked_by, "email", _("support")),
                        reason=block.reason,
                    ),
                    reverse("admin:wallet_blockedcard_change", args=[block.pk]),
                    _("Lift block"),
                )
                for block in blocks
            ),
        )

    @admin.display(description=lazy(_security_events_title, str)())
    def security_events(self, user: User):
        events = security_events_for_user(user_id=user.pk, limit=SECURITY_EVENTS_SHOWN)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    compact_datetime(event.created_at),
                    event.event,
                    event.outcome,
                    event.client_ip or "-",
                    event.object_id or "-",
                    _event_details(event.details),
                )
                for event in events
            ),
        )
        if not rows:
            return _("None yet.")
        return format_html(
            '<table class="bz-security-events"><thead><tr><th scope="col">{}</th>'
            '<th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th><th scope="col">{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            _("When"),
            _("Event"),
            _("Outcome"),
            _("Address"),
            _("About"),
            _("Details"),
            rows,
        )


def _event_details(details: dict) -> str:
    """Extra fields as "name: value" pairs (escaped by format_html_join's caller)."""
    return "; ".join(f"{name}: {value}" for name, value in (details or {}).items())[:300]


# Group edits by superusers land in the audit log like every other admin change.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedAdminMixin, DjangoGroupAdmin):
    pass


# django-axes' admins (failed logins, lockouts): deleting an attempt lifts a lockout, a staff
# action like any other, so they go through the audit log (and the security log) too.
def _audited_axes_admins() -> None:
    from axes import admin as axes_admin

    for model, base in [
        (AccessAttempt, axes_admin.AccessAttemptAdmin),
        (AccessLog, axes_admin.AccessLogAdmin),
        (AccessFailureLog, axes_admin.AccessFailureLogAdmin),
    ]:
        if admin.site.is_registered(model):
            admin.site.unregister(model)
        audited = type(base.__name__, (AuditedAdminMixin, base), {"__module__": __name__})
        admin.site.register(model, audited)


_audited_axes_admins()
