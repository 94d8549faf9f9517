"""Start-up checks: refuse to run in production with webhooks open to anyone, or with an
allow-list of source addresses that cannot be read."""

import ipaddress

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


@register()
def webhook_allowed_ips_valid(app_configs, **kwargs):
    """Every entry of ENKASH_WEBHOOK_ALLOWED_IPS is an address or a CIDR network.

    Checked at start-up because a bad entry would otherwise only show when a webhook
    arrives: every delivery would then fail with a 500.
    """
    errors = []
    for entry in settings.ENKASH_WEBHOOK_ALLOWED_IPS:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as exc:
            errors.append(
                Error(
                    f"ENKASH_WEBHOOK_ALLOWED_IPS has an entry that is not an address or a "
                    f"network: {entry!r} ({exc}).",
                    hint="List addresses or CIDR networks, comma-separated.",
                    id="network.E002",
                )
            )
    return errors
