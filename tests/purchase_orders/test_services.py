"""Our own purchase orders through their services: create, send, edit, cancel, close.

The taxes of a line we write are worked out once for every family; the local rule
table decides what we may do from each status; a refusal changes nothing and sends
nothing; an order already partly invoiced may still be edited.
"""

import datetime
from decimal import Decimal

import pytest

from b2bportal.documents.errors import DocumentError
from b2bportal.network.handling import Rejected
from b2bportal.network.models import OutboundMessage
from purchase_orders import services
from purchase_orders.models import PurchaseOrder

from . import data
from .conftest import CONFIRM, EDIT_RESULT, SEND_RESULT, STATUS_RESULT, state

pytestmark = pytest.mark.django_db


def sent(ours, staff, webhook, **result):
    message = services.send_purchase_order(ours, actor=staff["admin"])
    assert webhook(SEND_RESULT, data.result(message.req_msg_id, **result)).status_code == 200
    ours.refresh_from_db()
    return ours


def accepted(ours, staff, webhook):
    sent(ours, staff, webhook)
    assert webhook(CONFIRM, data.confirmation(ours, "ACCEPT")).status_code == 200
    ours.refresh_from_db()
    assert ours.status == "ACCEPTED"
    return ours


def test_create_works_out_intra_state_taxes(ours, business, staff):
    assert ours.object_id.startswith("POR") and len(ours.object_id) == 35
    assert (ours.role, ours.status, ours.version, ours.finding_count) == ("buyer", "CREATED", 1,
                                                                          0)  # fmt: skip
    assert (ours.buyer_b2b_id, ours.supplier_b2b_id, ours.place_of_supply) == (
        business.b2b_id,
        "VELTOOLS.B2B.0019",
        "29",
    )
    # 2 x 48500 + 7500 = 104500; 18% within Karnataka: CGST 9405 + SGST 9405
    assert (
        ours.assessable_value,
        ours.cgst_amount,
        ours.sgst_amount,
        ours.igst_amount,
        ours.total_value,
    ) == (
        Decimal("104500.00"),
        Decimal("9405.00"),
        Decimal("9405.00"),
        Decimal("0.00"),
        Decimal("123310.00"),
    )
    assert (ours.order_date, ours.delivery_date, ours.subject) == (
        datetime.date(2026, 11, 21),
        datetime.date(2026, 12, 5),
        "Press tools for the bracket line",
    )
    lines = ours.current_version.items.order_by("position")
    assert list(lines.values_list("cgst_rate", "sgst_rate", "cgst_amount", "total_item_value")) == [
        (Decimal("9.000"), Decimal("9.000"), Decimal("8730.00"), Decimal("114460.00")),
        (Decimal("9.000"), Decimal("9.000"), Decimal("675.00"), Decimal("8850.00")),
    ]
    assert ours.counterparty.legal_name == "Vel Tools and Dies Private Limited"
    assert list(ours.status_changes.values_list("action", "from_status", "to_status", "actor")) == [
        ("create", "", "CREATED", staff["admin"].pk)
    ]
    assert OutboundMessage.objects.count() == 0


def test_an_inter_state_order_is_taxed_with_igst(business, staff):
    supplier = data.SUPPLIER | {"b2b_id": "PUNEFORGE.B2B.0003", "state_code": "27"}
    po = services.create_purchase_order(business, data.order_data(supplier=supplier))
    assert (po.cgst_amount, po.igst_amount, po.total_value) == (
        Decimal("0.00"),
        Decimal("18810.00"),
        Decimal("123310.00"),
    )


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"items": []}, "MISSING_FIELD", "items"),
        ({"po_number": ""}, "MISSING_FIELD", "po_number"),
        ({"supplier": {"legal_name": "No id"}}, "MISSING_FIELD", "supplier.b2b_id"),
        ({"order_date": "21/13/2026"}, "INVALID_FIELD", "order_date"),
    ],
)
def test_create_refuses_what_it_cannot_write(business, changes, code, field):
    with pytest.raises(Rejected) as refused:
        services.create_purchase_order(business, data.order_data(**changes))
    assert (refused.value.code, refused.value.field) == (code, field)
    assert PurchaseOrder.objects.count() == 0


