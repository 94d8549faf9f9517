"""Template filters of the purchase order pages."""

from django import template

from b2bportal.desk.readable import in_reading_order

register = template.Library()

# What an address block carries besides the address a person reads.
NOT_READ = {"type"}


@register.filter
def postal_address(address) -> str:
    """An address block as it is written on an envelope: lines, city, state, PIN code
    (the country only when it is not India)."""
    if not isinstance(address, dict):
        return ""
    parts = [
        str(value)
        for key, value in in_reading_order(address)
        if key not in NOT_READ and value not in (None, "") and (key, value) != ("country", "IN")
    ]
    return ", ".join(parts)
