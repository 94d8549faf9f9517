"""What a received purchase order may have wrong with it, found one by one.

A clean order has no findings; each mistake gives exactly its finding, where it is.
The checks shared with invoices (arithmetic, totals, tax type, GSTINs) are the
document layer's; the order's own are its number used twice and its dates.
"""

import pytest

from b2bportal.parties.gstin import make_gstin
from purchase_orders.models import PurchaseOrder

from . import data
from .conftest import SEND

pytestmark = pytest.mark.django_db


def findings(webhook, body) -> list[tuple]:
    response = webhook(SEND, body)
    assert response.status_code == 200, response.content
    po = PurchaseOrder.objects.get(object_id=body["purchaseOrder"]["objectId"])
    found = list(po.current_version.findings.order_by("id").values_list("code", "field", "message"))
    assert po.finding_count == len(found)
    return found


def test_a_clean_order_has_no_findings(webhook, business):
    assert findings(webhook, data.purchase_order()) == []


def test_a_line_amount_that_is_not_quantity_times_price(webhook, business):
    body = data.purchase_order()
    body["purchaseOrder"]["itemLists"][0]["unitPrice"] = 1900.0  # 40 x 1900 = 76000, not 74000
    assert findings(webhook, body) == [
        ("LINE_AMOUNT", "itemLists[0]", "Line 1: 40.0000 x 1900.0000 = 76000.00, not 74000.00")
    ]


def test_a_line_tax_that_is_not_its_rate(webhook, business):
    body = data.purchase_order()
    line = body["purchaseOrder"]["itemLists"][1]
    line["itemValueDetails"] = [{"type": "IGST", "value": 1000.0}]
    line["totalItemValue"] = 7000.0
    found = findings(webhook, body)
    assert found[0] == (
        "LINE_TAX",
        "itemLists[1]",
        "Line 2: 18.000% of 6000.00 = 1080.00, taxes charged 1000.00",
    )
    # the order's IGST and total (14400, 94400) are no longer the lines' sums (14320, 94320)
    assert found[1:] == [
        ("TOTALS", "poValueDetails.igst_amount", "igst amount 14400.00 but lines sum to 14320.00"),
        (
            "TOTALS",
            "poValueDetails.totalPOValue",
            "Total 94400.00 but lines, taxes and charges sum to 94320.00",
        ),
    ]


def test_a_total_that_is_not_the_lines_sum(webhook, business):
    body = data.purchase_order()
    body["purchaseOrder"]["poValueDetails"]["totalPOValue"] = 95400.0
    assert findings(webhook, body) == [
        (
            "TOTALS",
            "poValueDetails.totalPOValue",
            "Total 95400.00 but lines, taxes and charges sum to 94400.00",
        )
    ]


def test_cgst_on_an_inter_state_order(webhook, business):
    body = data.purchase_order()
    order = body["purchaseOrder"]
    for line in order["itemLists"]:
        half = line["itemValueDetails"][0]["value"] / 2
        line["itemValueDetails"] = [
            {"type": "CGST", "value": half},
            {"type": "SGST", "value": half},
        ]
    order["poValueDetails"]["otherValues"] = [
        {"type": "CGST", "value": 7200.0},
        {"type": "SGST", "value": 7200.0},
    ]
    assert findings(webhook, body) == [
        ("TAX_TYPE", "poValueDetails", "CGST/SGST on an inter-state supply (29 to 33)")
    ]


def test_a_gstin_with_a_wrong_check_digit(webhook, business):
    body = data.purchase_order()
    good = data.BUYER_GSTIN
    wrong = good[:14] + ("A" if good[14] != "A" else "B")
    body["purchaseOrder"]["buyerDetails"]["gstin"] = wrong
    assert findings(webhook, body) == [
        (
            "GSTIN_CHECK_DIGIT",
            "buyerDetails.gstin",
            f"Buyer GSTIN {wrong}: check digit should be {good[14]}",
        )
    ]


def test_a_malformed_gstin_and_one_of_another_state(webhook, business):
    body = data.purchase_order()
    body["purchaseOrder"]["buyerDetails"]["gstin"] = "33ABC"
    other_state = make_gstin("27", "AAFCS7788Q")
    body["purchaseOrder"]["supplierDetails"]["gstin"] = other_state
    assert findings(webhook, body) == [
        (
            "GSTIN_STATE",
            "supplierDetails.stateCode",
            f"Supplier GSTIN {other_state} is from state 27, state code says 29",
        ),
        ("GSTIN_FORMAT", "buyerDetails.gstin", "Buyer GSTIN 33ABC is malformed"),
    ]


def test_a_delivery_date_before_the_order_date(webhook, business):
    body = data.purchase_order()
    body["purchaseOrder"]["deliveryDate"] = "15/11/2026"
    assert findings(webhook, body) == [
        (
            "DELIVERY_BEFORE_ORDER",
            "deliveryDate",
            "Delivery 2026-11-15 before order date 2026-11-20",
        )
    ]


def test_a_po_number_the_buyer_already_used(webhook, business):
    first = data.purchase_order()
    assert findings(webhook, first) == []
    again = data.purchase_order(object_id="POR" + "8" * 32)
    assert findings(webhook, again) == [
        (
            "DUPLICATE_NUMBER",
            "buyerPONumber",
            f"Number AM/PO/26-27/0311 already on {data.OBJECT_ID}",
        )
    ]


def test_a_rate_without_its_tax_is_said_so_not_called_a_wrong_tax(webhook, business):
    body = data.purchase_order()
    line = body["purchaseOrder"]["itemLists"][1]
    del line["itemValueDetails"]
    found = findings(webhook, body)
    assert found[0] == (
        "TAX_MISSING",
        "itemLists[1]",
        "Line 2: tax not stated (no CGST, SGST, IGST or CESS in itemValueDetails or "
        "otherTaxes) for a 18% GST rate",
    )
    assert "LINE_TAX" not in [code for code, *_ in found]


def test_a_total_sent_finer_than_paise_is_rounded_and_said_so(webhook, business):
    body = data.purchase_order()
    body["purchaseOrder"]["poValueDetails"]["totalPOValue"] = 94400.004
    assert findings(webhook, body) == [
        ("ROUNDING", "poValueDetails.totalPOValue", "totalPOValue 94400.004 rounded to 94400.00")
    ]
