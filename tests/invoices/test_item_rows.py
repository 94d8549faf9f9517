"""Invoices are validated on a quick path: same values and same errors as DRF's own."""

import copy

from rest_framework import serializers

from b2bportal.network.wire import ItemSerializer, QuickListSerializer, QuickSerializer, parse
from invoices.wire import InvoiceItemSerializer, NetworkInvoiceSerializer
from tests.fixtures import invoices as data

ODD_VALUES = [
    None, "", " ", "  padded  ", "x", 0, 1, -1, 1.5, 2.675, -0.0, 1e16, 1e20,
    12345678901234567890, True, False, [], {}, [{}], [None], ("t",), "\t", "line\n",
    "a" * 21, "a" * 501, 'a "quote"', "back\\slash", "nul\x00", "surrogate\ud800",
    "1e5", "NaN", "Infinity", "-0", " 12.5 ", "1,5", "1.23456", "123456789012345678901",
    {"batchNumber": None}, {"batchNumber": "B-1", "expiryDate": 7},
    [{"type": "CGST", "value": 9}], [{"type": "", "value": 1}], [{"value": 1}],
    [{"type": "CGST", "value": "abc"}], [{"name": "finish"}], [{"name": "finish", "value": None}],
    [{"name": "cess", "rate": 1, "amount": "2.5"}],
]  # fmt: skip


def plain_drf(rows, item_serializer=ItemSerializer):
    """What DRF alone makes of the rows: (validated rows, None) or (None, errors)."""
    checked = serializers.ListSerializer(child=item_serializer(), allow_empty=False, data=rows)
    return (checked.validated_data, None) if checked.is_valid() else (None, checked.errors)


def quick(rows):
    checked = ItemSerializer(many=True, allow_empty=False, data=rows)
    assert type(checked) is QuickListSerializer
    return (checked.validated_data, None) if checked.is_valid() else (None, checked.errors)


def exact(value):
    """Values with their types (Decimal('1.50') is not Decimal('1.5') here)."""
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [exact(v) for v in value]
    return type(value).__name__, repr(value)


def test_quick_rows_give_drfs_values_and_errors_for_every_odd_value():
    lines = data.network_invoice()["invoice"]["itemLists"]
    outcomes = {"valid": 0, "refused": 0}
    for field in ItemSerializer().fields:
        for value in ODD_VALUES:
            for index in (0, 1):
                rows = copy.deepcopy(lines)
                rows[index][field] = value
                expected = plain_drf(copy.deepcopy(rows))
                assert exact(quick(rows)) == exact(expected), (field, value)
                outcomes["valid" if expected[1] is None else "refused"] += 1
    assert outcomes["valid"] > 500 and outcomes["refused"] > 500  # both paths exercised


def fields_outcome(method, block):
    """`method` (the quick path's or DRF's) on the invoice block's own fields."""
    try:
        return method(NetworkInvoiceSerializer(), copy.deepcopy(block)), None
    except serializers.ValidationError as refused:
        return None, refused.detail


def paths(value, prefix=()):
    """Every key path of a block, list entries and item rows (tested above) left out."""
    if isinstance(value, dict):
        for key, entry in value.items():
            yield (*prefix, key)
            if key != "itemLists":
                yield from paths(entry, (*prefix, key))


def test_the_invoice_blocks_fields_give_drfs_values_and_errors_for_odd_values():
    block = data.network_invoice()["invoice"]
    outcomes = {"valid": 0, "refused": 0}
    for path in paths(block):
        for value in [*ODD_VALUES[::8], "INV" + "A" * 32, "SENT_TO_BUYER", {"newVersion": 2}]:
            changed = copy.deepcopy(block)
            target = changed
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
            expected = fields_outcome(serializers.Serializer.to_internal_value, changed)
            quick_way = fields_outcome(QuickSerializer.to_internal_value, changed)
            assert exact(quick_way) == exact(expected), (path, value)
            outcomes["valid" if expected[1] is None else "refused"] += 1
    assert outcomes["valid"] > 50 and outcomes["refused"] > 50


def test_an_invoice_parses_to_the_same_content_as_with_drf_alone():
    block = data.network_invoice()["invoice"]
    parsed = parse(NetworkInvoiceSerializer, block, "invoice")
    expected = plain_drf(block["itemLists"], InvoiceItemSerializer)[0]
    assert exact(parsed["itemLists"]) == exact(expected)
