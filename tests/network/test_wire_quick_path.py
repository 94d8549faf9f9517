"""The wire's quick path (lines of `itemLists`) reads what DRF's own fields would read,
and leaves to DRF what DRF refuses, so the refusal names the same field and says the
same."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2bportal.network.wire import _QUICK_FIELDS, ItemSerializer
from invoices.wire import NetworkInvoiceSerializer
from purchase_orders.wire import PurchaseOrderSerializer
from tests.fixtures import invoices as invoice_data
from tests.purchase_orders import data as po_data

amounts = st.one_of(
    st.integers(min_value=-(10**22), max_value=10**22),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.decimals(allow_nan=False, allow_infinity=False, places=6).map(str),
)


def drf_reading(value):
    """What DRF's own field makes of the value: (True, Decimal) or (False, message)."""
    field = ItemSerializer().fields["unitPrice"]
    try:
        return True, field.run_validation(value)
    except Exception as refused:  # DRF's ValidationError
        return False, str(refused.detail[0])


def lines_read(*lines: dict):
    """`itemLists` read as the invoice's serializer reads it (the quick path first)."""
    serializer = ItemSerializer(data=list(lines), many=True)
    if serializer.is_valid():
        return True, serializer.validated_data
    return False, serializer.errors


@settings(max_examples=400, deadline=None)
@given(amounts)
def test_an_amount_reads_as_drf_reads_it(value):
    expected_ok, expected = drf_reading(value)
    ok, read = lines_read({"quantity": 1}, {"unitPrice": value, "quantity": 2.5})
    assert ok == expected_ok
    if not ok:
        assert read == {1: {"unitPrice": [expected]}}
        return
    assert read[1]["unitPrice"] == expected
    assert str(read[1]["unitPrice"]) == str(expected)  # the same places, not only the value
    assert [str(line["quantity"]) for line in read] == ["1.0000", "2.5000"]


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        (1e16, "Ensure that there are no more than 16 digits before the decimal point."),
        (0.00001, "Ensure that there are no more than 4 decimal places."),
        (12345678901234567890123, "Ensure that there are no more than 20 digits in total."),
    ],
)
def test_out_of_range_amounts_are_refused_with_drfs_message(value, detail):
    assert lines_read({"unitPrice": value}) == (False, {0: {"unitPrice": [detail]}})


def test_amounts_read_to_four_places():
    ok, read = lines_read({"unitPrice": 68.4, "quantity": 10, "totalAmt": "684.00"})
    assert ok
    assert [str(read[0][name]) for name in ("unitPrice", "quantity", "totalAmt")] == [
        "68.4000", "10.0000", "684.0000",
    ]  # fmt: skip
    assert isinstance(read[0]["unitPrice"], Decimal)


@pytest.mark.parametrize("family", ["invoice", "purchase_order"])
def test_a_whole_document_reads_the_same_on_the_quick_path_as_through_drf(family):
    if family == "invoice":
        serializer, block = NetworkInvoiceSerializer, invoice_data.network_invoice()["invoice"]
    else:
        serializer, block = PurchaseOrderSerializer, po_data.purchase_order()["purchaseOrder"]
    block["orderDate"] = "20/11/2026"  # kept as sent: dates are read later, in several forms
    quick = serializer(data=block)
    through_drf = serializer(data=block, partial=True)  # partial: DRF's own path throughout
    assert quick.is_valid() and through_drf.is_valid()
    assert quick.validated_data == through_drf.validated_data
    assert _QUICK_FIELDS[serializer] is not None  # the quick path did read it
