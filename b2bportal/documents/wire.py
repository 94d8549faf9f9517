"""What every family's wire shares beyond the network's own blocks (`network.wire`):
amounts of any precision read and rounded to paise, dates in EnKash's forms, a line of
`itemLists` read into line values (`DocumentLine`) and written back, a party block read
into a document's party columns, a version's numbers checked against their columns.

Money stays `Decimal` both ways: read with any precision and rounded half up to paise
here; written out as `Decimal`, which the outbox encodes as an exact JSON number.
"""

import datetime
import hashlib
import json
import re
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import cache

from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import DecimalField
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from b2bportal.network.envelope import to_json
from b2bportal.network.handling import Rejected
from b2bportal.network.wire import (
    ItemSerializer,
    OtherTaxSerializer,
    StatusTransitionSerializer,
    TypeValueSerializer,
)

ZERO = Decimal("0")
CENT = Decimal("0.01")


# Larger than any column holds (check_columns names the field), small enough to compute.
AMOUNT_LIMIT = Decimal(10) ** 18


def any_amount() -> serializers.DecimalField:
    """An amount of any precision (0.30000000000000004), as a number or a string.

    Rounding to paise is ours (`money`); a rounding that changes a total is a finding.
    """
    return serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        required=False,
        allow_null=True,
        coerce_to_string=False,
        validators=[MaxValueValidator(AMOUNT_LIMIT), MinValueValidator(-AMOUNT_LIMIT)],
    )


class AmountTypeValueSerializer(TypeValueSerializer):
    value = any_amount()


class AmountOtherTaxSerializer(OtherTaxSerializer):
    rate = any_amount()
    amount = any_amount()


class LineSerializer(ItemSerializer):
    """One line of `itemLists` with amounts of any precision (the shared item's names)."""

    quantity = any_amount()
    freeQuantity = any_amount()
    unitPrice = any_amount()
    totalAmt = any_amount()
    assessmentAmount = any_amount()
    gstRate = any_amount()
    totalItemValue = any_amount()
    itemValueDetails = AmountTypeValueSerializer(many=True, required=False)
    rates = AmountTypeValueSerializer(many=True, required=False)
    otherTaxes = AmountOtherTaxSerializer(many=True, required=False)


# Wide enough for any amount the serializers let through: a too-large one is then
# refused by check_columns with its field named, not by an arithmetic error.
WIDE = Context(prec=200)


def money(value) -> Decimal:
    """An amount rounded to paise, half up (our rounding, whatever precision was sent)."""
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP, context=WIDE)


TYPE_ALIASES = {"SGST": ("SGST", "UTGST"), "CESS": ("CESS", "CESS_AMOUNT")}
TAX_TYPES = ("CGST", "SGST", "UTGST", "IGST", "CESS", "CESS_AMOUNT")
LINE_TAXES = ("CGST", "SGST", "IGST", "CESS")
# The line tax each type or name counts towards (aliases included).
TAX_OF = {alias: tax for tax in LINE_TAXES for alias in TYPE_ALIASES.get(tax, (tax,))}


def sums_by_tax(entries, label: str, key: str) -> dict[str, Decimal]:
    """The sums of the entries' `key` (a missing one counts as 0) by the line tax their
    `label` names (`TAX_OF`), added in the entries' order; a tax none names is absent."""
    sums = {}
    for entry in entries or []:
        tax = TAX_OF.get(str(entry.get(label, "")).upper())
        if tax is not None:
            sums[tax] = sums.get(tax, ZERO) + Decimal(entry.get(key) or 0)
    return sums


def stating(taxes, key: str) -> list:
    """The `otherTaxes` entries that state a `key` (an amount or a rate)."""
    return [t for t in taxes or [] if t.get(key) is not None]


# The date forms EnKash's messages use: ISO (with or without a time), day first with
# slashes or dashes, or epoch milliseconds (a number, or digits in a string).
ISO_DATE = re.compile(r"^(\d{1,6})-(\d{1,2})-(\d{1,2})$")
DAY_FIRST = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{1,6})$")
EPOCH_MS = re.compile(r"^-?\d{9,}$")


