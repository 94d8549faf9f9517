"""Our own invoices: create, send, edit, cancel; the buyer's confirmation; the network's results."""

import datetime
from decimal import Decimal

import pytest

from b2bportal.network.handling import Rejected
from b2bportal.network.models import OutboundMessage
from invoices import services
from invoices.choices import ChangeKind, Role, Status, VersionState
from invoices.models import Invoice
from tests.fixtures import invoices as data

from .conftest import (
    CONFIRM,
    CONFIRM_RESULT,
    EDIT_RESULT,
    SEND_RESULT,
    STATUS_RESULT,
    csrf_of,
    decision_state,
    detail,
)

BUYER = {
    "b2b_id": data.SUPPLIER_B2B_ID,  # the Pune firm buys from us here
    "gstin": data.SUPPLIER_GSTIN,
    "legal_name": "Shree Ganesh Steel Traders Private Limited",
    "trade_name": "Shree Ganesh Steel",
    "state_code": "27",
}
LINES = [
    {
        "description": "CNC machined flange 150NB",
        "hsn_code": "73079190",
        "quantity": "40",
        "unit": "NOS",
        "unit_price": "1250.00",
        "gst_rate": "18",
    },
    {
        "description": "Hot-dip galvanising",
        "hsn_code": "998873",
        "quantity": "1",
        "unit": "NOS",
        "unit_price": "6000.00",
        "gst_rate": "18",
        "is_service": True,
    },
]


def invoice_data(**changes):
    return {
        "buyer": BUYER,
        "supplier_invoice_number": "KEW/INV/26-27/0012",
        "invoice_date": datetime.date(2026, 11, 19),
        "due_date": datetime.date(2026, 12, 19),
        "place_of_supply": "27",
        "items": LINES,
        **changes,
    }


@pytest.fixture
def ours(business, staff):
    return services.create_invoice(business, invoice_data(), actor=staff["admin"])


def sent(ours, staff, webhook):
    message = services.send_invoice(ours, actor=staff["admin"])
    response = webhook(
        SEND_RESULT, data.result(message.req_msg_id, "invoice", {"objectId": ours.object_id})
    )
    assert response.status_code == 200, response.content
    ours.refresh_from_db()
    return ours


def test_create_works_out_taxes_for_inter_state_supply(ours, business):
    assert ours.object_id.startswith("INV") and len(ours.object_id) == 35
    assert ours.object_id[3:].isalnum()
    assert (ours.role, ours.status, ours.version) == (Role.SUPPLIER, Status.CREATED, 1)
    assert ours.supplier_b2b_id == business.b2b_id
    assert ours.buyer_b2b_id == data.SUPPLIER_B2B_ID
    assert ours.assessable_value == Decimal("56000.00")
    assert ours.igst_amount == Decimal("10080.00")
    assert ours.cgst_amount == Decimal("0")
    assert ours.total_value == Decimal("66080.00")
    assert ours.finding_count == 0
    assert ours.counterparty.legal_name == "Shree Ganesh Steel Traders Private Limited"


def test_send_enqueues_the_network_invoice_and_waits(ours, staff):
    message = services.send_invoice(ours, actor=staff["admin"])
    ours.refresh_from_db()
    assert ours.status == Status.CREATED  # until the network answers
    assert ours.pending_message == message and services.is_pending(ours)
    assert (message.message_type, message.path, message.object_id, message.object_version) == (
        "invoice.send",
        "/api/v0/invoice/req-send-invoice",
        ours.object_id,
        1,
    )
    block = message.body["invoice"]
    assert block["objectVersion"] == {"currentVersion": 0, "newVersion": 1}
    assert block["statusTransition"] == {"currentStatus": "CREATED", "newStatus": "SENT_TO_BUYER"}
    assert block["buyerDetails"]["placeOfSupply"] == "27"
    assert block["valueDetails"]["otherValues"] == [{"type": "IGST", "value": 10080.0}]
    assert message.body["b2bIds"] == {
        "buyerB2BId": data.SUPPLIER_B2B_ID,
        "supplierB2BId": data.BUYER_B2B_ID,
    }
    with pytest.raises(Rejected) as refused:
        services.send_invoice(ours, actor=staff["admin"])
    assert refused.value.code == "ACTION_PENDING"
    assert OutboundMessage.objects.count() == 1


def test_send_result_success_applies_the_status(ours, staff, webhook):
    sent(ours, staff, webhook)
    assert ours.status == Status.SENT_TO_BUYER
    assert ours.pending_message is None
    change = ours.status_changes.last()
    assert (change.kind, change.from_status, change.to_status, change.actor, change.source) == (
        ChangeKind.APPLIED,
        "CREATED",
        "SENT_TO_BUYER",
        staff["admin"],
        "staff",
    )
    assert OutboundMessage.objects.get().state == "answered"


def test_send_result_failure_leaves_it_and_shows_the_error(ours, staff, webhook):
    message = services.send_invoice(ours, actor=staff["admin"])
    response = webhook(SEND_RESULT, data.result(message.req_msg_id, ok=False))
    assert response.status_code == 200
    ours.refresh_from_db()
    assert ours.status == Status.CREATED
    assert (ours.last_error_code, ours.last_error_detail, ours.last_error_field) == (
        "INVALID_GSTIN",
        "Buyer GSTIN not registered",
        "buyerDetails.gstin",
    )
    assert ours.pending_message is None
    assert ours.status_changes.last().kind == ChangeKind.REFUSED
    # a repeat of the result changes nothing
    webhook(SEND_RESULT, {**data.result(message.req_msg_id, ok=False), "additionalInfo": []})
    assert ours.status_changes.count() == 3


