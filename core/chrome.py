"""The page chrome cache (``CACHES["chrome"]``, used by ``{% cache %}`` in base.html).

It holds markup made from code, translations and URLs, which only a deploy changes; tests
that change settings (URLs, languages, static storage) get it emptied, so no page is ever
drawn with a stale header.
"""

from django.core.cache import caches
from django.core.signals import setting_changed
from django.dispatch import receiver


@receiver(setting_changed)
def chrome_forget(**kwargs) -> None:
    """Empty the chrome cache whenever a setting changes (``override_settings``)."""
    caches["chrome"].clear()
