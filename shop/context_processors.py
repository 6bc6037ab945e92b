"""Template context shared by every page."""


def cart_summary(request):
    # Placeholder until the cart lands: the header shows the item count.
    return {"cart_count": 0}
