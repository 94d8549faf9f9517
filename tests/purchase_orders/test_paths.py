"""The eight purchase-order paths over HTTP, through the real webhook and inbox.

As supplier we receive a buyer's order, its edits and its cancellation or closing; as
buyer we receive the supplier's confirmation of an order we sent, and the network's
results of our own send, edit, confirm and status change. Malformed messages get 400
with the failing field; a refusal changes nothing and sends nothing.
"""

import datetime
from decimal import Decimal

import pytest

from b2bportal.network.models import InboundMessage, OutboundMessage
from b2bportal.parties.models import Business
from purchase_orders import services
from purchase_orders.models import PurchaseOrder

from . import data
from .conftest import (
    CONFIRM,
    CONFIRM_RESULT,
    EDIT,
    EDIT_RESULT,
    SEND,
    SEND_RESULT,
    STATUS,
    STATUS_RESULT,
    refusal,
    state,
)

pytestmark = pytest.mark.django_db


def history(purchase_order) -> list[tuple]:
    return list(
        purchase_order.status_changes.order_by("at", "id").values_list(
            "kind", "action", "from_status", "to_status", "version", "source", "remarks"
        )
    )


# -- as supplier: a buyer's order, its edits, its end ------------------------------------------


def test_a_buyers_order_is_received_with_its_content_lines_and_parties(received, webhook):
    po = received
    assert (po.role, po.status, po.version, po.finding_count) == ("supplier", "SENT_TO_SUPPLIER",
                                                                   1, 0)  # fmt: skip
    assert (po.po_number, po.order_date, po.delivery_date, po.subject) == (
        "AM/PO/26-27/0311",
        datetime.date(2026, 11, 20),
        datetime.date(2026, 12, 15),
        "Flanges for the compressor line, December batch",
    )
    assert (po.buyer_b2b_id, po.buyer_gstin, po.supplier_b2b_id, po.place_of_supply) == (
        data.BUYER_B2B_ID,
        data.BUYER_GSTIN,
        data.OUR_B2B_ID,
        "33",
    )
    # 40 x 1850 + 6000 = 80000, IGST 18% = 14400
    assert (po.assessable_value, po.igst_amount, po.cgst_amount, po.total_value) == (
        Decimal("80000.00"),
        Decimal("14400.00"),
        Decimal("0.00"),
        Decimal("94400.00"),
    )
    assert (po.business.b2b_id, po.counterparty.b2b_id, po.counterparty.legal_name) == (
        data.OUR_B2B_ID,
        data.BUYER_B2B_ID,
        "Ananth Motors Private Limited",
    )
    version = po.current_version
    assert version.sections["paymentTerms"] == {"creditDays": 45, "mode": "NEFT"}
    assert version.buyer_contact == {"email": "purchase@ananthmotors.in", "phone": "+914426581200"}
    assert version.raw == data.purchase_order()["purchaseOrder"]
    assert list(version.items.values_list("position", "quantity", "unit_price", "igst_amount")) == [
        (1, Decimal("40.0000"), Decimal("1850.0000"), Decimal("13320.00")),
        (2, Decimal("1.0000"), Decimal("6000.0000"), Decimal("1080.00")),
    ]
    assert history(po) == [
        ("applied", "send", "", "SENT_TO_SUPPLIER", 1, "network", ""),
    ]
    assert InboundMessage.objects.get().outcome == "processed"


def test_the_reply_echoes_the_order_block(webhook, business):
    body = data.purchase_order()
    response = webhook(SEND, body)
    assert response.status_code == 200
    payload = response.json()["payload"]
    assert payload["resp"]["result"] == "SUCCESS"
    assert payload["purchaseOrder"] == body["purchaseOrder"]


def test_an_edit_makes_a_new_version_and_keeps_the_old_one(received, webhook):
    response = webhook(EDIT, data.edit_of(data.purchase_order(), version=(1, 2), price=1800.0))
    assert response.status_code == 200, response.content
    received.refresh_from_db()
    assert (received.version, received.status, received.total_value) == (
        2,
        "SENT_TO_SUPPLIER",
        Decimal("92040.00"),  # 40 x 1800 + 6000 = 78000, + 18%
    )
    prices = {
        v.number: v.items.get(position=1).unit_price for v in received.versions.order_by("number")
    }
    assert prices == {1: Decimal("1850.0000"), 2: Decimal("1800.0000")}
    assert list(received.versions.order_by("number").values_list("number", "state")) == [
        (1, "applied"),
        (2, "applied"),
    ]
    assert history(received)[-1] == ("applied", "edit", "SENT_TO_SUPPLIER", "SENT_TO_SUPPLIER",
                                      2, "network", "")  # fmt: skip


