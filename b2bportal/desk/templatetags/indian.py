"""Template filters for Indian conventions (see `b2bportal.indian`):
`{{ amount|rupees }}`, `{{ amount|inr }}`, `{{ price|unit_price }}`, `{{ day|dmy }}`,
`{{ moment|ist }}`, `{{ code|state_name }}`, `{{ invoice.status|status_label }}`."""

from django import template

from b2bportal import indian
from b2bportal.desk.families import status_label

register = template.Library()

for _name in ("inr", "unit_price", "rupees", "rupees_short", "dmy", "ist", "state_name"):
    register.filter(_name, getattr(indian, _name))
register.filter("status_label", status_label)
