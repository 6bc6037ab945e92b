"""Project-wide request guards: hostile paths, no-store pages, the security log's HTTP events."""

from __future__ import annotations

import functools
import unicodedata

from csp.constants import HEADER as CSP_HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy as build_csp_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from core.ratelimit import RateLimited
from core.security_log import current_request, security_event


def has_control_characters(text: str) -> bool:
    """True when ``text`` holds a NUL or another control character (Unicode category Cc)."""
    return any(unicodedata.category(char) == "Cc" for char in text)


def _refused_at_will(event: str, request: HttpRequest, **fields) -> None:
    """A refusal any client can cause at will (a URL refused, a 404 while signed in, a
    429) as a security event on the request's path: always logged, and stored as a row at
    most ``SECURITY_PROBE_EVENTS_STORED_PER_MINUTE`` a minute per address."""
    security_event(
        event,
        request=request,
        outcome="refused",
        object_id=request.path_info,
        stored_per_minute=settings.SECURITY_PROBE_EVENTS_STORED_PER_MINUTE,
        **fields,
    )


class RefuseControlCharactersMiddleware:
    """A path with a control character (``/orders/%00/``), or a query parameter with a NUL,
    is answered 400 before any view or query sees it.

    No real URL holds one, and PostgreSQL refuses NUL in text (a 500 otherwise). Form fields
    already refuse NUL (Django's ``ProhibitNullCharactersValidator``); this covers what views
    read straight from the URL.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        bad_path = has_control_characters(request.path_info)
        if bad_path or "\x00" in request.META.get("QUERY_STRING", "") or _nul_in_query(request):
            _refused_at_will(
                "http.bad_request",
                request,
                user=None,
                reason="control character in path" if bad_path else "NUL in query",
            )
            return HttpResponseBadRequest(render_to_string("core/bad_request.html"))
        return self.get_response(request)


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's LocaleMiddleware, choosing the language only from the switcher's cookie.

    A browser's Accept-Language is not honoured: English is the default (the contract's
    labels are English) until the shopper picks Russian in the footer. The choice is kept
    in the language cookie and on the account, which sets the cookie again at login on
    another device. URLs carry no language prefix. Responses still say which language they
    are in (Content-Language) and vary on the cookie, as every session page already does.
    """

    def process_request(self, request: HttpRequest) -> None:
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or settings.LANGUAGE_CODE
        try:
            language = translation.get_supported_language_variant(code)
        except LookupError:
            language = translation.get_supported_language_variant(settings.LANGUAGE_CODE)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def _nul_in_query(request: HttpRequest) -> bool:
    try:
        return any("\x00" in key or "\x00" in value for key, value in request.GET.items())
    except Exception:  # an undecodable query string is Django's to answer
        return False


def rate_limited_response(request: HttpRequest, limited: RateLimited) -> HttpResponse:
    """The 429 page: what was refused and when to try again, with a Retry-After header.
    A refused form (a POST) gets a way back to its page (a payment page still offers the
    other ways to pay)."""
    minutes = max(1, round(limited.retry_after / 60))
    response = render(
        request,
        "429.html",
        {
            "message": limited.message,
            "retry_minutes": minutes,
            "back_url": request.path if request.method == "POST" else "",
        },
        status=429,
    )
    response["Retry-After"] = str(limited.retry_after)
    return response


class SecurityEventMiddleware:
    """Makes the request available to ``security_event`` calls deeper down (signal receivers,
    services), and logs from the final response:

    - every 404 answered to a signed-in user (``http.404``: the path, the user, the address):
      another user's order, card or address answers 404, so probing shows up here;
    - every 429 (``http.429``): the login lockout, the password-reset and other rate limits.

    Any client can cause these at will: each is logged, and stored as a row up to
    ``SECURITY_PROBE_EVENTS_STORED_PER_MINUTE`` a minute per address.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, RateLimited):
            return rate_limited_response(request, exception)
        return None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        status = response.status_code
        if (status == 404 and request.user.is_authenticated) or status == 429:
            _refused_at_will(f"http.{status}", request, method=request.method)
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store`` (with Django's other never-cache headers) on every response
    of the URL namespaces in ``settings.NO_STORE_URL_NAMESPACES`` and the URL names in
    ``settings.NO_STORE_URL_NAMES``: pages that show or take card, payment, address or
    account data must not be kept by the browser or any cache on the way. Other pages
    (the catalog) keep their normal caching."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.namespaces = frozenset(settings.NO_STORE_URL_NAMESPACES)
        self.names = frozenset(settings.NO_STORE_URL_NAMES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and (
            self.namespaces.intersection(match.namespaces) or match.view_name in self.names
        ):
            add_never_cache_headers(response)
        return response


_RESPONSE_TUNING = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the policy of settings built once per process.

    django-csp builds the header afresh for every response (about 300 Python calls). A
    response that nothing tuned (no view decorator, no nonce taken, no report-only policy
    or excluded prefix in settings) gets the same header every time, so that one is
    memoised until a setting changes; any other response goes through django-csp as is.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _RESPONSE_TUNING)
            or (settings.DEBUG and response.status_code in (404, 500))
            or _plain_policy() is None
        ):
            return super().process_response(request, response)
        if CSP_HEADER not in response:
            response[CSP_HEADER] = _plain_policy()
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


@functools.cache
def _plain_policy() -> str | None:
    """The header for an untuned response, or None when settings tune responses too."""
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    if policy.get("EXCLUDE_URL_PREFIXES") or getattr(
        settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None
    ):
        return None
    return build_csp_policy() or None


setting_changed.connect(
    lambda **kwargs: _plain_policy.cache_clear(), dispatch_uid="core.middleware.csp", weak=False
)
