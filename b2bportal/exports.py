"""Spreadsheet exports that cannot run a formula a message smuggled in.

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets (CSV injection); a supplier's legal
name like `=HYPERLINK(...)` would be live in the auditor's spreadsheet. Such a cell is
exported with a leading `'`, which makes it text. django-import-export's own
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only strips one leading `=` (so `==X` stays a
formula) and turns every cell, numbers too, into text.
"""

import re

from django.conf import settings
from import_export import resources

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# "-12.50" or "+919845012345" is a number, not a formula: left as it is.
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def inert(value):
    """`value` made safe for a spreadsheet cell: text that would start a formula gets `'`."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


class FormulaSafeModelResource(resources.ModelResource):
    """A ModelResource whose every exported cell goes through `inert`."""

    def export_field(self, field, instance, **kwargs):
        return inert(super().export_field(field, instance, **kwargs))


class BoundedExportMixin:
    """An admin's exports hold at most EXPORT_MAX_ROWS rows.

    An export is built in the request, in memory, about a millisecond a row: a list of a
    million rows would hold a web worker for a quarter of an hour and gigabytes, and the
    server's request timeout would end it with nothing sent. A larger list is refused on
    the export form with its reason, before any row is read; the API's paginated lists
    serve larger pulls.
    """

    def get_export_data(self, file_format, request, queryset, **kwargs):
        limit = settings.EXPORT_MAX_ROWS
        if queryset.order_by()[: limit + 1].count() > limit:
            raise ValueError(
                f"This list has more than {limit:,} rows, the most one export holds. Narrow "
                "it first (a date range, a status, a counterparty), then export again."
            )
        return super().get_export_data(file_format, request, queryset, **kwargs)
