"""A fixed-window counter in the shared cache: "at most N of these per window".

The cache is Redis when REDIS_URL is set, so every process shares the counts.
"""

from django.core.cache import cache


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
