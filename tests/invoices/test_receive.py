"""Invoices arriving through the real webhook: both shapes, versions, transitions."""

import datetime
from decimal import Decimal

from b2bportal.network.models import InboundMessage, OutboundMessage
from b2bportal.parties.models import Counterparty
from invoices.choices import ChangeKind, Role, Shape, Status, VersionState
from invoices.models import Invoice, InvoiceVersion, ParkedAction, StatusChange
from tests.fixtures import invoices as data

from .conftest import EDIT, SEND, STATUS


def snapshot(invoice: Invoice) -> dict:
    invoice.refresh_from_db()
    return {
        "status": invoice.status,
        "version": invoice.version,
        "total": invoice.total_value,
        "versions": list(invoice.versions.values_list("number", "state")),
        "changes": invoice.status_changes.count(),
    }


def test_network_shape_is_stored_whole(received, business):
    invoice = received
    assert invoice.role == Role.BUYER
    assert invoice.business == business
    assert invoice.status == Status.SENT_TO_BUYER
    assert invoice.version == 1
    assert invoice.supplier_invoice_number == "SGST/26-27/0458"
    assert invoice.invoice_date == datetime.date(2026, 11, 18)
    assert invoice.due_date == datetime.date(2026, 12, 18)  # 30 credit days
    assert invoice.supplier_gstin == data.SUPPLIER_GSTIN
    assert invoice.supplier_state_code == "27"
    assert invoice.place_of_supply == "29"
    assert invoice.assessable_value == Decimal("21600.00")  # 250 x 68.40 + 4500
    assert invoice.igst_amount == Decimal("3888.00")
    assert invoice.cgst_amount == invoice.sgst_amount == Decimal("0")
    assert invoice.total_value == Decimal("25488.00")
    assert invoice.finding_count == 0
    assert invoice.counterparty.b2b_id == data.SUPPLIER_B2B_ID
    assert invoice.counterparty.legal_name == "Shree Ganesh Steel Traders Private Limited"
    assert invoice.counterparty.phone == "+912027125590"
    version = invoice.current_version
    assert version.shape == Shape.NETWORK and version.state == VersionState.APPLIED
    assert version.inbound_message.path == SEND
    items = list(version.items.all())
    assert [
        (i.description, i.quantity, i.unit_price, i.gross_amount, i.igst_rate, i.igst_amount)
        for i in items
    ] == [
        (
            "MS plate 10mm IS 2062 E250",
            Decimal("250"),
            Decimal("68.40"),
            Decimal("17100.00"),
            Decimal("18"),
            Decimal("3078.00"),
        ),
        (
            "Laser cutting and bending charges",
            Decimal("1"),
            Decimal("4500"),
            Decimal("4500.00"),
            Decimal("18"),
            Decimal("810.00"),
        ),
    ]
    assert items[1].is_service is True
    assert items[0].extra["batchDetails"]["batchNumber"] == "B-2611"
    # every section kept
    sections = version.sections
    assert sections["ewayBillDetail"]["vehicleNo"] == "MH14GU3391"
    assert sections["eInvoiceInfo"]["schemaVersion"] == "1.1"
    assert sections["supplierBankAccountDetails"]["ifsc"] == "HDFC0000123"
    assert "poDetails" not in sections  # it names no order: an empty list is not kept
    assert sections["shippingDetails"]["lglNm"] == data.BUYER["legal_name"]
    assert version.raw["objectId"] == data.OBJECT_ID
    history = list(invoice.status_changes.values_list("from_status", "to_status", "source"))
    assert history == [("", "SENT_TO_BUYER", "network")]
    message = InboundMessage.objects.get(path=SEND)
    assert message.outcome == "processed" and message.document == invoice


