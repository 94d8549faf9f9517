# ruff: noqa: F401, F811  (fixtures from .surface)
"""/api/purchase-orders/: list, filters, detail, history, our confirmation of a buyer's
order, and our own orders created and sent; every refusal changes and sends nothing."""

import pytest

from b2bportal.network.models import OutboundMessage
from b2bportal.parties.models import Business
from b2bportal.sandbox.data import COUNTERPARTIES, OUR_BUSINESSES
from invoices.models import Invoice
from purchase_orders.models import PurchaseOrder
from tests.fixtures import invoices as invoices_data
from tests.fixtures.orders import invoice_against, make_order, order_lines
from tests.invoices.conftest import SEND as INVOICE_SEND
from tests.invoices.conftest import webhook

from .surface import (
    api,
    business,
    buyer_order,
    new_order_data,
    receive,
    received,
    state_of,
)

LIST = "/api/purchase-orders/"


def test_list_fields_and_filters(receive, api):
    draft, order = receive()
    other_draft, other = receive(buyer_order(2, buyer=COUNTERPARTIES[3]))
    ours = api("admin").post(LIST, new_order_data(), format="json")
    assert ours.status_code == 201, ours.content
    reviewer = api("reviewer")
    response = reviewer.get(LIST, {"object_id": draft.object_id})
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["id"] == order.pk
    assert (row["object_id"], row["status"], row["version"], row["role"]) == (
        draft.object_id,
        "SENT_TO_SUPPLIER",
        1,
        "supplier",
    )
    assert (row["po_number"], row["order_date"], row["delivery_date"], row["subject"]) == (
        draft.number,
        draft.order_date.isoformat(),
        draft.delivery_date.isoformat(),
        draft.subject,
    )
    assert row["buyer"]["b2b_id"] == COUNTERPARTIES[2].b2b_id
    assert row["supplier"]["b2b_id"] == OUR_BUSINESSES[1].b2b_id
    assert row["totals"]["total_value"] == f"{draft.total:.2f}"
    assert row["pending"] is False

    def ids(**params):
        rows = reviewer.get(LIST, params).json()["results"]
        return sorted(r["object_id"] for r in rows)

    ours_id = ours.json()["object_id"]
    everything = sorted([draft.object_id, other_draft.object_id, ours_id])
    assert ids() == everything
    assert ids(role="supplier") == sorted([draft.object_id, other_draft.object_id])
    assert ids(role="buyer") == [ours_id]
    assert ids(status="SENT_TO_SUPPLIER") == sorted([draft.object_id, other_draft.object_id])
    assert ids(status="CREATED") == [ours_id]
    assert ids(buyer_b2b_id=COUNTERPARTIES[3].b2b_id) == [other_draft.object_id]
    assert ids(supplier_b2b_id=COUNTERPARTIES[0].b2b_id) == [ours_id]
    assert ids(po_number=draft.number) == [draft.object_id]
    assert ids(po_number="4500012345") == [ours_id]
    assert ids(updated_after="2999-01-01T00:00:00Z") == []
    assert ids(updated_after="2000-01-01T00:00:00Z") == everything
    bad = reviewer.get(LIST, {"status": "NOT_A_STATUS"})
    assert bad.status_code == 400 and "status" in bad.json()


def test_detail_history_and_lines(received, api):
    reviewer = api("reviewer")
    body = reviewer.get(f"{LIST}{received.pk}/").json()
    assert body["object_id"] == received.object_id
    lines = received.current_version.items.order_by("position")
    assert [item["description"] for item in body["items"]] == [i.description for i in lines]
    assert body["items"][0]["hsn_code"] == lines[0].hsn_code
    assert [v["number"] for v in body["versions"]] == [1]
    assert body["findings"] == []
    history = reviewer.get(f"{LIST}{received.pk}/history/").json()
    assert [(h["kind"], h["to_status"], h["version"]) for h in history] == [
        (history[0]["kind"], "SENT_TO_SUPPLIER", 1)
    ]
    assert reviewer.get(f"{LIST}999999/").status_code == 404


