"""Which cart belongs to this request: the signed-in user's, or the anonymous one whose id
the session holds. HTTP glue only; the rules live in services and selectors."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from core.ratelimit import ratelimit_enforce
from core.security_log import client_address
from shop import selectors, services
from shop.models import Cart

SESSION_CART_KEY = "shop_cart_id"


def request_cart(request: HttpRequest) -> Cart | None:
    """The request's cart if it has one; creates nothing."""
    if request.user.is_authenticated:
        return selectors.cart_get_for_user(user=request.user)
    return selectors.cart_get_anonymous(cart_id=request.session.get(SESSION_CART_KEY))


def request_cart_or_create(request: HttpRequest) -> Cart:
    """The request's cart, made on first use (an anonymous one is remembered in the session).

    Raises ``core.ratelimit.RateLimited`` (a 429 page) when the client address has started
    ``ANONYMOUS_CART_LIMIT_PER_HOUR`` visitor carts within the hour."""
    if request.user.is_authenticated:
        return services.cart_get_or_create_for_user(user=request.user)
    cart = request_cart(request)
    if cart is None:
        # Each visitor cart is a row: one client address may start only so many an hour.
        ratelimit_enforce(
            f"anonymous-cart:ip:{client_address(request) or ''}",
            limit=settings.ANONYMOUS_CART_LIMIT_PER_HOUR,
            window_seconds=3600,
            message=gettext_lazy("Too many new carts from your network. Log in to keep shopping."),
        )
        cart = services.cart_create_anonymous()
        request.session[SESSION_CART_KEY] = cart.pk
    return cart


def request_cart_count(request: HttpRequest) -> int:
    """Units in the request's cart for the header: one query, none for a visitor whose
    session holds no cart."""
    if request.user.is_authenticated:
        return selectors.cart_item_count(user=request.user)
    cart_id = request.session.get(SESSION_CART_KEY)
    if not isinstance(cart_id, int):
        return 0
    return selectors.cart_item_count(cart_id=cart_id)


def merge_session_cart_into_user(request: HttpRequest | None, user) -> services.CartMerge | None:
    """At login: move the session's anonymous cart into the user's. Returns what the merge
    did (the user's cart, the lines dropped or capped) when the anonymous cart brought lines
    with it; an empty one is merged away silently."""
    if request is None or not hasattr(request, "session"):
        return None
    cart_id = request.session.pop(SESSION_CART_KEY, None)
    anonymous = selectors.cart_get_anonymous(cart_id=cart_id)
    if anonymous is None:
        return None
    had_lines = anonymous.lines.exists()
    merge = services.cart_merge_into_user(anonymous_cart=anonymous, user=user)
    return merge if had_lines else None
