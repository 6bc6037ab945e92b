"""Response headers: a Content-Security-Policy on every page, ``Cache-Control: no-store`` on
every page that shows or takes card, payment, address or account data, and catalog pages
left cacheable."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import (
    AddressFactory,
    CardFactory,
    CartLineFactory,
    ProductFactory,
    WalletAccountFactory,
    order_placed,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def shopper_pages(user):
    """Every page that shows or takes card, payment, address or account data, with what it
    needs to render for ``user``."""
    from django.utils import timezone

    WalletAccountFactory(user=user, confirmed_at=timezone.now())
    card = CardFactory(owner=user)
    address = AddressFactory(user=user)
    product = ProductFactory()
    order = order_placed(user=user, product=product, address=address)
    CartLineFactory(cart=order.user.cart, product=ProductFactory(seller=product.seller))
    number = order.number
    return [
        reverse("shop:checkout", args=[product.seller.slug]),
        reverse("shop:order-list"),
        reverse("shop:order-detail", args=[number]),
        reverse("shop:order-pay", args=[number]),
        reverse("shop:order-authenticate", args=[number]),
        reverse("shop:order-cancel", args=[number]),
        reverse("wallet:home"),
        reverse("wallet:confirm-password"),
        reverse("wallet:card-list"),
        reverse("wallet:card-add"),
        reverse("wallet:card-detail", args=[card.pk]),
        reverse("wallet:card-edit", args=[card.pk]),
        reverse("wallet:card-remove", args=[card.pk]),
        reverse("wallet:activity"),
        reverse("accounts:password_change"),
        reverse("accounts:password_change_done"),
        reverse("accounts:address-list"),
        reverse("accounts:address-add"),
        reverse("accounts:address-edit", args=[address.pk]),
        reverse("accounts:address-delete", args=[address.pk]),
    ]


ANONYMOUS_ACCOUNT_PAGES = [
    reverse("accounts:login"),
    reverse("accounts:signup"),
    reverse("accounts:password_reset"),
    reverse("accounts:password_reset_done"),
    reverse("accounts:password_reset_complete"),
    reverse("accounts:password_reset_confirm", args=["MQ", "set-password"]),
]


def _assert_no_store(response, url):
    cache_control = response.get("Cache-Control", "")
    assert "no-store" in cache_control, f"{url} ({response.status_code}): {cache_control!r}"
    assert "private" in cache_control, url


def test_every_card_payment_address_and_account_page_says_no_store(user_client, shopper_pages):
    for url in shopper_pages:
        response = user_client.get(url)
        assert response.status_code in (200, 302), (url, response.status_code)
        _assert_no_store(response, url)


def test_account_pages_for_visitors_say_no_store(client):
    for url in ANONYMOUS_ACCOUNT_PAGES:
        response = client.get(url)
        assert response.status_code in (200, 302), url
        _assert_no_store(response, url)


def test_posts_to_those_pages_say_no_store_too(user_client, user):
    address = AddressFactory(user=user)
    response = user_client.post(reverse("accounts:address-edit", args=[address.pk]), {})

    assert response.status_code == 200  # the form with its errors
    _assert_no_store(response, "address-edit POST")


def test_admin_pages_say_no_store(support_client):
    for url in [reverse("admin:index"), reverse("admin:shop_order_changelist")]:
        response = support_client.get(url)
        assert response.status_code == 200
        _assert_no_store(response, url)


def test_catalog_pages_stay_cacheable(client, user):
    product = ProductFactory()
    for url in [
        reverse("shop:home"),
        reverse("shop:search") + "?q=mug",
        product.get_absolute_url(),
        reverse("shop:seller-detail", args=[product.seller.slug]),
        reverse("shop:help"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" not in response.get("Cache-Control", ""), url


def test_every_page_carries_the_content_security_policy(client, user_client):
    policy = client.get(reverse("shop:home"))["Content-Security-Policy"]
    directives = {}
    for part in filter(None, (p.strip() for p in policy.split(";"))):
        name, _, value = part.partition(" ")
        directives[name] = value

    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "Content-Security-Policy" in user_client.get(reverse("wallet:home"))


# Inline script or style anywhere in our templates or admin markup would be refused by the
# browser under that policy: none is left (the browser tests also watch for violations).
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"
    r"|<style[\s>]|\sstyle=|\son[a-z]+=|javascript:",
    re.IGNORECASE,
)


def test_no_template_holds_an_inline_script_style_or_event_handler():
    offenders = []
    for folder in [ROOT / "templates", *(ROOT / app / "templates" for app in ("wallet",))]:
        for path in folder.rglob("*.html"):
            if "emails" in path.parts:  # letters are not pages: mail clients need inline style
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if INLINE.search(line) and "{#" not in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_no_store_settings_name_real_pages():
    from django.urls import get_resolver

    names = set()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                ns = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
                walk(pattern.url_patterns, ns)
            elif pattern.name:
                names.add(prefix + pattern.name)

    walk(get_resolver().url_patterns)
    assert set(settings.NO_STORE_URL_NAMES) <= names


# --------------------------------------- core.middleware.ContentSecurityPolicyMiddleware


def _csp_response(request, **tuning):
    from django.http import HttpResponse

    from core.middleware import ContentSecurityPolicyMiddleware

    def view(request):
        response = HttpResponse("ok")
        for name, value in tuning.items():
            setattr(response, name, value)
        return response

    middleware = ContentSecurityPolicyMiddleware(view)
    return middleware(request)


def test_the_memoised_policy_is_the_one_django_csp_builds(client, user_client, rf):
    from csp.utils import build_policy

    expected = build_policy()
    assert client.get(reverse("shop:home"))["Content-Security-Policy"] == expected
    assert user_client.get(reverse("wallet:home"))["Content-Security-Policy"] == expected
    assert _csp_response(rf.get("/"))["Content-Security-Policy"] == expected


def test_a_response_a_view_tuned_or_a_nonce_still_goes_through_django_csp(rf, settings):
    from csp.constants import NONCE, SELF

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": [SELF, NONCE]}}
    tuned = _csp_response(rf.get("/"), _csp_update={"img-src": ["https://img.example"]})
    assert "https://img.example" in tuned["Content-Security-Policy"]

    assert "Content-Security-Policy" not in _csp_response(rf.get("/"), _csp_exempt=True)

    request = rf.get("/")

    def view(request):
        from django.http import HttpResponse

        return HttpResponse(f"<script nonce='{request.csp_nonce}'>")

    from core.middleware import ContentSecurityPolicyMiddleware

    response = ContentSecurityPolicyMiddleware(view)(request)
    policy = response["Content-Security-Policy"]
    assert f"script-src 'self' 'nonce-{request._csp_nonce}'" in policy


def test_a_nonce_asked_for_after_the_header_is_written_is_an_error(rf):
    from csp.exceptions import CSPNonceError

    request = rf.get("/")
    _csp_response(request)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_a_policy_change_in_settings_is_seen(rf, settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'", "cdn.example"]}}
    assert "cdn.example" in _csp_response(rf.get("/"))["Content-Security-Policy"]

    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    response = _csp_response(rf.get("/"))
    assert "cdn.example" in response["Content-Security-Policy"]
    assert response["Content-Security-Policy-Report-Only"] == "default-src 'none'"