def test_the_buyer_cancels_the_order(received, webhook):
    response = webhook(STATUS, data.status_change("CANCEL"))
    assert response.status_code == 200, response.content
    received.refresh_from_db()
    assert received.status == "CANCELLED"
    assert history(received)[-1] == ("applied", "status:CANCEL", "SENT_TO_SUPPLIER", "CANCELLED",
                                      1, "network", "Requirement dropped by the plant")  # fmt: skip


def test_the_buyer_closes_the_order_with_the_status_it_carries(received, webhook):
    body = data.status_change("CLOSE", status=("ACCEPTED", "CLOSED"), remarks="Order complete")
    assert webhook(STATUS, body).status_code == 200
    received.refresh_from_db()
    assert received.status == "CLOSED"
    assert history(received)[-1][1:4] == ("status:CLOSE", "SENT_TO_SUPPLIER", "CLOSED")


def test_a_status_change_without_a_transition_takes_the_actions_status(received, webhook):
    body = data.status_change("CLOSE")
    del body["poStatus"]["poStatusTransition"]
    assert webhook(STATUS, body).status_code == 200
    received.refresh_from_db()
    assert received.status == "CLOSED"


def test_an_order_for_a_business_not_ours_is_refused(webhook, business):
    body = data.purchase_order()
    body["b2bIds"]["supplierB2BId"] = "SOMEONEELSE.B2B.0001"
    body["purchaseOrder"]["supplierDetails"]["b2bId"] = "SOMEONEELSE.B2B.0001"
    assert refusal(webhook(SEND, body)) == (400, "UNKNOWN_B2B_ID", "b2bIds.supplierB2BId")
    assert (PurchaseOrder.objects.count(), OutboundMessage.objects.count()) == (0, 0)


def test_an_order_between_two_of_our_businesses_is_received_by_the_supplier(webhook, business):
    """Both sides ours: the order arriving from the network is the supplier's to decide."""
    buyer = Business.objects.create(b2b_id=data.BUYER_B2B_ID, legal_name="Ananth Motors")
    assert webhook(SEND, data.purchase_order()).status_code == 200
    order = PurchaseOrder.objects.get()
    assert (order.role, order.business_id, order.counterparty.b2b_id) == (
        "supplier", business.pk, buyer.b2b_id,
    )  # fmt: skip


def test_an_order_we_would_buy_is_not_received_as_ours_to_supply(webhook, business):
    """Our business named as the buyer of an arriving order: not addressed to a supplier of ours."""
    body = data.purchase_order()
    body["b2bIds"] = {"buyerB2BId": data.OUR_B2B_ID, "supplierB2BId": data.BUYER_B2B_ID}
    body["purchaseOrder"]["supplierDetails"]["b2bId"] = data.BUYER_B2B_ID
    body["purchaseOrder"]["buyerDetails"]["b2bId"] = data.OUR_B2B_ID
    assert refusal(webhook(SEND, body)) == (400, "UNKNOWN_B2B_ID", "b2bIds.supplierB2BId")
    assert PurchaseOrder.objects.count() == 0


def _without(path: str):
    def change(block):
        *parents, last = path.split(".")
        for name in parents:
            block = block[name]
        del block[last]

    return change


