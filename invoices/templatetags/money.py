"""Rupee amounts as an Indian accounts team reads them: 12,34,567.89 (lakh and crore groups)."""

from django import template

from b2bportal.indian import inr

register = template.Library()
register.filter("inr", inr)