def read_date(value, path: str) -> datetime.date | None:
    """A wire date as a date (Asia/Kolkata for moments), None when absent.

    A value that is not a date, or names one Python or PostgreSQL cannot hold (year 0,
    year 10000, epoch milliseconds out of range), is the sender's mistake: 400 naming
    `path`.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value  # already a date (a service's caller, not the wire)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Rejected("INVALID_FIELD", "A date must be a string or a number", path)
    text = str(value).strip()
    try:
        if isinstance(value, int | float) or EPOCH_MS.match(text):
            moment = datetime.datetime.fromtimestamp(int(float(text)) / 1000, tz=datetime.UTC)
            return timezone.localtime(moment).date()
        if match := ISO_DATE.match(text):
            year, month, day = match.groups()
        elif match := DAY_FIRST.match(text):
            day, month, year = match.groups()
        else:
            moment = parse_datetime(text)
            if moment is None:
                raise ValueError
            return moment.date() if timezone.is_naive(moment) else timezone.localtime(moment).date()
        return datetime.date(int(year), int(month), int(day))
    except (ValueError, OverflowError, OSError):
        raise Rejected(
            "INVALID_FIELD",
            f"{text[:40]!r} is not a date between 0001-01-01 and 9999-12-31 (yyyy-mm-dd, "
            "dd/mm/yyyy, dd-mm-yyyy or epoch milliseconds)",
            path,
        ) from None


def line_taxes(item: dict) -> dict[str, Decimal] | None:
    """A line's GST amounts by tax, read from `itemValueDetails` (by type) or else from
    `otherTaxes` (by name); None when neither states any (not the same as 0 charged)."""
    by_type = sums_by_tax(item.get("itemValueDetails"), "type", "value")
    by_name = sums_by_tax(stating(item.get("otherTaxes"), "amount"), "name", "amount")
    found = {}
    for tax in LINE_TAXES:
        amount = by_type.get(tax)
        if amount is None:
            amount = by_name.get(tax)
        if amount is not None:
            found[tax] = amount
    return found or None


def line_rates(item: dict) -> dict[str, Decimal]:
    """A line's CGST, SGST and IGST rates, read from `rates` (by type) or else from
    `otherTaxes` (by name); 0 when neither states one."""
    by_type = sums_by_tax(item.get("rates"), "type", "value")
    by_name = sums_by_tax(stating(item.get("otherTaxes"), "rate"), "name", "rate")
    rates = {}
    for tax in ("CGST", "SGST", "IGST"):
        rate = by_type.get(tax)
        rates[tax] = rate if rate is not None else (by_name.get(tax) or ZERO)
    return rates


def tax_missing(position: int, where: str, rate) -> tuple:
    """The finding for a line whose GST rate is stated but whose tax is not."""
    return (
        "TAX_MISSING",
        where,
        f"Line {position}: tax not stated (no CGST, SGST, IGST or CESS in itemValueDetails "
        f"or otherTaxes) for a {rate}% GST rate",
    )


def network_item(item: dict, position: int, taxes: dict[str, Decimal] | None) -> dict:
    """A validated `itemLists` entry as line field values (`DocumentLine`); `taxes`: its
    `line_taxes`."""
    taxes = taxes or {}
    rates = line_rates(item)
    gross = item.get("totalAmt")
    if gross is None:
        gross = Decimal(item.get("quantity") or 0) * Decimal(item.get("unitPrice") or 0)
    assessable = item.get("assessmentAmount")
    return {
        "position": position,
        "serial_no": item.get("serialno") or str(position),
        "description": item.get("productDescription") or "",
        "is_service": str(item.get("isService") or "").strip().upper() in ("Y", "YES", "TRUE", "1"),
        "hsn_code": item.get("hsnCode") or "",
        "bar_code": item.get("barCode") or "",
        "quantity": Decimal(item.get("quantity") or 0),
        "free_quantity": Decimal(item.get("freeQuantity") or 0),
        "unit": item.get("unit") or "",
        "unit_price": Decimal(item.get("unitPrice") or 0),
        "gross_amount": money(gross),
        "assessable_amount": money(gross if assessable is None else assessable),
        "gst_rate": Decimal(item.get("gstRate") or 0),
        "cgst_rate": rates["CGST"],
        "sgst_rate": rates["SGST"],
        "igst_rate": rates["IGST"],
        "cgst_amount": money(taxes.get("CGST")),
        "sgst_amount": money(taxes.get("SGST")),
        "igst_amount": money(taxes.get("IGST")),
        "cess_amount": money(taxes.get("CESS")),
        "total_item_value": money(item.get("totalItemValue")),
        "order_line_reference": item.get("orderLineReference") or "",
        "origin_country": item.get("originCountry") or "",
        "product_serial_number": item.get("productSerialNumber") or "",
        "extra": to_json(
            {k: item[k] for k in ("batchDetails", "attributeDetails", "otherTaxes") if item.get(k)}
        ),
    }


# GST state codes by the letters vehicle registrations and e-way bills use: a sender may
# write "MH" where the network's field means "27".
STATE_LETTERS = {
    "JK": "01", "HP": "02", "PB": "03", "CH": "04", "UK": "05", "UT": "05", "HR": "06",
    "DL": "07", "RJ": "08", "UP": "09", "BR": "10", "SK": "11", "AR": "12", "NL": "13",
    "MN": "14", "MZ": "15", "TR": "16", "ML": "17", "AS": "18", "WB": "19", "JH": "20",
    "OR": "21", "OD": "21", "CG": "22", "CT": "22", "MP": "23", "GJ": "24", "DD": "26",
    "DN": "26", "MH": "27", "KA": "29", "GA": "30", "LD": "31", "KL": "32", "TN": "33",
    "PY": "34", "AN": "35", "TS": "36", "TG": "36", "AP": "37", "LA": "38",
}  # fmt: skip


def state_code(value: str | None) -> str:
    """A state as its two-digit GST code ("27" or "MH" both give "27"; "7" gives "07")."""
    text = (value or "").strip().upper()
    if text.isdigit():
        return text.zfill(2)
    return STATE_LETTERS.get(text, text)


def party_columns(side: str, fields: dict) -> dict:
    return {
        f"{side}_b2b_id": fields["b2b_id"],
        f"{side}_gstin": fields["gstin"],
        f"{side}_legal_name": fields["legal_name"],
        f"{side}_trade_name": fields["trade_name"],
        f"{side}_state_code": state_code(fields["state_code"]),
        f"{side}_address": fields["address"],
        f"{side}_contact": {k: fields[k] for k in ("email", "phone") if fields[k]},
    }


def rounding_checks(totals: dict) -> list[tuple]:
    """Totals sent finer than paise whose rounding to paise changed them."""
    found = []
    for where, value in totals.items():
        if value is not None and money(value) != Decimal(value):
            found.append(
                (
                    "ROUNDING",
                    where,
                    f"{where.split('.')[-1]} {value} rounded to {money(value)}",
                )
            )
    return found


# The wire name of each line column, to name a number too large for it.
NETWORK_ITEM_NAMES = {
    "quantity": "quantity", "free_quantity": "freeQuantity", "unit_price": "unitPrice",
    "gross_amount": "totalAmt", "assessable_amount": "assessmentAmount", "gst_rate": "gstRate",
    "cgst_rate": "rates", "sgst_rate": "rates", "igst_rate": "rates",
    "cgst_amount": "itemValueDetails", "sgst_amount": "itemValueDetails",
    "igst_amount": "itemValueDetails", "cess_amount": "itemValueDetails",
    "total_item_value": "totalItemValue",
}  # fmt: skip


@cache
def column_limits(model) -> tuple[tuple[str, Decimal], ...]:
    """(name, the smallest number too large for it) of each decimal column of `model`:
    10 to the power of the digits it holds before the point."""
    return tuple(
        (field.name, Decimal(10) ** (field.max_digits - field.decimal_places))
        for field in model._meta.concrete_fields
        if isinstance(field, DecimalField)
    )


def too_big(value, limit: Decimal) -> bool:
    """True when `value`, rounded to the column's places, has more digits than it holds."""
    return value is not None and abs(Decimal(value)) >= limit


