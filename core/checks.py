"""Deployment checks (`manage.py check --deploy`) for Bazaar's own settings."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs):
    """Links in emails are built from SITE_URL: in production it must be the public https
    origin, not the development default."""
    if settings.SITE_URL.startswith("https://"):
        return []
    return [
        Warning(
            f"SITE_URL is {settings.SITE_URL!r}: links in emails would point there.",
            hint="Set SITE_URL to the site's public https origin, e.g. https://bazaar.example.",
            id="bazaar.W001",
        )
    ]
