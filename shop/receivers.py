"""Signal receivers: each one only hands over to a service, and tells the shopper."""

from django.contrib import messages
from django.utils.translation import gettext, ngettext

from shop.availability import availability_message
from shop.cart_session import merge_session_cart_into_user
from shop.services import CartMergeCapped, CartMergeDropped


def merge_cart_on_login(sender, request, user, **kwargs) -> None:
    """The cart filled before logging in joins the account's cart; what could not come
    along in full (sold out, delisted, fewer left) is said, one message a product."""
    merge = merge_session_cart_into_user(request, user)
    if merge is None:
        return
    if merge.cart.lines.exists():
        messages.info(
            request,
            gettext("Items you added before logging in are in your cart."),
            fail_silently=True,
        )
    for dropped in merge.dropped:
        messages.warning(request, _dropped_message(dropped), fail_silently=True)
    for capped in merge.capped:
        messages.warning(request, _capped_message(capped), fail_silently=True)


def _dropped_message(dropped: CartMergeDropped) -> str:
    said = availability_message(dropped.reason, product=dropped.product)
    return f"{said} {gettext('It was not added to your cart.')}"


def _capped_message(capped: CartMergeCapped) -> str:
    title, limit, quantity = capped.product.title, capped.limit, capped.quantity
    if not capped.by_stock:
        return gettext(
            "You can order at most %(limit)d of %(product)s; your cart has %(quantity)d."
        ) % {"limit": limit, "product": title, "quantity": quantity}
    return ngettext(
        "Only %(limit)d of %(product)s was available; your cart has %(quantity)d.",
        "Only %(limit)d of %(product)s were available; your cart has %(quantity)d.",
        limit,
    ) % {"limit": limit, "product": title, "quantity": quantity}
