"""Template context shared by every page."""

from shop.cart_session import request_cart_count


def cart_summary(request):
    """`cart_count`: units in the visitor's cart, for the header badge."""
    if not hasattr(request, "session") or not hasattr(request, "user"):
        return {"cart_count": 0}
    if request.method in ("GET", "HEAD"):
        # Counted with the user's own row (shop.auth.ShopperBackend); a GET changes no cart.
        units = getattr(request.user, "cart_units", None)
        if units is not None:
            return {"cart_count": units}
    return {"cart_count": request_cart_count(request)}
