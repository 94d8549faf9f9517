"""Purchase orders end to end, with the app server, the worker and the sandbox over real
HTTP: a buyer's order arrives and we confirm it; our own order goes out, its supplier
accepts it and invoices against it, the invoice is matched to the order and we accept
it, and an invoice beyond what remains carries its findings. Refusals of the REST API
change nothing and send nothing."""

import random
from datetime import date
from decimal import Decimal

import httpx
import pytest

from b2bportal.network.models import InboundMessage, OutboundMessage
from b2bportal.sandbox import orders, scenarios
from b2bportal.sandbox.data import COUNTERPARTIES, OUR_BUSINESSES
from invoices.models import Invoice
from purchase_orders.models import PurchaseOrder
from tests.live import wait_until

DAY = date(2026, 11, 20)
CONFIRM = "/api/v0/purchase-order/req-confirm"

pytestmark = pytest.mark.django_db(transaction=True)


def settled(model, object_id: str):
    """The document once nothing of ours about it awaits the network."""
    document = model.objects.filter(object_id=object_id).first()
    return document if document and document.pending_message_id is None else None


def rest(stack) -> httpx.Client:
    return httpx.Client(
        base_url=stack.app_url,
        headers={"Authorization": f"Token {stack.admin_token}"},
        timeout=15,
    )


def decide(browser, page: str, action: str, version: int, response="ACCEPT", remarks="Fine"):
    answer = browser.post_form(
        page, action, {"response": response, "remarks": remarks, "version": version}
    )
    assert answer.status_code == 302


def test_a_buyers_order_is_confirmed_in_the_admin_and_the_network_closes_the_loop(world, browser):
    draft = orders.draw_purchase_order(
        random.Random(21), COUNTERPARTIES[2], OUR_BUSINESSES[1], today=DAY, sequence=21
    )
    world.enkash.network.deliver(scenarios.Step(scenarios.PO_SEND, draft))
    order = wait_until(
        lambda: PurchaseOrder.objects.filter(object_id=draft.object_id).first(), stack=world
    )
    assert (order.role, order.status, order.version) == ("supplier", "SENT_TO_SUPPLIER", 1)
    assert order.total_value == draft.total
    # Refused over HTTP: a stale version (409) and a bad response (400); nothing is sent.
    with rest(world) as api:
        stale = api.post(
            f"/api/purchase-orders/{order.pk}/confirm/",
            json={"response": "ACCEPT", "remarks": "Fine", "version": 0},
        )
        bad = api.post(
            f"/api/purchase-orders/{order.pk}/confirm/",
            json={"response": "MAYBE", "remarks": "Fine", "version": 1},
        )
    assert (stale.status_code, stale.json()["code"]) == (409, "STALE_VERSION")
    assert (bad.status_code, bad.json()["field"]) == (400, "response")
    assert not OutboundMessage.objects.exists()
    assert not world.enkash.server.received
    page = f"/admin/purchase_orders/purchaseorder/{order.pk}/change/"
    reviewer = browser("reviewer")
    decide(
        reviewer,
        page,
        f"/admin/purchase_orders/purchaseorder/{order.pk}/decide/",
        1,
        remarks="Accepted, dispatch as scheduled",
    )
    order = wait_until(lambda: settled(PurchaseOrder, draft.object_id), stack=world)
    assert (order.status, order.version, order.last_error_code) == ("ACCEPTED", 1, "")
    [outbound] = OutboundMessage.objects.filter(object_id=draft.object_id)
    assert (outbound.message_type, outbound.state, outbound.result) == (
        "purchase_order.confirm",
        "answered",
        "SUCCESS",
    )
    delivered = [r for r in world.enkash.server.received if r.path == CONFIRM]
    assert [(r.status, r.req_msg_id) for r in delivered] == [(200, outbound.req_msg_id)]
    assert delivered[0].body["poConfirmation"]["supplierRemarks"] == (
        "Accepted, dispatch as scheduled"
    )
    assert world.enkash.network.status_of(draft.object_id) == ("ACCEPTED", 1)
    inbound = InboundMessage.objects.filter(object_id=draft.object_id).order_by("received_at")
    assert [(m.path, m.outcome) for m in inbound] == [
        ("/api/v0/purchase-order/req-send", "processed"),
        ("/api/v0/purchase-order/resp-confirm", "processed"),
    ]
    assert 'id="status">Accepted</span>' in reviewer.get(page).text


