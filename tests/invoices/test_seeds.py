"""EnKash's own request examples (tests/fixtures/seeds/) posted through the real webhook."""

import datetime
from decimal import Decimal

import pytest

from b2bportal.network.models import InboundMessage, OutboundMessage
from invoices import services
from invoices.choices import FindingCode, Role, Source, Status
from invoices.models import Finding, Invoice
from tests.fixtures import seeds

from .conftest import CONFIRM, SEND_RESULT
from .test_supplier_side import invoice_data

SEED_OBJECT_ID = "INV" + "K3VR9T2M8QX4ZB7N1CD5HW6JY0PLGE2A"
SEED_REQ_MSG_ID = "5f2b8c1e9a7d4e3f8b6a2c1d0e9f8a7b"


@pytest.fixture
def seed_invoice(business, staff):
    """Our invoice to Shree Ganesh Steel under the objectId the seeds name, CREATED."""
    invoice = services.create_invoice(business, invoice_data(), actor=staff["admin"])
    Invoice.objects.filter(pk=invoice.pk).update(object_id=SEED_OBJECT_ID)
    invoice.refresh_from_db()
    return invoice


def test_seed_send_result_is_accepted_and_mapped(seed_invoice, staff, webhook):
    """Seed 002's example (`resp-send-invoice`, versions 0/0) answers our send."""
    message = services.send_invoice(seed_invoice, actor=staff["admin"])
    OutboundMessage.objects.filter(pk=message.pk).update(req_msg_id=SEED_REQ_MSG_ID)

    response = webhook(SEND_RESULT, seeds.load("resp-send-invoice"))

    assert response.status_code == 200, response.content
    assert response.json()["response_code"] == 0
    inbound = InboundMessage.objects.get(path=SEND_RESULT)
    assert (inbound.outcome, inbound.object_id, inbound.req_msg_id) == (
        "processed",
        SEED_OBJECT_ID,
        SEED_REQ_MSG_ID,
    )
    assert (inbound.buyer_b2b_id, inbound.supplier_b2b_id) == (
        "SHREEGANESH.B2B.0042",
        "KAVERIENG.B2B.0001",
    )
    assert inbound.answers_id == message.pk
    message.refresh_from_db()
    assert (message.state, message.result, message.error_code) == ("answered", "SUCCESS", "")
    seed_invoice.refresh_from_db()
    assert seed_invoice.status == Status.SENT_TO_BUYER  # the carried newStatus
    assert seed_invoice.pending_message_id is None
    assert seed_invoice.version == 1
    change = seed_invoice.status_changes.last()
    assert (change.from_status, change.to_status, change.source, change.inbound_message_id) == (
        Status.CREATED,
        Status.SENT_TO_BUYER,
        Source.STAFF,
        inbound.pk,
    )


def test_seed_confirmation_is_accepted_and_mapped(seed_invoice, staff, webhook):
    """Seed 000's example (`req-confirm-invoice`): ACCEPT of version 1, carrying the
    placeholder transition CREATED -> CREATED."""
    message = services.send_invoice(seed_invoice, actor=staff["admin"])
    services.apply_network_result(message, {"resp": {"result": "SUCCESS"}})
    body = seeds.load("req-confirm-invoice")

    response = webhook(CONFIRM, body)

    assert response.status_code == 200, response.content
    payload = response.json()["payload"]
    assert payload["b2bIds"] == body["b2bIds"]
    assert payload["invoiceConfirmation"] == body["invoiceConfirmation"]
    assert payload["additionalInfos"] == []
    assert payload["resp"]["result"] == "SUCCESS"
    invoice = Invoice.objects.get(pk=seed_invoice.pk)
    assert invoice.role == Role.SUPPLIER
    assert (invoice.status, invoice.version) == (Status.ACCEPTED, 1)
    change = invoice.status_changes.last()
    assert (
        change.action,
        change.from_status,
        change.to_status,
        change.version,
        change.source,
        change.remarks,
    ) == (
        "confirm:ACCEPT",
        Status.SENT_TO_BUYER,
        Status.ACCEPTED,
        1,
        Source.NETWORK,
        "Received in full, accepted",
    )
    assert change.inbound_message.path == CONFIRM
    assert list(Finding.objects.values_list("version__number", "code", "field")) == [
        (1, FindingCode.TRANSITION, "invoiceConfirmation.statusTransition.newStatus")
    ]
    assert invoice.finding_count == 1
    assert invoice.invoice_date == datetime.date(2026, 11, 19)
    assert invoice.total_value == Decimal("66080.00")
