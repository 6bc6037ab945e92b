"""Links: absolute ones for places with no request to build them from (emails), and
``remembered_url`` for list pages that link many rows.

Every link put in a letter goes through ``absolute_url`` so mail clients get a full
address on the site's public origin (``settings.SITE_URL``), whichever host the request
that triggered the letter came in on (or none, for cron and admin actions).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.urls import get_script_prefix, reverse


def absolute_url(path: str) -> str:
    """``"/orders/BZ-000001/"`` -> ``"https://bazaar.example/orders/BZ-000001/"``.

    ``path`` is a site path as ``reverse()`` or ``get_absolute_url()`` give it.
    """
    if not path.startswith("/"):
        raise ValueError(f"absolute_url() takes a path starting with '/', not {path!r}.")
    return settings.SITE_URL.rstrip("/") + path


@lru_cache(maxsize=8192)
def _remembered(viewname: str, kwargs: tuple[tuple[str, str], ...], script_prefix: str) -> str:
    return reverse(viewname, kwargs=dict(kwargs))


def remembered_url(viewname: str, **kwargs: str) -> str:
    """``reverse(viewname, kwargs=kwargs)``, remembered for the most recent few thousand
    arguments: list pages link every product, seller and order they show, and reverse()
    was the dearest part of a row. A URL only changes with the URL configuration (a
    deploy, or a test's settings: forgotten then)."""
    return _remembered(viewname, tuple(sorted(kwargs.items())), get_script_prefix())


def remembered_url_maker(viewname: str, name: str) -> Callable[[str], str]:
    """``remembered_url(viewname, **{name: value})`` as a function of ``value``, for a page
    that links many rows of one kind (a cart's products): the script prefix is read once,
    not once a row. Use it within one request."""
    prefix = get_script_prefix()
    return lambda value: _remembered(viewname, ((name, value),), prefix)


def _forget_remembered_urls(**kwargs) -> None:
    _remembered.cache_clear()


setting_changed.connect(_forget_remembered_urls, dispatch_uid="core.links.remembered_urls")
