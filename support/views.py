"""Support's error page: a refusal inside the admin is the admin's own page — its header,
what happened, and a way back — not a bare "403 Forbidden"."""

from __future__ import annotations

from django.contrib import admin
from django.template.response import TemplateResponse
from django.views import defaults


def permission_denied(request, exception=None):
    """``handler403``: under ``/admin/`` for a signed-in staff member, the themed page
    (``admin/403.html``); anywhere else Django's own."""
    user = getattr(request, "user", None)
    admin_prefix = request.path.startswith("/admin/")
    if not (admin_prefix and user is not None and user.is_authenticated and user.is_staff):
        return defaults.permission_denied(request, exception)
    context = {
        **admin.site.each_context(request),
        "title": "",
        "back": request.headers.get("Referer", "")
        if request.headers.get("Referer", "").startswith(request.build_absolute_uri("/admin/"))
        else "",
    }
    response = TemplateResponse(request, "admin/403.html", context, status=403)
    return response.render()
