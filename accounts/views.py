"""Account pages: sign-up, Django's auth views wired to our namespace, the address book."""

from urllib.parse import urlsplit

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.translation import gettext, gettext_lazy
from django.views import i18n as i18n_views
from django.views.decorators.http import require_POST
from django.views.generic import FormView, ListView, TemplateView

from accounts import selectors, services
from accounts.forms import (
    AddressForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    SignUpForm,
)
from accounts.models import Address, email_normalize
from core.ratelimit import ratelimit_hit
from core.security_log import security_event


class _AuthPageRedirectMixin(auth_views.RedirectURLMixin):
    """Ignore a `next` that points back at the login or sign-up page itself.

    The header's "Log in" link carries the current page as `next`; followed from these
    pages it would send a signed-in user in a circle (Django's LoginView even raises).
    """

    def get_redirect_url(self):
        url = super().get_redirect_url()
        if url and urlsplit(url).path in {reverse("accounts:login"), reverse("accounts:signup")}:
            return ""
        return url


SIGNUP_CHECK_INBOX_MESSAGE = gettext_lazy(
    "We've sent a letter to that address: check your inbox for the next step."
)


class SignUpView(_AuthPageRedirectMixin, FormView):
    form_class = SignUpForm
    template_name = "accounts/signup.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return HttpResponseRedirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def get_default_redirect_url(self):
        return resolve_url(settings.LOGIN_REDIRECT_URL)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs, redirect_field_name=self.redirect_field_name, next=self.get_redirect_url()
        )

    def form_valid(self, form):
        # A taken email gets the same redirect as a new one, and its owner a letter: the
        # page never says whether an email has an account.
        user = services.user_sign_up(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            language=_current_language(),
        )
        if user is None:
            messages.info(self.request, SIGNUP_CHECK_INBOX_MESSAGE)
            return HttpResponseRedirect(self.get_success_url())
        # Several authentication backends are configured (django-axes first), so login()
        # after sign-up must say which one vouches for the new user.
        login(self.request, user, backend=settings.SIGN_IN_BACKEND)
        messages.success(self.request, gettext("Welcome to Bazaar! Your account is ready."))
        return HttpResponseRedirect(self.get_success_url())


class LoginView(_AuthPageRedirectMixin, auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        # The account's language applies from the first page after login, on any device
        # (and to the messages the login itself leaves, such as the merged cart's).
        language = form.get_user().language
        translation.activate(language)
        response = super().form_valid(form)
        _set_language_cookie(response, language)
        return response


def _current_language() -> str:
    code = translation.get_language() or settings.LANGUAGE_CODE
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return "en"


def _set_language_cookie(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@require_POST
def language_set(request):
    """The footer's language switcher: Django's ``set_language`` (the cookie, then back to
    the page the form was on), and for a signed-in shopper the choice is stored on the
    account too, for their letters and their next login."""
    response = i18n_views.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=language)
    return response


class LogoutView(auth_views.LogoutView):
    """POST only. A GET (a typed or bookmarked URL) still gets the 405, but as a page with
    a Log out button instead of a blank screen."""

    def http_method_not_allowed(self, request, *args, **kwargs):
        if request.method != "GET":
            return super().http_method_not_allowed(request, *args, **kwargs)
        response = render(request, "accounts/logout_confirm.html", status=405)
        response["Allow"] = ", ".join(m.upper() for m in self._allowed_methods())
        return response

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, gettext("You have been logged out."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_notify_password_changed(user=form.user)
        security_event("auth.password_change", request=self.request, user=form.user)
        return response


# Password reset letters: at most this many an hour to one email / from one client address.
RESET_LIMIT_PER_EMAIL = 3
RESET_LIMIT_PER_ADDRESS = 20


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")
    subject_template_name = "registration/password_reset_subject.txt"
    email_template_name = "registration/password_reset_email.txt"

    @property
    def extra_email_context(self):
        return {"valid_hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)}

    def form_valid(self, form):
        # A flood of reset letters to one inbox, or from one address, is refused. The page
        # answers the same whether or not the email has an account (no account probing):
        # past the per-email limit the letter is silently not sent.
        client = get_client_ip_address(self.request) or ""
        if not ratelimit_hit(
            f"password-reset:ip:{client}", limit=RESET_LIMIT_PER_ADDRESS, window_seconds=3600
        ):
            form.add_error(
                None,
                gettext(
                    "Too many password reset requests from your network. "
                    "Please try again in an hour."
                ),
            )
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = "3600"
            return response
        email = email_normalize(form.cleaned_data["email"])
        if not ratelimit_hit(
            f"password-reset:email:{email}", limit=RESET_LIMIT_PER_EMAIL, window_seconds=3600
        ):
            security_event(
                "auth.password_reset",
                request=self.request,
                outcome="refused",
                email=email,
                reason="letters to this inbox over the hourly limit",
            )
            return HttpResponseRedirect(self.get_success_url())
        security_event(
            "auth.password_reset", request=self.request, outcome="requested", email=email
        )
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_clear_login_failures(user=form.user)
        services.user_notify_password_changed(user=form.user)
        security_event("auth.password_reset", request=self.request, user=form.user)
        return response


# ---------------------------------------------------------------------------- addresses


class _NextUrlMixin(auth_views.RedirectURLMixin):
    """After saving, go back where the shopper came from (e.g. checkout) if that is safe."""

    def get_default_redirect_url(self):
        return reverse("accounts:address-list")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, next=self.get_redirect_url())


class _OwnAddressMixin:
    """Looks up the address in the URL among the user's own; anyone else's is a 404."""

    @cached_property
    def address(self) -> Address:
        try:
            return selectors.address_get_for_user(user=self.request.user, pk=self.kwargs["pk"])
        except Address.DoesNotExist:
            raise Http404("No such address.") from None


class AddressListView(LoginRequiredMixin, ListView):
    template_name = "accounts/address_list.html"
    context_object_name = "addresses"

    def get_queryset(self):
        return selectors.address_list_for_user(user=self.request.user)


class AddressCreateView(LoginRequiredMixin, _NextUrlMixin, FormView):
    form_class = AddressForm
    template_name = "accounts/address_form.html"

    def get_initial(self):
        return {"full_name": self.request.user.full_name}

    def form_valid(self, form):
        services.address_create(user=self.request.user, **form.cleaned_data)
        messages.success(self.request, gettext("Address saved."))
        return HttpResponseRedirect(self.get_success_url())


class AddressUpdateView(LoginRequiredMixin, _OwnAddressMixin, _NextUrlMixin, FormView):
    form_class = AddressForm
    template_name = "accounts/address_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.address}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, address=self.address)

    def form_valid(self, form):
        services.address_update(address=self.address, **form.cleaned_data)
        messages.success(self.request, gettext("Address updated."))
        return HttpResponseRedirect(self.get_success_url())


class AddressDeleteView(LoginRequiredMixin, _OwnAddressMixin, TemplateView):
    """GET asks for confirmation; POST removes."""

    template_name = "accounts/address_confirm_delete.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, address=self.address)

    def post(self, request, *args, **kwargs):
        services.address_delete(address=self.address)
        messages.success(request, gettext("Address removed."))
        return HttpResponseRedirect(reverse("accounts:address-list"))
