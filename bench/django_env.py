"""The environment every bench process runs Bazaar with: DEBUG off as in production
(``make serve-prod``), loopback only, letters dropped.

BENCH-ONLY values: the secret key guards nothing real (it never leaves this machine).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BENCH_SECRET_KEY = "bench-only-not-a-secret"  # noqa: S105 (bench-only, loopback)


def bazaar_env(database_url: str, cache_url: str = "") -> dict[str, str]:
    """``cache_url``: the shared cache (Redis) a deployment of more than one process sets
    (README), which also holds the sessions (``core.sessions.cached_db``); none, the
    per-process memory and sessions read from the database."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY=BENCH_SECRET_KEY,
        CARD_FINGERPRINT_KEY="bench-only-fingerprint-key",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        EMAIL_URL="dummy://",
        LOG_LEVEL="WARNING",
        SITE_URL="http://127.0.0.1",
        PYTHONPATH=str(ROOT),
    )
    for name in ("REDIS_URL", "CACHE_URL", "SIMULATED_GATEWAY_FAULT"):
        env.pop(name, None)
    if cache_url:
        env["CACHE_URL"] = cache_url
    env["SIMULATED_GATEWAY_LATENCY_MS"] = "0"
    return env


def django_setup() -> None:
    """Set Django up in this process with the environment ``bazaar_env`` gave it."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
