"""The shared cache's backend (``CACHE_URL``/``REDIS_URL``): Django's Redis cache, each
server's ``redis.Redis`` client made once instead of on every cache call."""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ClientKeepingRedisCacheClient(RedisCacheClient):
    """Django's ``RedisCacheClient``, keeping the ``redis.Redis`` client of each connection
    pool it picks.

    Django's makes a new ``redis.Redis`` for every get or set, and making one costs about
    65 µs (it fills its table of ~170 response callbacks each time): more than the round trip
    to Redis, on every request that reads its session from the cache. A client holds nothing
    but its pool and those tables, and is safe to share between threads (redis-py's own
    advice is to make one and share it), so each pool's is made once. The pools, and which
    one a read or a write goes to, stay Django's."""

    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with ``ClientKeepingRedisCacheClient``."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ClientKeepingRedisCacheClient
