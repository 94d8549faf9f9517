"""Findings on received versions: each check firing, and staying quiet on a clean invoice."""

import pytest

from b2bportal.parties.gstin import make_gstin
from invoices.models import Invoice
from tests.fixtures import invoices as data

from .conftest import SEND


def findings_of(webhook, body) -> list[tuple[str, str]]:
    response = webhook(SEND, body)
    assert response.status_code == 200, response.content
    invoice = Invoice.objects.get(object_id=body["invoice"]["objectId"])
    found = list(invoice.current_version.findings.values_list("code", "field"))
    assert invoice.finding_count == len(found)
    return found


@pytest.mark.parametrize("intra", [False, True])
def test_clean_invoice_has_no_findings(webhook, intra):
    assert findings_of(webhook, data.network_invoice(intra=intra)) == []


def test_line_amount(webhook):
    body = data.network_invoice()
    body["invoice"]["itemLists"][0]["totalAmt"] = 17000.00
    assert ("LINE_AMOUNT", "itemLists[0]") in findings_of(webhook, body)


def test_line_tax(webhook):
    body = data.network_invoice()
    body["invoice"]["itemLists"][1]["itemValueDetails"] = [{"type": "IGST", "value": 540.00}]
    found = findings_of(webhook, body)
    assert ("LINE_TAX", "itemLists[1]") in found
    assert ("LINE_AMOUNT", "itemLists[1]") not in found


def test_totals(webhook):
    body = data.network_invoice()
    body["invoice"]["valueDetails"]["totalInvoiceValue"] = 26488.00
    assert findings_of(webhook, body) == [("TOTALS", "valueDetails.totalInvoiceValue")]


def test_totals_tolerate_round_off(webhook):
    body = data.network_invoice()
    body["invoice"]["valueDetails"]["totalInvoiceValue"] = 25488.40
    assert findings_of(webhook, body) == []


def test_igst_on_intra_state_supply(webhook):
    body = data.network_invoice()
    body["invoice"]["buyerDetails"]["placeOfSupply"] = "27"  # delivered in Maharashtra
    assert findings_of(webhook, body) == [("TAX_TYPE", "valueDetails")]


def test_cgst_sgst_on_inter_state_supply(webhook):
    body = data.network_invoice(intra=True)
    body["invoice"]["buyerDetails"]["placeOfSupply"] = "33"  # Tamil Nadu
    assert findings_of(webhook, body) == [("TAX_TYPE", "valueDetails")]


def test_gstin_format(webhook):
    body = data.network_invoice()
    body["invoice"]["supplierDetails"]["gstin"] = "27AAFCS7788"
    assert findings_of(webhook, body) == [("GSTIN_FORMAT", "supplierDetails.gstin")]


def test_gstin_check_digit(webhook):
    body = data.network_invoice()
    good = data.SUPPLIER_GSTIN
    body["invoice"]["supplierDetails"]["gstin"] = good[:14] + ("A" if good[14] != "A" else "B")
    assert findings_of(webhook, body) == [("GSTIN_CHECK_DIGIT", "supplierDetails.gstin")]


def test_gstin_state_prefix(webhook):
    body = data.network_invoice()
    body["invoice"]["supplierDetails"]["gstin"] = make_gstin("24", "AAFCS7788Q")  # Gujarat
    assert findings_of(webhook, body) == [("GSTIN_STATE", "supplierDetails.stateCode")]


def test_buyer_not_ours(webhook):
    body = data.network_invoice()
    body["invoice"]["buyerDetails"]["gstin"] = make_gstin("29", "AAACZ9999K")
    assert findings_of(webhook, body) == [("BUYER_NOT_OURS", "buyerDetails")]


def test_duplicate_supplier_invoice_number(webhook):
    assert findings_of(webhook, data.network_invoice()) == []
    again = data.network_invoice(object_id=data.OTHER_OBJECT_ID)
    assert findings_of(webhook, again) == [("DUPLICATE_NUMBER", "supplierInvoiceNumber")]
    other_number = data.network_invoice(object_id="INV" + "Z" * 32, number="SGST/26-27/0459")
    assert findings_of(webhook, other_number) == []


def test_due_before_invoice_date(webhook):
    body = data.network_invoice()
    body["invoice"]["paymentMilestones"] = [{"milestoneDate": "2026-11-10", "dueAmount": 25488}]
    assert findings_of(webhook, body) == [("DUE_BEFORE_INVOICE", "dueDate")]