def check_columns(content: dict, version_model, line_model, *, block: str) -> None:
    """Refuse content whose numbers do not fit their columns (the sender's mistake, 400
    naming the JSON path it came from) before anything is written.

    `content["wire_paths"]` maps a column to the path its number came from, and
    "items" to (the lines' path, {column: wire name}); `block` is the document block.
    """
    paths = content.get("wire_paths") or {}
    for name, limit in column_limits(version_model):
        if too_big(content.get(name), limit):
            path = paths.get(name, block)
            raise Rejected("INVALID_FIELD", f"{content[name]} is too large", path)
    lines_at, names = paths.get("items", (f"{block}.itemLists", NETWORK_ITEM_NAMES))
    line_limits = column_limits(line_model)
    for index, item in enumerate(content.get("items") or []):
        for name, limit in line_limits:
            if too_big(item.get(name), limit):
                path = f"{lines_at}[{index}].{names.get(name, name)}"
                raise Rejected("INVALID_FIELD", f"{item[name]} is too large", path)


def wire_amount(value) -> Decimal:
    """Money for the wire: a `Decimal` in paise, written out as an exact JSON number."""
    return money(value)


def figure(value) -> Decimal:
    """A quantity or rate for the wire: the stored `Decimal` as it is (a float would not be)."""
    return ZERO if value is None else Decimal(value)


