"""Signal receivers: each one only hands over to a service."""

from django.contrib import messages

from shop.cart_session import merge_session_cart_into_user


def merge_cart_on_login(sender, request, user, **kwargs) -> None:
    """The cart filled before logging in joins the account's cart."""
    cart = merge_session_cart_into_user(request, user)
    if cart is not None and cart.lines.exists():
        messages.info(
            request, "Items you added before logging in are in your cart.", fail_silently=True
        )
