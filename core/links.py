"""Absolute links for places with no request to build them from: emails.

Every link put in a letter goes through ``absolute_url`` so mail clients get a full
address on the site's public origin (``settings.SITE_URL``), whichever host the request
that triggered the letter came in on (or none, for cron and admin actions).
"""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """``"/orders/BZ-000001/"`` -> ``"https://bazaar.example/orders/BZ-000001/"``.

    ``path`` is a site path as ``reverse()`` or ``get_absolute_url()`` give it.
    """
    if not path.startswith("/"):
        raise ValueError(f"absolute_url() takes a path starting with '/', not {path!r}.")
    return settings.SITE_URL.rstrip("/") + path
