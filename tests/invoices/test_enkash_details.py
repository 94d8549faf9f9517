"""EnKash's internal invoice (seeds 001/003): keyed by EnKash's id until the network
numbers it, every documented field kept and shown under "EnKash details"."""

import re
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from b2bportal.access.services import issue_token
from b2bportal.network.handling import Rejected
from b2bportal.network.models import OutboundMessage
from invoices import services
from invoices.models import Invoice
from tests.fixtures import invoices as data

from .conftest import SEND, detail

PAYMENTS = [
    {
        "paymentId": "PMT" + "Q2W3E4R5T6Y7U8I9O0P1A2S3D4F5G6H7",
        "amount": 10000,
        "utr": "HDFCN26111800412",
        "status": "SUCCESS",
    }
]
DOCUMENTED = {
    "tds": 432.0,
    "amountPaidTillNow": 10000,
    "amountToBePaidToVendor": "15056.00",
    "surcharge": 12.5,
    "surchargeGst": 2.25,
    "mdr": 38.23,
    "mdrGst": 6.88,
    "penalty": 0,
    "invoiceStatus": "PARTIAL_PAID",
    "nbblPayments": PAYMENTS,
    "billStartDate": "2026-11-01",
    "billEndDate": "2026-11-30",
    "purchaseNo": "KEW-PR-2026-0411",
    "ponumber": "KEW-2026-0193",
    "paymentAdviceUrl": "https://advice.enkash.example/a/88412.pdf",
}


def _internal(**changes) -> dict:
    body = data.internal_invoice()
    body["invoice"].update(changes)
    return body


def test_an_internal_invoice_without_network_id_is_keyed_by_enkash_id_then_joined(webhook):
    first = _internal()
    del first["invoice"]["nbblInvoiceId"]

    assert webhook(SEND, first).status_code == 200

    invoice = Invoice.objects.get()
    assert (invoice.object_id, invoice.enkash_id, invoice.version) == ("ENKASH-88412", 88412, 1)

    response = webhook(SEND, _internal())  # the same invoice, now with the network's id

    assert response.status_code == 200, response.content
    invoice = Invoice.objects.get()  # joined, not a second invoice
    assert (invoice.object_id, invoice.enkash_id, invoice.version) == (data.OBJECT_ID, 88412, 1)
    assert invoice.versions.count() == 1
    assert OutboundMessage.objects.count() == 0


def test_an_internal_invoice_needs_a_network_id_or_enkash_id(webhook):
    body = _internal()
    del body["invoice"]["nbblInvoiceId"], body["invoice"]["id"]

    response = webhook(SEND, body)

    assert response.status_code == 400
    resp = response.json()["payload"]["resp"]
    assert (resp["errorCd"], resp["errorField"]) == ("INVALID_FIELD", "invoice.nbblInvoiceId")
    assert Invoice.objects.count() == 0


def test_the_supplier_invoice_number_is_optional(webhook):
    body = _internal(vendorInvoiceRefNo="SGS-V-7781")
    del body["invoice"]["supplierInvoiceNo"], body["invoice"]["invoiceNumber"]

    assert webhook(SEND, body).status_code == 200

    assert Invoice.objects.get().supplier_invoice_number == "SGS-V-7781"


def test_every_documented_internal_field_is_kept_shown_and_served(webhook, login, staff):
    assert webhook(SEND, _internal(**DOCUMENTED)).status_code == 200
    invoice = Invoice.objects.get()
    kept = invoice.current_version.enkash_details
    for name, value in DOCUMENTED.items():
        assert kept[name] == value, name
    assert (kept["id"], kept["approvalStatus"], kept["einvoice"]) == (
        88412,
        "MAKER_APPROVAL_PENDING",
        True,
    )

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(staff['reviewer']).key}")
    served = client.get(f"/api/invoices/{invoice.pk}/").json()["enkash_details"]
    assert served["tds"] == 432.0
    assert served["amount_to_be_paid_to_vendor"] == "15056.00"
    assert served["nbbl_payments"] == PAYMENTS
    assert (served["bill_start_date"], served["ponumber"], served["purchase_no"]) == (
        "2026-11-01",
        "KEW-2026-0193",
        "KEW-PR-2026-0411",
    )

    html = login("reviewer").get(detail(invoice)).content.decode()
    section = html[html.index('id="enkash-details"') :]
    section = section[: section.index("</section>")]
    shown = {
        key: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", value)).strip()
        for key, value in re.findall(r'<dd id="enkash-([a-z_]+)">(.*?)</dd>', section, re.S)
    }
    assert shown["tds"] == "₹ 432.00"
    assert shown["amount_paid_till_now"] == "₹ 10,000.00"
    assert shown["amount_to_be_paid_to_vendor"] == "₹ 15,056.00"
    assert shown["penalty"] == "₹ 0.00"
    assert shown["invoice_status"] == "PARTIAL_PAID"
    assert shown["nbbl_payments"].startswith("1 entry")
    assert shown["bill_end_date"] == "2026-11-30"
    assert shown["payment_advice_url"] == "https://advice.enkash.example/a/88412.pdf"
    assert 'href="https://advice.enkash.example/a/88412.pdf"' in section
    assert "<dt" in section and "Amount to be paid to vendor" in section
    assert invoice.total_value == Decimal("25488.00")


def test_an_invoice_the_network_has_not_numbered_cannot_be_decided_yet(webhook, staff):
    body = _internal()
    del body["invoice"]["nbblInvoiceId"]
    webhook(SEND, body)
    invoice = Invoice.objects.get()
    before = (invoice.status, invoice.version, invoice.status_changes.count())

    with pytest.raises(Rejected) as refused:
        services.confirm(invoice, "ACCEPT", "Goods received", actor=staff["reviewer"])

    assert (refused.value.code, refused.value.field) == ("INVALID_TRANSITION", "object_id")

    invoice.refresh_from_db()
    assert (invoice.status, invoice.version, invoice.status_changes.count()) == before
    assert OutboundMessage.objects.count() == 0