def _set(path: str, value):
    def change(block):
        *parents, last = path.split(".")
        for name in parents:
            block = block[int(name)] if name.isdigit() else block[name]
        block[last] = value

    return change


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        (_without("buyerPONumber"), "MISSING_FIELD", "purchaseOrder.buyerPONumber"),
        (_set("objectId", "POR123"), "INVALID_FIELD", "purchaseOrder.objectId"),
        (_set("buyerPONumber", 'AM "0311"'), "INVALID_FIELD", "purchaseOrder.buyerPONumber"),
        (_without("objectVersion"), "MISSING_FIELD", "purchaseOrder.objectVersion"),
        (_set("objectVersion.newVersion", -1), "INVALID_FIELD",
         "purchaseOrder.objectVersion.newVersion"),
        (_set("poStatusTransition.newStatus", "SENT_TO_BUYER"), "INVALID_FIELD",
         "purchaseOrder.poStatusTransition.newStatus"),
        (_without("supplierDetails"), "MISSING_FIELD", "purchaseOrder.supplierDetails"),
        (_set("itemLists", []), "INVALID_FIELD", "purchaseOrder.itemLists"),
        (_set("itemLists.0.quantity", "forty"), "INVALID_FIELD",
         "purchaseOrder.itemLists[0].quantity"),
        (_without("poValueDetails"), "MISSING_FIELD", "purchaseOrder.poValueDetails"),
        (_set("poValueDetails.totalPOValue", 10**17), "INVALID_FIELD",
         "purchaseOrder.poValueDetails.totalPOValue"),
        (_set("orderDate", "31/02/2026"), "INVALID_FIELD", "purchaseOrder.orderDate"),
        (_set("deliveryDate", {"day": 15}), "INVALID_FIELD", "purchaseOrder.deliveryDate"),
        (_set("supplierDetails.b2bId", "OTHER.B2B.0002"), "INVALID_FIELD",
         "purchaseOrder.supplierDetails.b2bId"),
    ],
)  # fmt: skip
def test_a_malformed_order_is_refused_naming_the_field(webhook, business, change, code, field):
    body = data.purchase_order()
    change(body["purchaseOrder"])
    assert refusal(webhook(SEND, body)) == (400, code, field)
    assert (PurchaseOrder.objects.count(), OutboundMessage.objects.count()) == (0, 0)
    assert InboundMessage.objects.get().outcome == "invalid"


def test_an_order_without_its_block_is_refused(webhook, business):
    body = data.purchase_order()
    del body["purchaseOrder"]
    assert refusal(webhook(SEND, body)) == (400, "MISSING_FIELD", "purchaseOrder")
    assert PurchaseOrder.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        (_set("buyerAction", "DELETE"), "INVALID_FIELD", "poStatus.buyerAction"),
        (_set("buyerRemarks", ""), "MISSING_FIELD", "poStatus.buyerRemarks"),
        (_set("buyerRemarks", "x" * 101), "INVALID_FIELD", "poStatus.buyerRemarks"),
        (_set("buyerRemarks", 'say "no"'), "INVALID_FIELD", "poStatus.buyerRemarks"),
        (_set("objectId", "POR" + "Z" * 32), "UNKNOWN_DOCUMENT", "poStatus.objectId"),
        (_set("poStatusTransition.newStatus", "DELETED"), "INVALID_FIELD",
         "poStatus.poStatusTransition.newStatus"),
        (_without("objectVersion"), "MISSING_FIELD", "poStatus.objectVersion"),
    ],
)  # fmt: skip
def test_a_malformed_status_change_is_refused_and_changes_nothing(
    received, webhook, change, code, field
):
    before = state(received)
    body = data.status_change()
    change(body["poStatus"])
    assert refusal(webhook(STATUS, body))[1:] == (code, field)
    assert state(received) == before


def test_a_status_change_for_an_order_we_sent_is_refused(ours, staff, webhook):
    """CANCEL comes from the buyer; on an order we are the buyer of, it is not for us."""
    before = state(ours)
    body = data.status_change(object_id=ours.object_id)
    body["b2bIds"] = {"buyerB2BId": ours.buyer_b2b_id, "supplierB2BId": ours.supplier_b2b_id}
    assert refusal(webhook(STATUS, body)) == (400, "INVALID_FIELD", "b2bIds.supplierB2BId")
    assert state(ours) == before


# -- as buyer: our order, the supplier's confirmation, the network's results -------------------


def sent(ours, staff, webhook):
    """Our order sent and the network's SUCCESS applied."""
    message = services.send_purchase_order(ours, actor=staff["admin"])
    response = webhook(SEND_RESULT, data.result(message.req_msg_id))
    assert response.status_code == 200, response.content
    ours.refresh_from_db()
    return ours


