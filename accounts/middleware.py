"""Staff sessions idle out (PCI DSS 8.2.8): after ``STAFF_SESSION_IDLE_MINUTES`` without a
request a staff member is logged out and asked to log in again. Shoppers keep Django's
session length."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

from core.security_log import security_event

SESSION_KEY = "staff_last_seen"
# The last-seen time is written at most this often (seconds), not on every request.
TOUCH_EVERY = 60


def staff_session_touch(request: HttpRequest, user) -> None:
    """Mark a staff session as active now and make it end with the idle window (a login
    receiver calls this too, so a fresh staff session starts with its clock set)."""
    if user.is_staff and hasattr(request, "session"):
        request.session[SESSION_KEY] = int(time.time())
        # The session row and cookie end a minute after the idle window too (a backstop: a
        # stolen cookie is worthless after it even without this middleware; the minute lets
        # the middleware see the timeout and log it).
        request.session.set_expiry(settings.STAFF_SESSION_IDLE_MINUTES * 60 + TOUCH_EVERY)


class StaffIdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.is_staff:
            idle_seconds = settings.STAFF_SESSION_IDLE_MINUTES * 60
            now = int(time.time())
            last_seen = request.session.get(SESSION_KEY)
            if isinstance(last_seen, int) and now - last_seen > idle_seconds:
                security_event(
                    "auth.session_timeout",
                    request=request,
                    user=user,
                    outcome="info",
                    idle_minutes=(now - last_seen) // 60,
                )
                logout(request)
                messages.info(
                    request,
                    gettext("Your staff session ended after a period of inactivity. Log in again."),
                )
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if not isinstance(last_seen, int) or now - last_seen >= TOUCH_EVERY:
                staff_session_touch(request, user)
        return self.get_response(request)
