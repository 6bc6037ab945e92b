"""A fixed-window counter in the shared cache: "at most N of these per window".

The cache is Redis when REDIS_URL is set, so every process shares the counts.

- ``ratelimit_hit`` counts and says whether the caller is still within the limit (for
  limits that answer silently, like the reset letters per inbox);
- ``ratelimit_enforce`` counts and raises ``RateLimited`` past the limit, which
  ``core.middleware.SecurityEventMiddleware`` turns into a 429 page saying when to try
  again (and the security log records);
- ``ratelimit_per_client`` does that for a whole view, keyed on the client address.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.cache import cache


class RateLimited(Exception):
    """Over a limit. ``message`` is safe to show; ``retry_after`` is in seconds."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def ratelimit_hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one event under ``key``; True while the window's count is within ``limit``."""
    cache_key = f"ratelimit:{key}"
    cache.add(cache_key, 0, window_seconds)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # the window ended between add and incr
        cache.set(cache_key, 1, window_seconds)
        count = 1
    return count <= limit


def ratelimit_count(key: str) -> int:
    """How many events ``key`` has counted in its current window (0 when none)."""
    return cache.get(f"ratelimit:{key}", 0)


def ratelimit_enforce(key: str, *, limit: int, window_seconds: int, message: str) -> None:
    """Count one event under ``key``; raise ``RateLimited`` when over ``limit``."""
    if not ratelimit_hit(key, limit=limit, window_seconds=window_seconds):
        raise RateLimited(message, retry_after=window_seconds)


def ratelimit_per_client(name: str, *, limit_setting: str, window_seconds: int, message: str):
    """View decorator: at most ``settings.<limit_setting>`` requests per ``window_seconds``
    from one client address (as the login lockout sees it: ``TRUSTED_PROXY_COUNT``), else a
    429. The setting is read at each request."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            from core.security_log import client_address

            ratelimit_enforce(
                f"{name}:ip:{client_address(request) or ''}",
                limit=getattr(settings, limit_setting),
                window_seconds=window_seconds,
                message=message,
            )
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