def test_confirm_is_accepted_and_sent(received, api):
    response = api("reviewer").post(
        f"{LIST}{received.pk}/confirm/",
        {"response": "ACCEPT", "remarks": "Order accepted", "version": 1},
        format="json",
    )
    assert response.status_code == 202, response.content
    body = response.json()
    outbound = OutboundMessage.objects.get()
    assert body["req_msg_id"] == outbound.req_msg_id
    assert body["purchase_order"]["pending"] is True
    assert body["purchase_order"]["pending_status"] == "ACCEPTED"
    assert outbound.message_type == "purchase_order.confirm"
    block = outbound.body["poConfirmation"]
    assert (block["objectId"], block["supplierResponse"], block["supplierRemarks"]) == (
        received.object_id,
        "ACCEPT",
        "Order accepted",
    )
    received.refresh_from_db()
    assert received.status == "SENT_TO_SUPPLIER"  # until the network's result


def test_confirm_refusals_change_and_send_nothing(received, api):
    url = f"{LIST}{received.pk}/confirm/"
    before = state_of(received)
    reviewer = api("reviewer")
    cases = [
        ({"response": "MAYBE", "remarks": "x", "version": 1}, 400, "response"),
        ({"response": "ACCEPT", "version": 1}, 400, "remarks"),
        ({"response": "ACCEPT", "remarks": "x"}, 400, "version"),
        ({"response": "ACCEPT", "remarks": 'say "yes"', "version": 1}, 400, "remarks"),
        ({"response": "ACCEPT", "remarks": "Fine", "version": 0}, 409, None),
    ]
    for data, status, field in cases:
        response = reviewer.post(url, data, format="json")
        assert response.status_code == status, (data, response.content)
        if field:
            assert response.json()["field"] == field, data
        assert state_of(received) == before, data
    auditor = api("auditor").post(url, {"response": "ACCEPT", "remarks": "x", "version": 1})
    assert auditor.status_code == 403
    assert "purchase_orders.decide_purchaseorder" in auditor.json()["detail"]
    assert state_of(received) == before


def test_a_second_decision_while_pending_is_409(received, api):
    reviewer = api("reviewer")
    url = f"{LIST}{received.pk}/confirm/"
    first = reviewer.post(url, {"response": "RETURN", "remarks": "Check rates", "version": 1})
    assert first.status_code == 202
    before = state_of(received)
    second = reviewer.post(url, {"response": "ACCEPT", "remarks": "Fine", "version": 1})
    assert second.status_code == 409
    assert second.json()["code"] == "ACTION_PENDING"
    assert state_of(received) == before


def test_create_one_of_ours_then_send_it(business, api):
    admin = api("admin")
    created = admin.post(LIST, new_order_data(), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["role"], body["status"], body["po_number"]) == ("buyer", "CREATED", "4500012345")
    assert body["object_id"].startswith("POR") and len(body["object_id"]) == 35
    assert body["business"] == OUR_BUSINESSES[0].b2b_id
    assert body["counterparty"] == COUNTERPARTIES[0].b2b_id
    assert body["totals"] == {
        "assessable_value": "54400.00",
        "cgst": "4896.00",
        "sgst": "4896.00",
        "igst": "0.00",
        "cess": "0.00",
        "other_charges": "0.00",
        "total_value": "64192.00",
        "currency": "INR",
    }
    assert [(i["quantity"], i["unit_price"]) for i in body["items"]] == [
        ("400.0000", "62.5000"),
        ("120.0000", "245.0000"),
    ]
    assert OutboundMessage.objects.count() == 0  # created, not sent
    order = PurchaseOrder.objects.get(pk=body["id"])
    sent = admin.post(f"{LIST}{order.pk}/send/", {"version": order.version}, format="json")
    assert sent.status_code == 202, sent.content
    outbound = OutboundMessage.objects.get()
    assert sent.json()["req_msg_id"] == outbound.req_msg_id
    assert outbound.message_type == "purchase_order.send"
    block = outbound.body["purchaseOrder"]
    assert (block["objectId"], block["buyerPONumber"]) == (order.object_id, "4500012345")
    before = state_of(order)
    again = admin.post(f"{LIST}{order.pk}/send/", {}, format="json")
    assert again.status_code == 409
    assert state_of(order) == before