def test_send_writes_the_order_block_with_decimal_money(ours, staff):
    message = services.send_purchase_order(ours, actor=staff["admin"])
    message.refresh_from_db()
    block = message.body["purchaseOrder"]
    assert (message.message_type, message.object_id, message.object_version) == (
        "purchase_order.send",
        ours.object_id,
        1,
    )
    assert message.body["b2bIds"] == {
        "buyerB2BId": data.OUR_B2B_ID,
        "supplierB2BId": "VELTOOLS.B2B.0019",
    }
    assert (block["objectId"], block["buyerPONumber"], block["objectVersion"]) == (
        ours.object_id,
        "KEW/PO/26-27/0087",
        {"currentVersion": 0, "newVersion": 1},
    )
    assert block["poStatusTransition"] == {
        "currentStatus": "CREATED",
        "newStatus": "SENT_TO_SUPPLIER",
    }
    assert (block["orderDate"], block["deliveryDate"]) == ("2026-11-21", "2026-12-05")
    assert block["poValueDetails"] == {
        "assessmentValue": 104500.0,
        "totalPOValue": 123310.0,
        "otherValues": [{"type": "CGST", "value": 9405.0}, {"type": "SGST", "value": 9405.0}],
    }
    assert block["itemLists"][0]["unitPrice"] == 48500.0
    assert block["buyerDetails"]["placeOfSupply"] == "29"
    assert block["supplierDetails"]["b2bId"] == "VELTOOLS.B2B.0019"


def test_money_leaves_as_decimal_not_float(ours):
    from purchase_orders import wire

    block = wire.block(ours.current_version, status_from="CREATED", status_to="SENT_TO_SUPPLIER",
                       current_version=0)  # fmt: skip
    values = block["poValueDetails"]
    assert (type(values["totalPOValue"]), values["totalPOValue"]) == (Decimal, Decimal("123310.00"))
    assert type(block["itemLists"][0]["totalAmt"]) is Decimal


@pytest.mark.parametrize(
    ("status", "act", "allowed"),
    [
        ("CREATED", "send", True),
        ("SENT_TO_SUPPLIER", "send", False),
        ("CREATED", "close", False),
        ("SENT_TO_SUPPLIER", "close", False),
        ("PARTIALLY_INVOICED", "close", True),
        ("FULLY_INVOICED", "close", True),
        ("PARTIALLY_INVOICED", "cancel", False),
        ("CLOSED", "cancel", False),
        ("REJECTED", "cancel", True),
        ("PARTIALLY_INVOICED", "edit", True),
        ("FULLY_INVOICED", "edit", False),
        ("CANCELLED", "edit", False),
        ("CLOSED", "edit", False),
    ],
)
def test_the_local_rule_table(ours, staff, status, act, allowed):
    # The statuses here are the network's to set; the rule table is what is under test.
    PurchaseOrder.objects.filter(pk=ours.pk).update(status=status)
    request = {
        "send": lambda: services.send_purchase_order(ours, actor=staff["admin"]),
        "close": lambda: services.close_purchase_order(ours, "Done", actor=staff["admin"]),
        "cancel": lambda: services.cancel_purchase_order(ours, "Not needed", actor=staff["admin"]),
        "edit": lambda: services.edit_purchase_order(ours, data.order_data(), actor=staff["admin"]),
    }[act]
    if allowed:
        assert request().message_type.startswith("purchase_order.")
        return
    before = state(ours)
    with pytest.raises(DocumentError) as refused:
        request()
    assert (refused.value.code, refused.value.field) == ("INVALID_TRANSITION", "status")
    assert state(ours) == before


def test_we_do_not_confirm_our_own_order(ours, staff, webhook):
    sent(ours, staff, webhook)
    before = state(ours)
    with pytest.raises(DocumentError) as refused:
        services.confirm(ours, "ACCEPT", "Fine", actor=staff["reviewer"])
    assert refused.value.code == "INVALID_TRANSITION"
    assert state(ours) == before