def test_our_order_is_accepted_invoiced_and_the_invoice_accepted(world, browser):
    network = world.enkash.network
    network.play_buyers = True  # the supplier answers our order ...
    network.supplier_policy = {"ACCEPT": 1.0}
    network.invoice_orders = False  # ... and invoices it when this test says
    network.buyer_delay = 0.2
    supplier = COUNTERPARTIES[0]
    data = {
        "business": OUR_BUSINESSES[0].b2b_id,
        "supplier": {
            "b2b_id": supplier.b2b_id,
            "gstin": supplier.gstin,
            "legal_name": supplier.legal_name,
            "trade_name": supplier.trade_name,
            "state_code": supplier.state_code,
        },
        "po_number": "4500077123",
        "order_date": DAY.isoformat(),
        "delivery_date": "2026-12-05",
        "subject": "Steel for the press shop",
        "place_of_supply": "27",
        "items": [
            {"description": "Mild steel angle 50x50x6 mm", "hsn_code": "7216",
             "quantity": "400", "unit": "KGS", "unit_price": "62.50", "gst_rate": "18"},
        ],
    }  # fmt: skip
    with rest(world) as api:
        created = api.post("/api/purchase-orders/", json=data)
        assert created.status_code == 201, created.text
        order_id = created.json()["id"]
        refused = api.post(f"/api/purchase-orders/{order_id}/send/", json={"version": 7})
        assert refused.status_code == 409
        assert not world.enkash.server.received
        sent = api.post(f"/api/purchase-orders/{order_id}/send/", json={})
        assert sent.status_code == 202, sent.text
    object_id = created.json()["object_id"]
    order = wait_until(
        lambda: PurchaseOrder.objects.filter(pk=order_id, status="ACCEPTED").first(),
        stack=world,
    )
    assert (order.role, order.version) == ("buyer", 1)
    trail = [(c.kind, c.from_status, c.to_status) for c in order.status_changes.all()]
    assert ("requested", "CREATED", "SENT_TO_SUPPLIER") in trail
    assert trail[-1] == ("applied", "SENT_TO_SUPPLIER", "ACCEPTED")
    # The supplier invoices half of the order, naming it.
    draft = network.invoice_order(object_id, share=Decimal("0.5"), today=DAY)
    assert draft.purchase_order[:2] == (object_id, "4500077123")
    invoice = wait_until(
        lambda: Invoice.objects.filter(object_id=draft.object_id).first(), stack=world
    )
    assert (invoice.role, invoice.status, invoice.total_value) == (
        "buyer",
        "SENT_TO_BUYER",
        Decimal("14750.00"),  # 200 kg at 62.50 and 18 % GST: half the order
    )
    assert invoice.current_version.sections["poDetails"] == [
        {"poObjId": object_id, "buyerPoId": "4500077123", "poDate": DAY.isoformat()}
    ]
    # Matched before the reviewer decides: linked to our order, no PO finding, and the
    # order's remaining figures are what the invoice left.
    with rest(world) as api:
        shown = api.get(f"/api/invoices/{invoice.pk}/").json()
        ordered = api.get(f"/api/purchase-orders/{order_id}/").json()
    assert shown["purchase_order"] == {
        "id": order_id,
        "object_id": object_id,
        "po_number": "4500077123",
    }
    assert [f["code"] for f in shown["findings"] if f["code"].startswith("PO_")] == []
    assert (ordered["invoiced_value"], ordered["remaining_value"]) == ("14750.00", "14750.00")
    [line] = ordered["items"]
    assert (line["invoiced_quantity"], line["remaining_quantity"], line["remaining_value"]) == (
        "200.0000",
        "200.0000",
        "14750.00",
    )
    assert [(i["id"], i["quantity"], i["value"]) for i in line["invoices"]] == [
        (invoice.pk, "200.0000", "14750.00")
    ]
    decide(
        browser("reviewer"),
        f"/admin/invoices/invoice/{invoice.pk}/change/",
        f"/admin/invoices/invoice/{invoice.pk}/decide/",
        1,
        remarks="Goods received against our PO",
    )
    invoice = wait_until(lambda: settled(Invoice, draft.object_id), stack=world)
    assert invoice.status == "ACCEPTED"
    assert network.status_of(draft.object_id) == ("ACCEPTED", 1)
    assert network.status_of(object_id) == ("ACCEPTED", 1)
    # A second invoice of 240 kg, beyond the 200 kg (14,750.00) the first one left.
    beyond = network.invoice_order(object_id, share=Decimal("0.6"), today=DAY)
    second = wait_until(
        lambda: Invoice.objects.filter(object_id=beyond.object_id).first(), stack=world
    )
    assert (second.total_value, second.purchase_order_id) == (Decimal("17700.00"), order_id)
    with rest(world) as api:
        findings = api.get(f"/api/invoices/{second.pk}/").json()["findings"]
    assert [(f["code"], f["field"], f["message"]) for f in findings] == [
        (
            "PO_QUANTITY",
            "itemLists[0].quantity",
            "Line 1: quantity 240 beyond the 200 remaining of PO 4500077123 line 1 "
            "(ordered 400, invoiced before 200)",
        ),
        (
            "PO_VALUE",
            "valueDetails.totalInvoiceValue",
            "Total 17700.00 beyond the 14750.00 remaining of PO 4500077123 "
            "(ordered 29500.00, invoiced before 14750.00)",
        ),
    ]