@pytest.mark.parametrize(
    ("response", "status"),
    [("ACCEPT", "ACCEPTED"), ("REJECT", "REJECTED"), ("RETURN", "UNDER_REVIEW")],
)
def test_the_suppliers_confirmation_of_our_order(ours, staff, webhook, response, status):
    sent(ours, staff, webhook)
    reply = webhook(CONFIRM, data.confirmation(ours, response, remarks="Noted, see terms"))
    assert reply.status_code == 200, reply.content
    ours.refresh_from_db()
    assert (ours.status, ours.version, ours.finding_count) == (status, 1, 0)
    assert history(ours)[-1] == ("applied", f"confirm:{response}", "SENT_TO_SUPPLIER", status,
                                 1, "network", "Noted, see terms")  # fmt: skip


def test_a_confirmation_contradicting_its_transition_is_applied_as_answered(ours, staff, webhook):
    sent(ours, staff, webhook)
    body = data.confirmation(ours, "ACCEPT", status=("SENT_TO_SUPPLIER", "CREATED"))
    assert webhook(CONFIRM, body).status_code == 200
    ours.refresh_from_db()
    assert (ours.status, ours.finding_count) == ("ACCEPTED", 1)
    finding = ours.current_version.findings.get()
    assert (finding.code, finding.field, finding.message) == (
        "TRANSITION",
        "poConfirmation.poStatusTransition.newStatus",
        "supplierResponse ACCEPT means ACCEPTED, but the message carries newStatus CREATED",
    )


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        (_set("supplierResponse", "MAYBE"), "INVALID_FIELD", "poConfirmation.supplierResponse"),
        (_without("supplierResponse"), "MISSING_FIELD", "poConfirmation.supplierResponse"),
        (_without("supplierRemarks"), "MISSING_FIELD", "poConfirmation.supplierRemarks"),
        (_set("objectId", "bad"), "INVALID_FIELD", "poConfirmation.objectId"),
        (_set("objectVersion.currentVersion", 0), "STALE_VERSION",
         "poConfirmation.objectVersion.currentVersion"),
    ],
)  # fmt: skip
def test_a_malformed_confirmation_is_refused_and_changes_nothing(
    ours, staff, webhook, change, code, field
):
    sent(ours, staff, webhook)
    before = state(ours)
    body = data.confirmation(ours)
    change(body["poConfirmation"])
    assert refusal(webhook(CONFIRM, body))[1:] == (code, field)
    assert state(ours) == before


def test_a_confirmation_of_an_order_sent_to_us_is_refused(received, webhook):
    """Confirming is the supplier's; on an order we supply, a confirmation is not for us."""
    before = state(received)
    assert refusal(webhook(CONFIRM, data.confirmation(received))) == (
        400,
        "INVALID_FIELD",
        "b2bIds.buyerB2BId",
    )
    assert state(received) == before


def test_our_send_goes_out_and_its_success_applies_it(ours, staff, webhook):
    message = services.send_purchase_order(ours, actor=staff["admin"])
    assert (message.message_type, message.path) == (
        "purchase_order.send",
        "/api/v0/purchase-order/req-send",
    )
    ours.refresh_from_db()
    assert (ours.status, ours.pending_message_id, ours.pending_status) == (
        "CREATED",
        message.pk,
        "SENT_TO_SUPPLIER",
    )
    assert webhook(SEND_RESULT, data.result(message.req_msg_id)).status_code == 200
    ours.refresh_from_db()
    assert (ours.status, ours.pending_message_id, ours.pending_status) == (
        "SENT_TO_SUPPLIER",
        None,
        "",
    )
    assert OutboundMessage.objects.get().state == "answered"


@pytest.mark.parametrize(
    ("act", "path"),
    [
        ("send", SEND_RESULT),
        ("edit", EDIT_RESULT),
        ("cancel", STATUS_RESULT),
    ],
)
def test_a_failed_result_leaves_our_order_as_it_was(ours, staff, webhook, act, path):
    if act != "send":
        sent(ours, staff, webhook)
    before = state(ours)[:2]
    request = {
        "send": lambda: services.send_purchase_order(ours, actor=staff["admin"]),
        "edit": lambda: services.edit_purchase_order(
            ours, data.order_data(subject="Press tools, revised"), actor=staff["admin"]
        ),
        "cancel": lambda: services.cancel_purchase_order(
            ours, "Budget withdrawn", actor=staff["admin"]
        ),
    }[act]
    message = request()
    response = webhook(path, data.result(message.req_msg_id, ok=False))
    assert response.status_code == 200, response.content
    ours.refresh_from_db()
    assert state(ours)[:3] == (*before, None)
    assert (ours.last_error_code, ours.last_error_detail, ours.last_error_field) == (
        "INVALID_GSTIN",
        "Supplier GSTIN not registered",
        "supplierDetails.gstin",
    )
    assert history(ours)[-1][0] == "refused"
    if act == "edit":
        assert ours.versions.get(number=2).state == "refused"


