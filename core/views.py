"""Core's one page: the health check the load balancer polls."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

logger = logging.getLogger("core.health")

HEALTH_CACHE_KEY = "health-check:probe"
BROKER_TIMEOUT_SECONDS = 2


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    # A read is a round trip to the cache server; a health check never writes.
    cache.get(HEALTH_CACHE_KEY)


def _broker() -> None:
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT_SECONDS) as broker:
        broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)


@csrf_exempt
@require_safe
@never_cache
def health(request):
    """``/health/`` for the load balancer: the database, the cache and (when one is
    configured) the Celery broker each answered. 200 when all did, 503 naming what did not.

    Reads only (no session, no cookie, no row written); the reason a check failed goes to
    the log, never into the answer.
    """
    checks = {"database": _database, "cache": _cache}
    if settings.CELERY_BROKER_URL and not settings.CELERY_TASK_ALWAYS_EAGER:
        checks["broker"] = _broker
    results = {}
    for name, check in checks.items():
        try:
            check()
        except Exception:
            logger.exception("health: %s unavailable", name)
            results[name] = "unavailable"
        else:
            results[name] = "ok"
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results},
        status=200 if healthy else 503,
    )
