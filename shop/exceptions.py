"""Shop errors. Unless a docstring says otherwise, `str(error)` is written for the shopper
and safe to show on the page."""


class ShopError(Exception):
    """Base of every shop error; the message is safe to show the shopper."""


class CartError(ShopError):
    """A cart change was refused; nothing was written."""


class InvalidQuantity(CartError):
    """The quantity is not a whole number between 1 and MAX_LINE_QUANTITY."""


class ProductUnavailable(CartError):
    """The product is inactive (delisted) or sold out."""


class InsufficientStock(CartError):
    """The requested quantity is more than the seller has."""

    def __init__(self, message: str, *, product, available: int):
        super().__init__(message)
        self.product = product
        self.available = available


class CheckoutError(ShopError):
    """Accept and pay was refused before anything was written or charged (stock ran out,
    the cart changed since the order page was shown, nothing left to order)."""


class IllegalOrderTransition(ShopError):
    """An order status move the transition table forbids; nothing was changed. The message
    is for staff and logs; shoppers see a plainer sentence chosen by the view."""

    def __init__(self, message: str, *, order=None, status: str = ""):
        super().__init__(message)
        self.order = order
        self.status = status


class CancelOvertaken(IllegalOrderTransition):
    """Cancelling an order waiting for payment gave up: payments for it kept starting while
    the cancel looked (the shopper paying in another tab). The order is not cancelled; a
    bank transfer it waited for may have been called off on the way. The message is for
    staff."""


class OrderNotPayable(ShopError):
    """The order no longer waits for payment (paid, cancelled or expired)."""


class ActionAlreadyDone(ShopError):
    """The same staff form was sent again (double click, back button, reload): the first one
    already did it, so nothing more was done and nothing new is recorded. The message is
    for staff."""
