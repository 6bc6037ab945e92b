"""The security log: one JSON object per line on the ``security`` logger, and a copy of each
event in the ``SecurityEvent`` table so support can read a customer's recent events.

Call ``security_event`` wherever something security-relevant happens::

    from core.security_log import security_event

    security_event("card.link", request=request, outcome="refused", object_id=card.pk,
                   reason="declined:incorrect_cvc")

Each line looks like::

    {"time": "2026-11-30T10:04:05.123456Z", "event": "auth.login", "outcome": "failure",
     "user_id": 12, "client_ip": "203.0.113.7", "object_id": "", "username": "ann@example.com"}

- ``time`` is UTC, ISO 8601 with a ``Z``.
- ``event`` is a dotted name, area first (``auth.login``, ``card.link``, ``http.404``).
  Names used so far are listed in docs/security.md.
- ``outcome`` is one word: ``success``, ``failure``, ``refused``, ``blocked``, ``info``.
- ``user_id`` is the acting or affected account's id (``user=``, else the request's signed-in
  user), or null.
- ``client_ip`` is the request's client address as django-axes sees it (so it honours
  ``TRUSTED_PROXY_COUNT`` the same way the login lockout does), or null without a request.
  Without ``request=`` the request being served on this thread is used, when there is one.
- ``object_id`` is what the event is about (an order number, a card id, a path), as text.
- Any other keyword becomes a field of its own (``reason=``, ``username=``, ``amount=``).
  Values must be JSON-serialisable after ``str()``; they are cut to ``MAX_FIELD_LENGTH``.

User-typed text is safe to pass: the line is built by ``json.dumps`` with ASCII escapes, so a
newline, a quote or a fake ``"}{"event": ...`` in it stays inside its string and cannot start
a line of its own. NEVER pass a card number, a CVC, a password or a token: nothing here
masks them.

The table copy is written in a savepoint: if the database refuses it the log line still
stands and the caller's transaction carries on; if the caller's transaction rolls back, the
row goes with it (the line does not).
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any

from django.db import DatabaseError

from core.db import savepoint_if_nested
from core.ratelimit import ratelimit_hit

logger = logging.getLogger("security")

MAX_FIELD_LENGTH = 500
RESERVED = frozenset({"time", "event", "outcome", "user_id", "client_ip", "object_id", "stored"})

# The request being served on this thread/task, set by core.middleware.SecurityEventMiddleware
# so events raised far from the view (signal receivers, services) still get the client address.
current_request: contextvars.ContextVar = contextvars.ContextVar(
    "security_log_request", default=None
)


def client_address(request) -> str | None:
    """The client's address as the login lockout sees it (django-axes + django-ipware,
    honouring ``TRUSTED_PROXY_COUNT``): a forged X-Forwarded-For changes nothing unless the
    app is configured to sit behind that many proxies."""
    if request is None:
        return None
    cached = getattr(request, "_security_client_ip", None)
    if cached is not None:
        return cached or None
    from axes.helpers import get_client_ip_address

    address = get_client_ip_address(request) or ""
    request._security_client_ip = address
    return address or None


def _cut(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return [_cut(item) for item in value][:50]
    if isinstance(value, dict):
        return {str(key)[:100]: _cut(item) for key, item in list(value.items())[:50]}
    text = str(value)
    return text if len(text) <= MAX_FIELD_LENGTH else text[:MAX_FIELD_LENGTH] + "…"


def _user_id(user, request) -> int | None:
    if user is not None:
        return user if isinstance(user, int) else getattr(user, "pk", None)
    request_user = getattr(request, "user", None) if request is not None else None
    if request_user is not None and request_user.is_authenticated:
        return request_user.pk
    return None


def security_event(
    event: str,
    *,
    request=None,
    user=None,
    outcome: str = "success",
    object_id: Any = "",
    stored_per_minute: int | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Record one security event: a JSON line on the ``security`` logger and a
    ``core.SecurityEvent`` row. Returns the logged object.

    ``stored_per_minute``: for an event any client can cause at will (a 404, a refused
    URL), at most this many rows a minute per client address and event; past it the line
    is still logged, saying ``"stored": false``, so a flood of requests cannot fill the
    table.

    ``user`` is a user or a user id (default: the request's signed-in user); ``request`` gives
    the client address (default: the request being served, if any). Extra keywords become
    fields; they must not reuse the names of the fixed fields (TypeError). Never raises for a
    database problem; never pass card numbers, CVCs, passwords or tokens.
    """
    clash = RESERVED & fields.keys()
    if clash:
        raise TypeError(f"security_event(): {', '.join(sorted(clash))} are fixed fields")
    if request is None:
        request = current_request.get()
    now = datetime.now(UTC)
    payload: dict[str, Any] = {
        "time": now.isoformat().replace("+00:00", "Z"),
        "event": _cut(event),
        "outcome": _cut(outcome),
        "user_id": _user_id(user, request),
        "client_ip": client_address(request),
        "object_id": _cut("" if object_id is None else str(object_id)),
    }
    extra = {name: _cut(value) for name, value in fields.items()}
    payload.update(extra)
    stored = stored_per_minute is None or ratelimit_hit(
        f"security-event:{payload['event']}:{payload['client_ip'] or ''}",
        limit=stored_per_minute,
        window_seconds=60,
    )
    if not stored:
        payload["stored"] = False
    line = json.dumps(payload, ensure_ascii=True, default=str, separators=(", ", ": "))
    logger.info(line, extra={"security_event": payload})
    if stored:
        _store(payload, now=now, extra=extra)
    return payload


def _db_safe(value: Any) -> Any:
    """PostgreSQL refuses NUL in text and in JSON: the stored copy spells it ``\\x00``
    (the log line keeps it, JSON-escaped)."""
    if isinstance(value, str):
        return value.replace("\x00", "\\x00")
    if isinstance(value, list):
        return [_db_safe(item) for item in value]
    if isinstance(value, dict):
        return {_db_safe(key): _db_safe(item) for key, item in value.items()}
    return value


def _store(payload: dict[str, Any], *, now: datetime, extra: dict[str, Any]) -> None:
    from core.models import SecurityEvent

    try:
        with savepoint_if_nested():
            SecurityEvent.objects.create(
                created_at=now,
                event=_db_safe(payload["event"])[:64],
                outcome=_db_safe(payload["outcome"])[:16],
                user_id=payload["user_id"],
                client_ip=_db_safe(payload["client_ip"] or "")[:64],
                object_id=_db_safe(str(payload["object_id"]))[:200],
                details=_db_safe(json.loads(json.dumps(extra, default=str))),
            )
    except (DatabaseError, ValueError):
        logger.exception("security event not stored: %s", payload["event"])


def security_events_prune() -> tuple[int, datetime]:
    """Delete stored security events older than ``SECURITY_EVENT_RETENTION_DAYS`` (the JSON
    lines live wherever the log shipper keeps them). Returns how many, and the cutoff."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from core.models import SecurityEvent

    cutoff = timezone.now() - timedelta(days=settings.SECURITY_EVENT_RETENTION_DAYS)
    deleted, _ = SecurityEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted, cutoff
