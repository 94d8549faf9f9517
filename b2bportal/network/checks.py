"""Start-up checks: refuse to run in production with webhooks open to anyone."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def webhook_authentication_configured(app_configs, **kwargs):
    """In production (DEBUG off) a webhook token or signing secret must be configured."""
    if settings.DEBUG or getattr(settings, "TESTING", False):
        return []
    if settings.ENKASH_WEBHOOK_TOKEN or settings.ENKASH_WEBHOOK_SIGNING_SECRET:
        return []
    return [
        Error(
            "No webhook authentication is configured.",
            hint="Set ENKASH_WEBHOOK_TOKEN (and ideally ENKASH_WEBHOOK_SIGNING_SECRET).",
            id="network.E001",
        )
    ]