def test_our_edit_is_applied_when_the_network_accepts_it(ours, staff, webhook):
    sent(ours, staff, webhook)
    message = services.edit_purchase_order(
        ours, data.order_data(delivery_date="2026-12-12"), actor=staff["admin"]
    )
    block = message.body["purchaseOrder"]
    assert (block["objectVersion"], block["deliveryDate"]) == (
        {"currentVersion": 1, "newVersion": 2},
        "2026-12-12",
    )
    ours.refresh_from_db()
    assert (ours.version, ours.delivery_date) == (1, datetime.date(2026, 12, 5))
    assert webhook(EDIT_RESULT, data.result(message.req_msg_id)).status_code == 200
    ours.refresh_from_db()
    assert (ours.version, ours.delivery_date, ours.status) == (
        2,
        datetime.date(2026, 12, 12),
        "SENT_TO_SUPPLIER",
    )


def test_our_confirmation_of_a_received_order_closes_the_loop(received, staff, webhook):
    message = services.confirm(received, "ACCEPT", "Will deliver", actor=staff["reviewer"])
    block = message.body["poConfirmation"]
    assert block == {
        "objectId": data.OBJECT_ID,
        "buyerPONumber": "AM/PO/26-27/0311",
        "objectVersion": {"currentVersion": 1, "newVersion": 1},
        "supplierResponse": "ACCEPT",
        "supplierRemarks": "Will deliver",
        "poStatusTransition": {"currentStatus": "SENT_TO_SUPPLIER", "newStatus": "ACCEPTED"},
    }
    assert message.path == "/api/v0/purchase-order/req-confirm"
    assert webhook(CONFIRM_RESULT, data.result(message.req_msg_id)).status_code == 200
    received.refresh_from_db()
    assert (received.status, received.pending_message_id) == ("ACCEPTED", None)


def test_a_failed_result_of_our_confirmation_returns_the_order(received, staff, webhook):
    message = services.confirm(received, "REJECT", "Prices not agreed", actor=staff["reviewer"])
    assert webhook(CONFIRM_RESULT, data.result(message.req_msg_id, ok=False)).status_code == 200
    received.refresh_from_db()
    assert (received.status, received.pending_message_id, received.last_error_field) == (
        "SENT_TO_SUPPLIER",
        None,
        "supplierDetails.gstin",
    )
    assert history(received)[-1][:4] == ("refused", "confirm", "SENT_TO_SUPPLIER",
                                         "SENT_TO_SUPPLIER")  # fmt: skip


def test_our_cancel_and_close_go_out_as_po_status(ours, staff, webhook):
    sent(ours, staff, webhook)
    # the supplier accepts: now it may be closed
    assert webhook(CONFIRM, data.confirmation(ours, "ACCEPT")).status_code == 200
    message = services.close_purchase_order(ours, "All delivered", actor=staff["admin"])
    assert message.body["poStatus"] == {
        "objectId": ours.object_id,
        "buyerPONumber": "KEW/PO/26-27/0087",
        "objectVersion": {"currentVersion": 1, "newVersion": 1},
        "buyerAction": "CLOSE",
        "buyerRemarks": "All delivered",
        "poStatusTransition": {"currentStatus": "ACCEPTED", "newStatus": "CLOSED"},
    }
    assert message.path == "/api/v0/purchase-order/req-status-change"
    assert webhook(STATUS_RESULT, data.result(message.req_msg_id)).status_code == 200
    ours.refresh_from_db()
    assert ours.status == "CLOSED"
    assert history(ours)[-1][:4] == ("applied", "status_change", "ACCEPTED", "CLOSED")
