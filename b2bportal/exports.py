"""Spreadsheet exports that cannot run a formula a message smuggled in.

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets (CSV injection); a supplier's legal
name like `=HYPERLINK(...)` would be live in the auditor's spreadsheet. Such a cell is
exported with a leading `'`, which makes it text. django-import-export's own
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only strips one leading `=` (so `==X` stays a
formula) and turns every cell, numbers too, into text.
"""

import re

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
