"""Template filters of the purchase order pages."""

from django import template

from b2bportal.desk.readable import postal_address

register = template.Library()
register.filter("postal_address", postal_address)