def party_values(version, side: str) -> dict:
    return {
        "b2b_id": getattr(version, f"{side}_b2b_id"),
        "gstin": getattr(version, f"{side}_gstin"),
        "legal_name": getattr(version, f"{side}_legal_name"),
        "trade_name": getattr(version, f"{side}_trade_name"),
        "state_code": getattr(version, f"{side}_state_code"),
        "address": getattr(version, f"{side}_address"),
    }


# -- outbound: a version's lines and taxes as the network writes them --------------


def line_blocks(version) -> list[dict]:
    """The `itemLists` of one of our versions, money as `Decimal` in paise."""
    items = []
    for item in version.items.all():
        details = [
            {"type": t.upper(), "value": wire_amount(getattr(item, f"{t}_amount"))}
            for t in ("cgst", "sgst", "igst", "cess")
            if getattr(item, f"{t}_amount")
        ]
        rates = [
            {"type": t.upper(), "value": figure(getattr(item, f"{t}_rate"))}
            for t in ("cgst", "sgst", "igst")
            if getattr(item, f"{t}_rate")
        ]
        items.append(
            {
                "serialno": item.serial_no,
                "productDescription": item.description,
                "isService": "Y" if item.is_service else "N",
                "hsnCode": item.hsn_code,
                "quantity": figure(item.quantity),
                "unit": item.unit,
                "unitPrice": figure(item.unit_price),
                "totalAmt": wire_amount(item.gross_amount),
                "assessmentAmount": wire_amount(item.assessable_amount),
                "gstRate": figure(item.gst_rate),
                "totalItemValue": wire_amount(item.total_item_value),
                "itemValueDetails": details,
                "rates": rates,
            }
        )
    return items


def tax_values(version) -> list[dict]:
    """The version's taxes as `otherValues` `{type, value}` entries (those charged)."""
    return [
        {"type": t.upper(), "value": wire_amount(getattr(version, f"{t}_amount"))}
        for t in ("cgst", "sgst", "igst", "cess")
        if getattr(version, f"{t}_amount")
    ]


# -- inbound: a network document's lines and values ---------------------------------


