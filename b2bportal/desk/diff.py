"""What changed between two versions of a document, in words a reviewer reads:
"Unit price of line 2 changed from ₹4,500.00 to ₹4,750.00", "Line 3 added: ...",
"Due date changed from 18/11/2026 to 25/11/2026".

Generic over families: a version's own fields are read from its model (money by
field type, dates, state codes), its lines from `items` by position, and its wire
blocks (`sections`) through the labels of `readable`.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import models

from b2bportal import indian

from . import readable

# A version's bookkeeping, not what the document says.
NOT_CONTENT = {"id", "number", "state", "shape", "status", "content_hash", "created_at", "position"}
# Wire blocks shown elsewhere in words, or kept only as received.
NOT_COMPARED_JSON = {"raw", "enkash_details", "sections", "extra"}
STATE_FIELDS = ("state_code", "place_of_supply")
# Lines are named by what a reader recognises them by.
LINE_SUMMARY = ("description", "quantity", "unit", "unit_price", "total_item_value")


@dataclass
class Change:
    """One difference: `subject` changed (or was added, or removed), with both values."""

    kind: str  # "changed", "added", "removed"
    subject: str
    old: str = ""
    new: str = ""

    @property
    def sentence(self) -> str:
        if self.kind == "added":
            return f"{self.subject} added: {self.new}"
        if self.kind == "removed":
            return f"{self.subject} removed: {self.old}"
        return f"{self.subject} changed from {self.old} to {self.new}"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def money_text(value) -> str:
    """₹ with Indian grouping; digits past the paise kept (a unit price of 4 places)."""
    amount = Decimal(value)
    if amount == amount.quantize(Decimal("0.01")):
        return indian.rupees(amount)
    whole = indian.rupees(int(amount))[:-3]
    return whole + "." + f"{abs(amount):f}".split(".")[1].rstrip("0")


def _number_text(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def value_text(field: models.Field, value) -> str:
    """One field's value as a person reads it, by what the field holds."""
    if value is None or value == "":
        return "(none)"
    if isinstance(field, models.DecimalField):
        if field.decimal_places == 2 or "price" in field.name:
            return money_text(value)
        if field.name.endswith("_rate"):
            return f"{_number_text(value)}%"
        return _number_text(value)
    if isinstance(field, models.DateField) and isinstance(value, date):
        return indian.dmy(value)
    if isinstance(field, models.BooleanField):
        return "yes" if value else "no"
    if isinstance(field, models.JSONField):
        return readable.shown(field.name, value) if value else "(none)"
    if field.name.endswith(STATE_FIELDS):
        return indian.state_name(value)
    return str(value)


def _content_fields(model) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if not f.is_relation and f.name not in NOT_CONTENT and f.name not in NOT_COMPARED_JSON
    ]


ACRONYMS = {"gst": "GST", "cgst": "CGST", "sgst": "SGST", "igst": "IGST", "hsn": "HSN"}


def _label(field: models.Field) -> str:
    words = [ACRONYMS.get(word.lower(), word) for word in str(field.verbose_name).split(" ")]
    return _capitalised(" ".join(words))


def _field_changes(old, new, fields, subject=lambda label: label) -> list[Change]:
    changes = []
    for field in fields:
        before, after = getattr(old, field.name), getattr(new, field.name)
        if before != after:
            changes.append(
                Change(
                    "changed",
                    subject(_label(field)),
                    value_text(field, before),
                    value_text(field, after),
                )
            )
    return changes


def _line_summary(item, fields: dict) -> str:
    parts = []
    for name in LINE_SUMMARY:
        if name in fields and getattr(item, name) not in (None, ""):
            parts.append(f"{_label(fields[name])} {value_text(fields[name], getattr(item, name))}")
    return ", ".join(parts)


def _line_changes(old, new) -> list[Change]:
    if not hasattr(old, "items"):
        return []
    before = {item.position: item for item in old.items.all()}
    after = {item.position: item for item in new.items.all()}
    if not before and not after:
        return []
    model = type(next(iter((before or after).values())))
    fields = _content_fields(model)
    by_name = {f.name: f for f in fields}
    changes = []
    for position in sorted(before.keys() | after.keys()):
        if position not in before:
            changes.append(
                Change("added", f"Line {position}", new=_line_summary(after[position], by_name))
            )
        elif position not in after:
            changes.append(
                Change("removed", f"Line {position}", old=_line_summary(before[position], by_name))
            )
        else:
            changes += _field_changes(
                before[position],
                after[position],
                fields,
                subject=lambda label, n=position: f"{label} of line {n}",
            )
    return changes


def _row_name(title: str, index: int, before: list, after: list) -> str:
    """A list block's row by its `type` when it has one ("Other values, IGST"), else number."""
    row = (after if index < len(after) else before)[index]
    kind = row.get("type") if isinstance(row, dict) else None
    return f"{title}, {kind}" if kind else f"{title}, row {index + 1}"


def _block_fields(value) -> dict:
    return value if isinstance(value, dict) else {"value": value}


def _section_changes(old: dict, new: dict) -> list[Change]:
    changes = []
    keys = [k for k in readable.BLOCK_TITLES if k in old or k in new]
    keys += [k for k in list(old) + list(new) if k not in readable.BLOCK_TITLES and k not in keys]
    for key in dict.fromkeys(keys):
        title = readable.BLOCK_TITLES.get(key) or readable.label_of(key)
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if before in (None, {}, []):
            changes.append(Change("added", title, new=readable.described(key, after)))
        elif after in (None, {}, []):
            changes.append(Change("removed", title, old=readable.described(key, before)))
        elif isinstance(before, list) and isinstance(after, list):
            for index in range(max(len(before), len(after))):
                row = _row_name(title, index, before, after)
                if index >= len(before):
                    changes.append(Change("added", row, new=readable.described(key, after[index])))
                elif index >= len(after):
                    changes.append(
                        Change("removed", row, old=readable.described(key, before[index]))
                    )
                else:
                    changes += _dict_changes(
                        _block_fields(before[index]), _block_fields(after[index]), row
                    )
        else:
            changes += _dict_changes(_block_fields(before), _block_fields(after), title)
    return changes


def _dict_changes(before: dict, after: dict, where: str) -> list[Change]:
    changes = []
    names = dict(readable.in_reading_order({**after, **before}))
    for name in names:
        a, b = before.get(name), after.get(name)
        if a != b:
            changes.append(
                Change(
                    "changed",
                    f"{where}: {readable.label_of(name)}",
                    readable.shown(name, a) if a not in (None, "") else "(none)",
                    readable.shown(name, b) if b not in (None, "") else "(none)",
                )
            )
    return changes


def changes(old, new) -> list[Change]:
    """Every difference from version `old` to version `new`: the document's own fields,
    then its lines, then its wire blocks."""
    found = _field_changes(old, new, _content_fields(type(old)))
    found += _line_changes(old, new)
    found += _section_changes(
        getattr(old, "sections", None) or {}, getattr(new, "sections", None) or {}
    )
    return found