def test_a_decision_on_a_changed_version_is_refused(received, staff):
    before = state(received)
    with pytest.raises(DocumentError) as refused:
        services.confirm(received, "ACCEPT", "Fine", actor=staff["reviewer"], expected_version=0)
    assert (refused.value.code, refused.value.field) == ("STALE_VERSION", "version")
    assert state(received) == before


@pytest.mark.parametrize(
    ("response", "remarks", "code", "field"),
    [
        ("MAYBE", "Fine", "INVALID_FIELD", "response"),
        ("ACCEPT", "  ", "MISSING_FIELD", "remarks"),
        ("REJECT", "x" * 101, "INVALID_FIELD", "remarks"),
        ("RETURN", 'quote "this"', "INVALID_FIELD", "remarks"),
    ],
)
def test_our_confirmation_needs_a_response_and_remarks(received, staff, response, remarks, code,
                                                       field):  # fmt: skip
    before = state(received)
    with pytest.raises(DocumentError) as refused:
        services.confirm(received, response, remarks, actor=staff["reviewer"])
    assert (refused.value.code, refused.value.field) == (code, field)
    assert state(received) == before


def test_an_order_partly_invoiced_can_still_be_edited(ours, staff, webhook):
    accepted(ours, staff, webhook)
    # The network answers our first edit with the status it now holds: partly invoiced.
    first = services.edit_purchase_order(ours, data.order_data(subject="Press tools, rev A"),
                                         actor=staff["admin"])  # fmt: skip
    carried = {"poStatusTransition": {"currentStatus": "ACCEPTED",
                                      "newStatus": "PARTIALLY_INVOICED"}}  # fmt: skip
    body = data.result(first.req_msg_id, "purchaseOrder", carried)
    assert webhook(EDIT_RESULT, body).status_code == 200
    ours.refresh_from_db()
    assert (ours.status, ours.version, ours.subject) == ("PARTIALLY_INVOICED", 2,
                                                         "Press tools, rev A")  # fmt: skip

    lines = data.order_data()["items"]
    lines[0] = lines[0] | {"quantity": "3"}
    second = services.edit_purchase_order(ours, data.order_data(items=lines), actor=staff["admin"])
    block = second.body["purchaseOrder"]
    assert (block["objectVersion"], block["poStatusTransition"]) == (
        {"currentVersion": 2, "newVersion": 3},
        {"currentStatus": "PARTIALLY_INVOICED", "newStatus": "PARTIALLY_INVOICED"},
    )
    assert webhook(EDIT_RESULT, data.result(second.req_msg_id)).status_code == 200
    ours.refresh_from_db()
    assert (ours.status, ours.version, ours.assessable_value) == (
        "PARTIALLY_INVOICED",
        3,
        Decimal("153000.00"),  # 3 x 48500 + 7500
    )
    assert ours.current_version.items.get(position=1).quantity == Decimal("3.0000")


def test_a_partly_invoiced_order_is_closed(ours, staff, webhook):
    accepted(ours, staff, webhook)
    PurchaseOrder.objects.filter(pk=ours.pk).update(status="PARTIALLY_INVOICED")
    message = services.close_purchase_order(ours, "Balance not needed", actor=staff["admin"])
    assert webhook(STATUS_RESULT, data.result(message.req_msg_id)).status_code == 200
    ours.refresh_from_db()
    assert ours.status == "CLOSED"


def test_an_overdue_request_is_given_up(ours, staff, settings):
    from datetime import timedelta

    from django.utils import timezone

    message = services.send_purchase_order(ours, actor=staff["admin"])
    settings.ENKASH_RESULT_OVERDUE_SECONDS = 60
    OutboundMessage.objects.filter(pk=message.pk).update(
        state="sent", sent_at=timezone.now() - timedelta(seconds=61)
    )
    services.give_up_request(ours, "No answer from the network", actor=staff["admin"])
    ours.refresh_from_db()
    assert (ours.status, ours.pending_message_id, ours.last_error_code) == (
        "CREATED",
        None,
        "GIVEN_UP",
    )
    # staff may send it again as a new request
    assert services.send_purchase_order(ours, actor=staff["admin"]).pk != message.pk