def network_lines(entries: list[dict]) -> tuple[list[dict], list[tuple]]:
    """Validated `itemLists` entries as line values, and the findings of reading them
    (a GST rate stated without its tax)."""
    items, arrival = [], []
    for n, item in enumerate(entries, start=1):
        taxes = line_taxes(item)
        items.append(network_item(item, n, taxes))
        if item.get("gstRate") and taxes is None:
            arrival.append(tax_missing(n, f"itemLists[{n - 1}]", item.get("gstRate")))
    return items, arrival


def value_columns(
    values: dict, items: list[dict], *, values_key: str, total_key: str
) -> tuple[dict, list[tuple]]:
    """A validated value block (`valueDetails`, `poValueDetails`) as the document's
    value columns, and the findings of rounding its totals to paise.

    A tax the block's `otherValues` does not state is the sum of the lines'; so is the
    assessable value. Other `otherValues` entries are other charges.
    """
    arrival = rounding_checks(
        {
            f"{values_key}.assessmentValue": values.get("assessmentValue"),
            f"{values_key}.{total_key}": values.get(total_key),
        }
    )
    others = values.get("otherValues") or []
    assessable = values.get("assessmentValue")
    columns = {
        "assessable_value": money(
            assessable
            if assessable is not None
            else sum((i["assessable_amount"] for i in items), ZERO)
        ),
        "total_value": money(values.get(total_key)),
        "other_charges": money(
            sum(
                (
                    Decimal(o.get("value") or 0)
                    for o in others
                    if str(o.get("type", "")).upper() not in TAX_TYPES
                ),
                ZERO,
            )
        ),
    }
    stated = sums_by_tax(others, "type", "value")
    for tax in LINE_TAXES:
        given = stated.get(tax)
        summed = sum((i[f"{tax.lower()}_amount"] for i in items), ZERO)
        columns[f"{tax.lower()}_amount"] = money(summed if given is None else given)
    return columns, arrival


def named_b2b_ids(content: dict, b2b_ids: dict, block: str) -> None:
    """Take the parties' B2B IDs from `b2bIds`, refusing a party block that names another.

    (A document's parties are who the message is between: `b2bIds`.)"""
    for side, path in (("supplier", "supplierB2BId"), ("buyer", "buyerB2BId")):
        named, carried = content[f"{side}_b2b_id"], b2b_ids[path]
        if named and named != carried:
            raise Rejected(
                "INVALID_FIELD",
                f"{side} B2B ID {named} differs from b2bIds.{path} {carried}",
                f"{block}.{side}Details.b2bId",
            )
        content[f"{side}_b2b_id"] = carried


def content_digest(content: dict, keys: tuple[str, ...]) -> str:
    """A digest of `content`'s `keys` that makes two deliveries 'the same version
    content' (amounts compared by value: 68.4 and 68.40 are the same)."""

    data = {k: content.get(k) for k in keys}
    encoded = json.dumps(data, sort_keys=True, cls=DigestEncoder).encode()
    return hashlib.sha256(encoded).hexdigest()


class DigestEncoder(DjangoJSONEncoder):
    """Amounts as the text of their value, without trailing zeros (68.40 as "68.4")."""

    def default(self, o):
        if isinstance(o, Decimal):
            return format(o.normalize(), "f")
        return super().default(o)


def status_validator(statuses, family: str):
    """A validator refusing a status that is not one of the family's `statuses` (blank
    passes: a missing `currentStatus` is the serializer's to judge)."""

    def validate_status(value: str) -> str:
        if value and value not in statuses.values:
            raise serializers.ValidationError(f"Unknown {family} status {value!r}.")
        return value

    return validate_status


def transition_serializer(validate_status, name: str) -> type[StatusTransitionSerializer]:
    """A family's status transition block: both statuses pass `validate_status`."""
    fields = {
        "currentStatus": serializers.CharField(
            max_length=64, required=False, allow_blank=True, validators=[validate_status]
        ),
        "newStatus": serializers.CharField(max_length=64, validators=[validate_status]),
        "__doc__": f"A status transition whose statuses must be {name} statuses.",
    }
    class_name = name.title().replace(" ", "") + "TransitionSerializer"
    return type(StatusTransitionSerializer)(class_name, (StatusTransitionSerializer,), fields)
