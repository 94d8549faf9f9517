"""`{% delivery_stall_reasons as reasons %}`: why delivery has stalled, for the admin index."""

from django import template
from django.db import DatabaseError

register = template.Library()


@register.simple_tag
def delivery_stall_reasons() -> list[str]:
    """The reasons delivery counts as stalled (b2bportal.health), empty when it flows."""
    from b2bportal.health import delivery_report

    try:
        return delivery_report().reasons
    except DatabaseError:
        return []  # the page itself fails, and says so (b2bportal.unavailable)
