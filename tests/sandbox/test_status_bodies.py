"""The status-change and confirmation bodies of invoices and purchase orders: one
block builder serves all four, each in its own field names and key order."""

import json
import random
from datetime import date

from b2bportal.sandbox import orders, payloads
from b2bportal.sandbox.data import COUNTERPARTIES, OUR_BUSINESSES

DAY = date(2026, 11, 20)
ANSWER = {
    "buyer_b2b_id": "B2B-BUYER",
    "supplier_b2b_id": "B2B-SUPPLIER",
    "object_id": "OBJ1",
    "number": "N/1",
    "version": 2,
    "response": "ACCEPT",
    "remarks": "Fine",
    "current_status": "SENT",
}
COUNTERPARTY_HEAD = (
    '{"device": {"tag": {"name": "GEOCODE", "value": ""}}, '
    '"b2bIds": {"buyerB2BId": "B2B-BUYER", "supplierB2BId": "B2B-SUPPLIER"}, '
)


def test_a_supplier_confirming_our_order_writes_the_po_confirmation_block():
    body = orders.po_confirmation_body(**ANSWER)
    assert json.dumps(body) == COUNTERPARTY_HEAD + (
        '"poConfirmation": {"objectId": "OBJ1", "buyerPONumber": "N/1", '
        '"objectVersion": {"currentVersion": 2, "newVersion": 2}, '
        '"supplierResponse": "ACCEPT", "supplierRemarks": "Fine", '
        '"poStatusTransition": {"currentStatus": "SENT", "newStatus": "ACCEPTED"}}}'
    )


def test_a_buyer_confirming_our_invoice_writes_the_invoice_confirmation_block():
    body = payloads.confirmation_body(**ANSWER, new_status="ACCEPTED")
    assert json.dumps(body) == COUNTERPARTY_HEAD + (
        '"invoiceConfirmation": {"objectId": "OBJ1", "supplierInvoiceNumber": "N/1", '
        '"objectVersion": {"currentVersion": 2, "newVersion": 2}, '
        '"buyerResponse": "ACCEPT", "buyerRemarks": "Fine", '
        '"statusTransition": {"currentStatus": "SENT", "newStatus": "ACCEPTED"}}}'
    )


def test_a_buyer_cancelling_its_order_writes_the_po_status_block():
    draft = orders.draw_purchase_order(
        random.Random(4), COUNTERPARTIES[2], OUR_BUSINESSES[1], today=DAY, sequence=7
    )
    body = orders.po_status_body(draft, "CLOSE", "Delivered")
    assert list(body) == ["device", "b2bIds", "poStatus"]
    assert body["device"] == payloads.device(COUNTERPARTIES[2])
    assert json.dumps(body["poStatus"]) == (
        f'{{"objectId": "{draft.object_id}", "buyerPONumber": "{draft.number}", '
        '"objectVersion": {"currentVersion": 1, "newVersion": 1}, '
        '"buyerAction": "CLOSE", "buyerRemarks": "Delivered", '
        f'"poStatusTransition": {{"currentStatus": "{draft.status}", "newStatus": "CLOSED"}}}}'
    )


def test_a_supplier_cancelling_its_invoice_writes_the_invoice_status_block():
    draft = payloads.draw_invoice(
        random.Random(4), OUR_BUSINESSES[1], COUNTERPARTIES[2], today=DAY, sequence=7
    )
    body = payloads.status_change_body(draft, "CANCEL", "Wrong rate", "CANCELLED")
    assert list(body) == ["device", "b2bIds", "invoiceStatus"]
    assert body["device"] == payloads.device(OUR_BUSINESSES[1])
    assert json.dumps(body["invoiceStatus"]) == (
        f'{{"objectId": "{draft.object_id}", "supplierInvoiceNumber": "{draft.number}", '
        '"objectVersion": {"currentVersion": 1, "newVersion": 1}, '
        '"supplierAction": "CANCEL", "supplierRemarks": "Wrong rate", '
        f'"statusTransition": {{"currentStatus": "{draft.status}", "newStatus": "CANCELLED"}}}}'
    )