def test_both_shapes_parse_into_the_same_record(webhook):
    assert webhook(SEND, data.network_invoice()).status_code == 200
    internal = data.internal_invoice(object_id=data.OTHER_OBJECT_ID)
    assert webhook(SEND, internal).status_code == 200
    network = Invoice.objects.get(object_id=data.OBJECT_ID)
    other = Invoice.objects.get(object_id=data.OTHER_OBJECT_ID)
    fields = [
        "role",
        "business_id",
        "counterparty_id",
        "status",
        "version",
        "supplier_invoice_number",
        "invoice_date",
        "due_date",
        "supplier_b2b_id",
        "buyer_b2b_id",
        "assessable_value",
        "cgst_amount",
        "sgst_amount",
        "igst_amount",
        "total_value",
        # the internal shape names parties by B2B ID: filled in from our party records
        "supplier_gstin",
        "supplier_state_code",
        "buyer_gstin",
        "place_of_supply",
    ]
    assert {f: getattr(network, f) for f in fields} == {f: getattr(other, f) for f in fields}
    items = [
        "description",
        "hsn_code",
        "quantity",
        "unit",
        "unit_price",
        "gross_amount",
        "gst_rate",
        "igst_amount",
        "total_item_value",
    ]
    assert list(network.current_version.items.values(*items)) == list(
        other.current_version.items.values(*items)
    )
    assert other.current_version.shape == Shape.INTERNAL
    assert other.current_version.raw["approvalStatus"] == "MAKER_APPROVAL_PENDING"
    # the same supplier invoice number from the same supplier is flagged on the second
    assert list(other.current_version.findings.values_list("code", flat=True)) == [
        "DUPLICATE_NUMBER"
    ]


def test_unknown_b2b_id_is_refused(webhook):
    body = data.network_invoice()
    body["b2bIds"] = {"buyerB2BId": "SOMEONE.ELSE", "supplierB2BId": data.SUPPLIER_B2B_ID}
    response = webhook(SEND, body)
    assert response.status_code == 400
    resp = response.json()["payload"]["resp"]
    assert (resp["errorCd"], resp["errorField"]) == ("UNKNOWN_B2B_ID", "b2bIds.buyerB2BId")
    assert not Invoice.objects.exists()


def test_an_invoice_whose_buyer_is_not_ours_is_refused_though_its_supplier_is(webhook, business):
    """Invoices are received by their buyer: our business as the supplier of an arriving
    invoice does not make it ours."""
    body = data.network_invoice()
    body["b2bIds"] = {"buyerB2BId": "SOMEONE.ELSE", "supplierB2BId": data.BUYER_B2B_ID}
    response = webhook(SEND, body)
    resp = response.json()["payload"]["resp"]
    assert (response.status_code, resp["errorCd"], resp["errorField"]) == (
        400, "UNKNOWN_B2B_ID", "b2bIds.buyerB2BId",
    )  # fmt: skip
    assert resp["errorDtl"] == (
        "Buyer B2B ID 'SOMEONE.ELSE' is not one of our businesses "
        "(invoices are received by their buyer)"
    )
    assert (Invoice.objects.count(), OutboundMessage.objects.count()) == (0, 0)


def test_invalid_field_names_its_path(webhook):
    body = data.network_invoice()
    body["invoice"]["itemLists"][1]["quantity"] = "many"
    response = webhook(SEND, body)
    assert response.status_code == 400
    resp = response.json()["payload"]["resp"]
    assert (resp["errorCd"], resp["errorField"]) == (
        "INVALID_FIELD",
        "invoice.itemLists[1].quantity",
    )
    body = data.network_invoice()
    del body["invoice"]["supplierInvoiceNumber"]
    resp = webhook(SEND, body).json()["payload"]["resp"]
    assert (resp["errorCd"], resp["errorField"]) == (
        "MISSING_FIELD",
        "invoice.supplierInvoiceNumber",
    )
    body = data.network_invoice()
    body["invoice"]["objectId"] = "INV123"
    resp = webhook(SEND, body).json()["payload"]["resp"]
    assert (resp["errorCd"], resp["errorField"]) == ("INVALID_FIELD", "invoice.objectId")
    assert not Invoice.objects.exists()


def test_same_version_same_content_is_a_duplicate(received, webhook):
    before = snapshot(received)
    body = data.network_invoice()
    body["device"]["tag"]["value"] = "18.63,73.80"  # other bytes, same document
    response = webhook(SEND, body)
    assert response.status_code == 200
    assert InboundMessage.objects.filter(outcome="duplicate").count() == 1
    assert snapshot(received) == before
    # the internal shape of content we hold is a duplicate too
    assert webhook(EDIT, data.edit_of(body, version=(0, 1))).status_code == 200
    assert snapshot(received) == before


def test_same_version_other_content_is_a_conflict_kept_for_staff(received, webhook):
    before = snapshot(received)
    response = webhook(EDIT, data.edit_of(data.network_invoice(), version=(0, 1), price=70.0))
    assert response.status_code == 409
    resp = response.json()["payload"]["resp"]
    assert (resp["errorCd"], resp["errorField"]) == (
        "VERSION_CONFLICT",
        "invoice.objectVersion.newVersion",
    )
    assert snapshot(received) == before
    message = InboundMessage.objects.get(path=EDIT)
    assert (message.outcome, message.error_code, message.document) == (
        "invalid",
        "VERSION_CONFLICT",
        received,
    )


