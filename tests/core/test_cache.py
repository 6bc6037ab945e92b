import os
import subprocess
import sys

from core.cache import RedisCache

# Nothing listens here: making clients and pools connects to nothing.
SERVERS = "redis://127.0.0.1:1/0,redis://127.0.0.1:1/1"


def test_the_redis_cache_keeps_one_client_per_server():
    cache = RedisCache("redis://127.0.0.1:1/0", {})

    client = cache._cache.get_client("key")

    assert cache._cache.get_client("other") is client
    assert cache._cache.get_client("key", write=True) is client
    assert client.connection_pool is cache._cache._get_connection_pool(write=True)


def test_reads_and_writes_still_go_to_the_server_django_picks(monkeypatch):
    cache = RedisCache(SERVERS, {})
    monkeypatch.setattr(cache._cache, "_get_connection_pool_index", lambda write: 0 if write else 1)

    written = cache._cache.get_client(write=True)
    read = cache._cache.get_client()

    assert written is not read
    assert written.connection_pool.connection_kwargs["db"] == 0
    assert read.connection_pool.connection_kwargs["db"] == 1
    assert cache._cache.get_client() is read


def test_a_configured_redis_cache_uses_the_backend_that_keeps_its_client():
    # Settings are read once per process: this reads them afresh with a cache configured.
    env = {
        **os.environ,
        "CACHE_URL": "redis://127.0.0.1:1/0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    code = "from config import settings; print(settings.CACHES['default']['BACKEND'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)

    assert out.stdout.strip() == "core.cache.RedisCache", out.stderr