def test_buyer_confirmation_arrives(ours, staff, webhook):
    sent(ours, staff, webhook)
    response = webhook(CONFIRM, data.confirmation("ACCEPT", object_id=ours.object_id))
    assert response.status_code == 200, response.content
    ours.refresh_from_db()
    assert ours.status == Status.ACCEPTED
    change = ours.status_changes.last()
    assert (change.action, change.remarks, change.source) == (
        "confirm:ACCEPT",
        "Goods received in good order",
        "network",
    )


def test_confirmation_for_an_invoice_we_received_is_refused(received, webhook):
    body = data.confirmation(
        object_id=received.object_id,
        b2b={"buyerB2BId": data.BUYER_B2B_ID, "supplierB2BId": data.SUPPLIER_B2B_ID},
    )
    response = webhook(CONFIRM, body)
    assert response.status_code == 400
    received.refresh_from_db()
    assert received.status == Status.SENT_TO_BUYER


def test_edit_proposes_a_version_applied_on_success(ours, staff, webhook):
    sent(ours, staff, webhook)
    lines = [{**LINES[0], "unit_price": "1200.00"}, LINES[1]]
    message = services.edit_invoice(
        ours, invoice_data(items=lines), actor=staff["admin"], expected_version=1
    )
    ours.refresh_from_db()
    assert ours.version == 1 and ours.total_value == Decimal("66080.00")
    assert message.body["invoice"]["objectVersion"] == {"currentVersion": 1, "newVersion": 2}
    webhook(EDIT_RESULT, data.result(message.req_msg_id))
    ours.refresh_from_db()
    assert ours.version == 2
    assert ours.total_value == Decimal("63720.00")
    assert list(ours.versions.values_list("number", "state")) == [(1, "applied"), (2, "applied")]


def test_edit_refused_by_network_keeps_the_old_version(ours, staff, webhook):
    sent(ours, staff, webhook)
    lines = [{**LINES[0], "unit_price": "1200.00"}, LINES[1]]
    message = services.edit_invoice(ours, invoice_data(items=lines), actor=staff["admin"])
    webhook(EDIT_RESULT, data.result(message.req_msg_id, ok=False))
    ours.refresh_from_db()
    assert ours.version == 1 and ours.total_value == Decimal("66080.00")
    assert list(ours.versions.values_list("number", "state")) == [
        (1, VersionState.APPLIED),
        (2, VersionState.REFUSED),
    ]


def test_cancel(ours, staff, webhook):
    sent(ours, staff, webhook)
    message = services.cancel_invoice(ours, "Duplicate of 0011", actor=staff["admin"])
    status = message.body["invoiceStatus"]
    assert (status["supplierAction"], status["supplierRemarks"]) == ("CANCEL", "Duplicate of 0011")
    carried = {"statusTransition": {"newStatus": "CANCELLED"}}
    webhook(STATUS_RESULT, data.result(message.req_msg_id, "invoiceStatus", carried))
    ours.refresh_from_db()
    assert ours.status == Status.CANCELLED
    with pytest.raises(Rejected) as refused:
        services.cancel_invoice(ours, "again", actor=staff["admin"])
    assert refused.value.code == "INVALID_TRANSITION"


def test_confirm_result_applies_the_carried_status(received, staff, webhook):
    message = services.confirm(
        received, "RETURN", "Rate differs from PO", actor=staff["reviewer"], expected_version=1
    )
    received.refresh_from_db()
    assert received.status == Status.SENT_TO_BUYER and received.pending_status == "UNDER_REVIEW"
    body = data.result(
        message.req_msg_id,
        "invoiceConfirmation",
        {"statusTransition": {"currentStatus": "SENT_TO_BUYER", "newStatus": "UNDER_REVIEW"}},
    )
    assert webhook(CONFIRM_RESULT, body).status_code == 200
    received.refresh_from_db()
    assert received.status == Status.UNDER_REVIEW
    assert list(received.status_changes.values_list("kind", "to_status", "actor__username")) == [
        ("applied", "SENT_TO_BUYER", None),
        ("requested", "UNDER_REVIEW", "reviewer"),
        ("applied", "UNDER_REVIEW", "reviewer"),
    ]


def test_supplier_cannot_confirm_and_buyer_cannot_send(ours, received, staff):
    with pytest.raises(Rejected) as refused:
        services.confirm(ours, "ACCEPT", "ok", actor=staff["admin"])
    assert refused.value.code == "INVALID_TRANSITION"
    with pytest.raises(Rejected) as refused:
        services.send_invoice(received, actor=staff["admin"])
    assert refused.value.code == "INVALID_TRANSITION"
    assert not OutboundMessage.objects.exists()
    assert Invoice.objects.filter(pending_message__isnull=False).count() == 0


@pytest.mark.parametrize("version", ["x", "1.5", "0"])
def test_send_from_the_admin_with_a_garbled_version_is_refused(ours, login, version):
    admin_client = login("admin")
    page = admin_client.get(detail(ours))
    before = decision_state(ours)
    response = admin_client.post(
        f"/admin/invoices/invoice/{ours.pk}/send/",
        {"csrfmiddlewaretoken": csrf_of(page), "version": version},
        follow=True,
    )
    assert response.status_code == 200
    assert "Not sent: version" in response.content.decode()
    assert decision_state(ours) == before