def test_edit_applies_next_version(received, webhook):
    body = data.edit_of(data.network_invoice(), version=(1, 2), price=66.0)
    assert webhook(EDIT, body).status_code == 200
    received.refresh_from_db()
    assert received.version == 2
    assert received.assessable_value == Decimal("21000.00")
    assert received.total_value == Decimal("24780.00")
    assert list(received.versions.values_list("number", "state")) == [
        (1, "applied"),
        (2, "applied"),
    ]
    assert received.current_version.number == 2
    assert received.finding_count == 0  # same bank account as before: no BANK_CHANGED
    assert list(received.status_changes.values_list("action", "version")) == [
        ("send", 1),
        ("edit", 2),
    ]


def test_version_ahead_is_parked_then_applied_when_the_gap_closes(received, webhook):
    v3 = data.edit_of(data.network_invoice(), version=(2, 3), price=65.0)
    assert webhook(EDIT, v3).status_code == 200
    received.refresh_from_db()
    assert received.version == 1
    assert list(received.versions.values_list("number", "state")) == [(1, "applied"), (3, "parked")]
    # a cancellation naming version 3 waits too
    assert webhook(STATUS, data.status_change(version=3)).status_code == 200
    assert ParkedAction.objects.filter(invoice=received, applied_at=None).count() == 1
    received.refresh_from_db()
    assert received.status == Status.SENT_TO_BUYER
    v2 = data.edit_of(data.network_invoice(), version=(1, 2), price=66.0)
    assert webhook(EDIT, v2).status_code == 200
    received.refresh_from_db()
    assert received.version == 3
    assert received.assessable_value == Decimal("20750.00")
    assert received.status == Status.CANCELLED
    assert list(received.versions.values_list("number", "state")) == [
        (1, "applied"),
        (2, "applied"),
        (3, "applied"),
    ]
    assert list(received.status_changes.values_list("action", "version", "to_status")) == [
        ("send", 1, "SENT_TO_BUYER"),
        ("edit", 2, "SENT_TO_BUYER"),
        ("edit", 3, "SENT_TO_BUYER"),
        ("status:CANCEL", 3, "CANCELLED"),
    ]


def test_late_older_version_is_kept_not_applied(received, webhook):
    assert (
        webhook(EDIT, data.edit_of(data.network_invoice(), version=(1, 2), price=66.0)).status_code
        == 200
    )
    # version 1 re-sent in other words: we hold v1 with this content -> duplicate
    assert webhook(SEND, data.network_invoice()).status_code == 200
    received.refresh_from_db()
    assert received.version == 2


def test_status_change_cancels(received, webhook):
    response = webhook(STATUS, data.status_change())
    assert response.status_code == 200
    received.refresh_from_db()
    assert received.status == Status.CANCELLED
    change = received.status_changes.last()
    assert (change.from_status, change.to_status, change.source, change.remarks, change.kind) == (
        "SENT_TO_BUYER",
        "CANCELLED",
        "network",
        "Raised in error, will reissue",
        ChangeKind.APPLIED,
    )
    assert change.inbound_message.path == STATUS
    # the same cancellation again (other bytes) is a duplicate
    body = data.status_change()
    body["device"] = {"tag": {"name": "GEOCODE", "value": "x"}}
    assert webhook(STATUS, body).status_code == 200
    assert received.status_changes.count() == 2
    assert InboundMessage.objects.filter(path=STATUS, outcome="duplicate").count() == 1


def test_status_change_on_an_older_version_is_stale(received, webhook):
    webhook(EDIT, data.edit_of(data.network_invoice(), version=(1, 2), price=66.0))
    response = webhook(STATUS, data.status_change(version=1))
    assert response.status_code == 409
    assert response.json()["payload"]["resp"]["errorCd"] == "STALE_VERSION"
    received.refresh_from_db()
    assert received.status == Status.SENT_TO_BUYER


def test_status_change_for_unknown_invoice(webhook):
    response = webhook(STATUS, data.status_change())
    assert response.status_code == 400
    resp = response.json()["payload"]["resp"]
    assert (resp["errorCd"], resp["errorField"]) == ("UNKNOWN_DOCUMENT", "invoiceStatus.objectId")


