"""The authentication backend that loads the signed-in shopper for every request.

Django's ModelBackend, except that the query loading the user also counts the units in
their cart (``user.cart_units``), which every page's header shows: one query instead of
two on every signed-in page. The count is read when the request first touches
``request.user``, so the header uses it only on GET and HEAD requests, which never change
a cart (``shop.context_processors.cart_summary``); other requests count again.

The query has one shape and runs on every signed-in request, so its SQL is compiled by
the ORM once per database and process (``core.sql.CompiledQuery``): about 0.45 ms less
per request.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db.models import IntegerField
from django.db.models.expressions import RawSQL

from core.sql import CompiledQuery
from shop.models import Cart, CartLine

# The stand-in primary key the SQL is compiled with (see core.sql.CompiledQuery).
_MARKER = -424242


def _cart_units() -> RawSQL:
    # Written out: the ORM's Subquery costs more Python to compile than the query it saves.
    line, cart = CartLine._meta.db_table, Cart._meta.db_table
    user = get_user_model()._meta.db_table
    # Table names come from the models; no input reaches this SQL. A shopper has one cart
    # at most (Cart.user is unique): its key, then its lines by their cart_id index, is
    # cheaper to plan and run than a join (0.133 -> 0.102 ms a request on the bench data).
    sql = (
        f'SELECT COALESCE(SUM(l.quantity), 0) FROM "{line}" l '  # noqa: S608
        f'WHERE l.cart_id = (SELECT c.id FROM "{cart}" c WHERE c.user_id = "{user}".id)'
    )
    return RawSQL(  # noqa: S611
        sql,
        (),
        output_field=IntegerField(),
    )


def _by_pk(alias: str):
    """The user with ``cart_units``: the queryset ``get_user`` runs (compiled)."""
    users = get_user_model()._default_manager.annotate(cart_units=_cart_units())
    return users.filter(pk=_MARKER), {"pk": _MARKER}


_shopper = CompiledQuery("shopper", get_user_model(), _by_pk)


class ShopperBackend(ModelBackend):
    """ModelBackend whose ``get_user`` brings the shopper's cart unit count along."""

    def get_user(self, user_id):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:  # a tampered session's id is no user
            return None
        user = _shopper.first(pk=pk)
        if user is None:
            return None
        return user if self.user_can_authenticate(user) else None