def test_create_and_send_refusals_change_and_send_nothing(received, api):
    admin = api("admin")
    before = state_of(received)
    cases = [
        (new_order_data(items=[]), "items"),
        (new_order_data(business="B2B-NOT-OURS"), "business"),
        (new_order_data(po_number='45"00'), "po_number"),
        (new_order_data(order_date="20/13/2026"), "order_date"),
        (new_order_data(delivery_date="2026-11-01"), "delivery_date"),
        (
            new_order_data(
                items=[{"description": "x", "quantity": "-1", "unit_price": "1", "gst_rate": "5"}]
            ),
            "items[0].quantity",
        ),
        (new_order_data(supplier={"b2b_id": "B2B1"}), "supplier.legal_name"),
    ]
    for data, field in cases:
        response = admin.post(LIST, data, format="json")
        assert response.status_code == 400, (field, response.content)
        assert response.json()["field"] == field
        assert state_of(received) == before, field
    reviewer = api("reviewer")
    refused = reviewer.post(LIST, new_order_data(), format="json")
    assert refused.status_code == 403
    assert "purchase_orders.manage_purchaseorder" in refused.json()["detail"]
    # A buyer's order is not ours to send.
    assert admin.post(f"{LIST}{received.pk}/send/", {}, format="json").status_code == 409
    assert reviewer.post(f"{LIST}{received.pk}/send/", {}).status_code == 403
    assert state_of(received) == before


# -- what was invoiced against the order -------------------------------------------------


@pytest.fixture
def kaveri(db):
    """Kaveri Engineering, ours: the buyer of `tests.fixtures.orders`' order."""
    return Business.objects.create(
        b2b_id=invoices_data.BUYER_B2B_ID,
        gstin=invoices_data.BUYER_GSTIN,
        legal_name=invoices_data.BUYER["legal_name"],
        state_code="29",
    )


def invoice_of(webhook, body) -> Invoice:
    assert webhook(INVOICE_SEND, body).status_code == 200
    return Invoice.objects.get(object_id=body["invoice"]["objectId"])


def test_detail_shows_what_was_invoiced_per_line_and_in_all(kaveri, webhook, api):
    # 10000 kg of plate at 68.40 and 4 laser cutting jobs at 4500, IGST 18 %: 8,28,360.00.
    order = make_order(kaveri, order_lines((10000, 68.40), (4, 4500)))
    first = invoice_of(webhook, invoice_against([(1, 4000, 68.40), (2, 1, 4500)], n=1))
    second = invoice_of(webhook, invoice_against([(1, 3500, 68.40)], n=2))
    body = api("reviewer").get(f"{LIST}{order.pk}/").json()
    assert (body["totals"]["total_value"], body["invoiced_value"], body["remaining_value"]) == (
        "828360.00",
        "610650.00",
        "217710.00",
    )
    names = (
        "ordered_quantity", "invoiced_quantity", "remaining_quantity", "ordered_value",
        "invoiced_value", "remaining_value",
    )  # fmt: skip
    plate, laser = body["items"]
    assert [plate[name] for name in names] == [
        "10000.0000", "7500.0000", "2500.0000", "807120.00", "605340.00", "201780.00",
    ]  # fmt: skip
    assert [laser[name] for name in names] == [
        "4.0000", "1.0000", "3.0000", "21240.00", "5310.00", "15930.00",
    ]  # fmt: skip
    assert plate["invoices"] == [
        {
            "id": first.pk,
            "object_id": first.object_id,
            "supplier_invoice_number": "SGST/26-27/0901",
            "quantity": "4000.0000",
            "value": "322848.00",
        },
        {
            "id": second.pk,
            "object_id": second.object_id,
            "supplier_invoice_number": "SGST/26-27/0902",
            "quantity": "3500.0000",
            "value": "282492.00",
        },
    ]
    assert laser["invoices"] == [
        {
            "id": first.pk,
            "object_id": first.object_id,
            "supplier_invoice_number": "SGST/26-27/0901",
            "quantity": "1.0000",
            "value": "5310.00",
        }
    ]
    assert (plate["description"], plate["hsn_code"]) == ("MS plate 10mm IS 2062 E250", "72085110")


def test_detail_of_an_order_not_invoiced(received, api):
    body = api("reviewer").get(f"{LIST}{received.pk}/").json()
    total = body["totals"]["total_value"]
    assert (body["invoiced_value"], body["remaining_value"]) == ("0.00", total)
    for item in body["items"]:
        assert (item["invoiced_quantity"], item["invoiced_value"], item["invoices"]) == (
            "0.0000",
            "0.00",
            [],
        )
        assert item["remaining_quantity"] == item["ordered_quantity"] == item["quantity"]
        assert item["remaining_value"] == item["ordered_value"] == item["total_item_value"]