def test_status_change_with_bad_action(received, webhook):
    body = data.status_change(action="ARCHIVE")
    resp = webhook(STATUS, body).json()["payload"]["resp"]
    assert (resp["errorCd"], resp["errorField"]) == (
        "INVALID_FIELD",
        "invoiceStatus.supplierAction",
    )
    body = data.status_change(remarks='He said "no"')
    resp = webhook(STATUS, body).json()["payload"]["resp"]
    assert (resp["errorCd"], resp["errorField"]) == (
        "INVALID_FIELD",
        "invoiceStatus.supplierRemarks",
    )
    assert received.status_changes.count() == 1
    assert not OutboundMessage.objects.exists()
    assert InvoiceVersion.objects.count() == 1
    assert StatusChange.objects.count() == 1


def test_internal_shape_wrapping_the_network_invoice(webhook):
    network = data.network_invoice()
    body = data.internal_invoice()
    body["invoice"]["nbblInvoiceData"] = network["invoice"]
    assert webhook(SEND, body).status_code == 200
    invoice = Invoice.objects.get(object_id=data.OBJECT_ID)
    version = invoice.current_version
    assert version.shape == Shape.INTERNAL
    assert version.sections["ewayBillDetail"]["vehicleNo"] == "MH14GU3391"
    assert invoice.supplier_gstin == data.SUPPLIER_GSTIN
    assert invoice.total_value == Decimal("25488.00")
    assert version.raw["nbblInvoiceId"] == data.OBJECT_ID


def test_internal_shape_repeat_is_a_duplicate_after_we_learn_more_of_the_supplier(webhook):
    internal = data.internal_invoice(object_id=data.OTHER_OBJECT_ID)
    assert webhook(SEND, internal).status_code == 200
    # a network invoice from the same supplier teaches us its GSTIN and names
    assert webhook(SEND, data.network_invoice(number="SGST/26-27/0470")).status_code == 200
    internal["device"] = {"tag": {"name": "GEOCODE", "value": "18.6,73.8"}}  # other bytes
    response = webhook(SEND, internal)
    assert response.status_code == 200
    assert InboundMessage.objects.filter(outcome="duplicate").count() == 1
    assert Invoice.objects.get(object_id=data.OTHER_OBJECT_ID).versions.count() == 1


def test_a_new_invoice_from_a_known_supplier_updates_only_what_changed(received, webhook):
    """The supplier read along the look-up of our businesses is updated as one loaded
    from its table would be: the changed field, one history row, the rest kept."""
    counterparty = Counterparty.objects.get(pk=received.counterparty_id)
    columns = [f.attname for f in Counterparty._meta.concrete_fields]
    before = {name: getattr(counterparty, name) for name in columns}
    body = data.network_invoice(object_id=data.OTHER_OBJECT_ID, number="SGST/26-27/0471")
    body["invoice"]["supplierDetails"]["email"] = "finance@shreeganeshsteel.in"
    assert webhook(SEND, body).status_code == 200
    counterparty.refresh_from_db()
    after = {name: getattr(counterparty, name) for name in columns}
    assert {name for name in columns if before[name] != after[name]} == {"email", "updated_at"}
    assert after["email"] == "finance@shreeganeshsteel.in"
    assert counterparty.history.count() == 2
    assert Invoice.objects.get(object_id=data.OTHER_OBJECT_ID).counterparty_id == counterparty.pk


def test_a_new_version_updates_the_supplier_and_its_bank_account_history(received, webhook):
    counterparty = received.counterparty
    assert counterparty.bank_account["ifsc"] == "HDFC0000123"
    assert counterparty.history.count() == 1
    body = data.edit_of(data.network_invoice(), version=(1, 2))
    body["invoice"]["supplierBankAccountDetails"]["ifsc"] = "YESB0000777"
    body["invoice"]["supplierDetails"]["email"] = "finance@shreeganeshsteel.in"
    assert webhook(EDIT, body).status_code == 200
    counterparty.refresh_from_db()
    assert counterparty.bank_account["ifsc"] == "YESB0000777"
    assert counterparty.email == "finance@shreeganeshsteel.in"
    changes = list(counterparty.history.order_by("history_date"))
    assert [h.bank_account["ifsc"] for h in changes] == ["HDFC0000123", "YESB0000777"]
    assert changes[-1].history_user is None  # the network, not staff
    received.refresh_from_db()
    assert list(received.current_version.findings.values_list("code", "message")) == [
        (
            "BANK_CHANGED",
            "Bank details differ from those on record: ifsc HDFC0000123 -> YESB0000777",
        )
    ]
    assert received.finding_count == 1
