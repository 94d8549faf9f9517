"""The invoice slice against what EnKash's pages document: versions as the network
numbers them, confirmations read by their response, replies that echo the request."""

import datetime
from decimal import Decimal

import pytest

from b2bportal.network.models import OutboundMessage
from invoices.choices import FindingCode, Status, VersionState
from invoices.models import Finding, Invoice, StatusChange
from tests.fixtures import invoices as data

from .conftest import CONFIRM, EDIT, SEND
from .test_receive import snapshot


def test_version_zero_is_a_first_version_and_an_edit_to_one_applies(webhook):
    first = data.network_invoice(version=(0, 0))
    assert webhook(SEND, first).status_code == 200
    invoice = Invoice.objects.get(object_id=data.OBJECT_ID)
    assert invoice.version == 0
    assert list(invoice.versions.values_list("number", "state")) == [(0, VersionState.APPLIED)]

    response = webhook(EDIT, data.edit_of(first, version=(0, 1), price=70.00))

    assert response.status_code == 200, response.content
    invoice.refresh_from_db()
    assert invoice.version == 1
    assert list(invoice.versions.values_list("number", "state")) == [
        (0, VersionState.APPLIED),
        (1, VersionState.APPLIED),
    ]
    assert invoice.current_version.number == 1
    assert invoice.assessable_value == 250 * 70 + 4500


def test_an_edit_made_from_an_older_version_is_refused_not_applied(received, webhook):
    webhook(EDIT, data.edit_of(data.network_invoice(), version=(1, 2), price=70.00))
    before = snapshot(received)

    # newVersion 3 would apply next, but it was made from version 1, which 2 replaced.
    response = webhook(EDIT, data.edit_of(data.network_invoice(), version=(1, 3), price=71.00))

    assert response.status_code == 409
    resp = response.json()["payload"]["resp"]
    assert (resp["errorCd"], resp["errorField"]) == (
        "STALE_VERSION",
        "invoice.objectVersion.currentVersion",
    )
    assert snapshot(received) == before
    assert OutboundMessage.objects.count() == 0


def test_an_edit_whose_current_version_is_not_before_its_new_one_is_refused(received, webhook):
    before = snapshot(received)

    response = webhook(EDIT, data.edit_of(data.network_invoice(), version=(2, 2), price=70.00))

    assert response.status_code == 400
    resp = response.json()["payload"]["resp"]
    assert (resp["errorCd"], resp["errorField"]) == (
        "INVALID_FIELD",
        "invoice.objectVersion.currentVersion",
    )
    assert snapshot(received) == before


def test_a_confirmation_contradicting_its_response_applies_the_response_with_a_finding(
    received, webhook
):
    invoice = received
    Invoice.objects.filter(pk=invoice.pk).update(role="supplier")
    body = data.confirmation(
        "REJECT",
        object_id=invoice.object_id,
        status=("SENT_TO_BUYER", "ACCEPTED"),
        b2b={"buyerB2BId": data.SUPPLIER_B2B_ID, "supplierB2BId": data.BUYER_B2B_ID},
    )

    response = webhook(CONFIRM, body)

    assert response.status_code == 200, response.content
    invoice.refresh_from_db()
    assert invoice.status == Status.REJECTED
    assert StatusChange.objects.filter(invoice=invoice).last().to_status == Status.REJECTED
    finding = Finding.objects.get(code=FindingCode.TRANSITION)
    assert finding.message == (
        "buyerResponse REJECT means REJECTED, but the message carries newStatus ACCEPTED"
    )
    assert invoice.finding_count == 1


def test_the_reply_to_a_send_echoes_the_invoice_and_additional_infos(webhook):
    body = data.network_invoice()
    body["additionalInfos"] = [{"name": "branch", "value": "Pune"}]

    response = webhook(SEND, body)

    assert response.status_code == 200, response.content
    payload = response.json()["payload"]
    assert payload["invoice"] == body["invoice"]
    # Both spellings arrive; the reply uses the send page's `additionalInfo`.
    assert payload["additionalInfo"] == [
        {"name": "branch", "value": "Pune"},
        {"name": "channel", "value": "ERP"},
    ]
    assert payload["b2bIds"] == body["b2bIds"]
    assert payload["resp"]["result"] == "SUCCESS"


def _with(body: dict, path: str, value) -> dict:
    """`body` with the value at a dotted path (list indexes as [n]) replaced."""
    target = body
    keys = path.replace("]", "").replace("[", ".").split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    target[int(keys[-1]) if keys[-1].isdigit() else keys[-1]] = value
    return body


def _refused_and_nothing_kept(response, code: str, field: str) -> None:
    from b2bportal.network.models import InboundMessage

    assert response.status_code == 400, response.content
    resp = response.json()["payload"]["resp"]
    assert (resp["errorCd"], resp["errorField"]) == (code, field)
    assert Invoice.objects.count() == 0
    assert OutboundMessage.objects.count() == 0
    inbound = InboundMessage.objects.get()
    assert (inbound.outcome, inbound.error_field) == ("invalid", field)


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        # 3,000,000 days after 2026 is past 9999-12-31.
        (
            "invoice.advancePaymentDetails.creditDays",
            3_000_000,
            "invoice.advancePaymentDetails.creditDays",
        ),
        # A plausible 30 credit days after the last day Python can hold.
        (
            "invoice.invoiceReferenceDetails.invoiceStartDate",
            "9999-12-31",
            "invoice.invoiceReferenceDetails.invoiceStartDate",
        ),
        (
            "invoice.invoiceReferenceDetails.invoiceStartDate",
            "0000-06-01",
            "invoice.invoiceReferenceDetails.invoiceStartDate",
        ),
        (
            "invoice.invoiceReferenceDetails.invoiceStartDate",
            "10000-01-01",
            "invoice.invoiceReferenceDetails.invoiceStartDate",
        ),
        ("invoice.ts", 10**17, "invoice.ts"),
        (
            "invoice.paymentMilestones",
            [{"milestoneDate": "31/02/2026", "dueAmount": 1}],
            "invoice.paymentMilestones[0].milestoneDate",
        ),
        # 10^15: within the wire's 16 digits, beyond the quantity column's 14.
        ("invoice.itemLists[0].quantity", 10**15, "invoice.itemLists[0].quantity"),
        ("invoice.itemLists[0].gstRate", 18000, "invoice.itemLists[0].gstRate"),
        ("invoice.itemLists[1].unitPrice", "100000000000000", "invoice.itemLists[1].unitPrice"),
    ],
)
def test_out_of_range_values_are_refused_naming_the_field(webhook, path, value, field):
    body = data.network_invoice()
    if path == "invoice.ts":
        del body["invoice"]["invoiceReferenceDetails"]
    response = webhook(SEND, _with(body, path, value))

    _refused_and_nothing_kept(response, "INVALID_FIELD", field)


def test_an_internal_due_date_out_of_epoch_range_is_refused(webhook):
    body = _with(data.internal_invoice(), "invoice.dueDate", 10**17)

    _refused_and_nothing_kept(webhook(SEND, body), "INVALID_FIELD", "invoice.dueDate")


def test_lines_summing_beyond_the_column_are_refused_naming_the_total(webhook):
    body = data.network_invoice()
    for line in body["invoice"]["itemLists"]:
        line["assessmentAmount"] = "9000000000000000"  # each fits; their sum does not
    del body["invoice"]["valueDetails"]["assessmentValue"]

    _refused_and_nothing_kept(
        webhook(SEND, body), "INVALID_FIELD", "invoice.valueDetails.assessmentValue"
    )


# -- what the pages allow -------------------------------------------------------------


def _received_version():
    return Invoice.objects.get(object_id=data.OBJECT_ID).current_version


def _findings(version) -> list[tuple]:
    return list(version.findings.values_list("code", "field", "message"))


def test_negative_credit_days_are_read_and_shown_as_a_finding_not_refused(webhook):
    body = data.network_invoice()
    body["invoice"]["advancePaymentDetails"]["creditDays"] = "-4"

    response = webhook(SEND, body)

    assert response.status_code == 200, response.content
    version = _received_version()
    assert version.due_date == datetime.date(2026, 11, 18) - datetime.timedelta(days=4)
    assert [code for code, _, _ in _findings(version)] == [FindingCode.DUE_BEFORE_INVOICE]
    assert version.sections["advancePaymentDetails"]["creditDays"] == "-4"


def test_amounts_of_any_precision_and_numbers_as_strings_are_read(webhook):
    body = data.network_invoice()
    line = body["invoice"]["itemLists"][1]
    line["quantity"] = "1"
    line["unitPrice"] = "4500.004"  # a tenth of a paisa: rounding to paise is ours
    line["totalAmt"] = "4500.00"
    line["itemValueDetails"] = [{"type": "IGST", "value": "810.0000000000001"}]
    body["invoice"]["valueDetails"]["totalInvoiceValue"] = 25488.000000000004
    body["invoice"]["advancePaymentDetails"]["creditDays"] = "45"

    response = webhook(SEND, body)

    assert response.status_code == 200, response.content
    version = _received_version()
    item = version.items.get(position=2)
    assert (item.quantity, item.unit_price, item.gross_amount, item.igst_amount) == (
        Decimal("1"),
        Decimal("4500.0040"),
        Decimal("4500.00"),
        Decimal("810.00"),
    )
    assert version.total_value == Decimal("25488.00")
    assert version.due_date == datetime.date(2026, 11, 18) + datetime.timedelta(days=45)
    assert _findings(version) == [
        (
            FindingCode.ROUNDING,
            "valueDetails.totalInvoiceValue",
            "totalInvoiceValue 25488.000000000004 rounded to 25488.00",
        )
    ]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026-11-18", datetime.date(2026, 11, 18)),
        ("18/11/2026", datetime.date(2026, 11, 18)),
        ("18-11-2026", datetime.date(2026, 11, 18)),
        ("2026-11-18T23:30:00Z", datetime.date(2026, 11, 19)),  # 05:00 next day in Kolkata
        (1763404200000, datetime.date(2025, 11, 18)),  # 2025-11-17T18:30Z: midnight IST
        ("1763404200000", datetime.date(2025, 11, 18)),
    ],
)
def test_dates_are_read_in_every_form_the_pages_use(webhook, written, expected):
    body = data.network_invoice()
    body["invoice"]["invoiceReferenceDetails"]["invoiceStartDate"] = written

    assert webhook(SEND, body).status_code == 200

    assert _received_version().invoice_date == expected


def test_gst_per_line_is_read_from_other_taxes_by_name(webhook):
    body = data.network_invoice()
    line = body["invoice"]["itemLists"][0]
    line["itemValueDetails"] = []
    line["rates"] = []
    line["otherTaxes"] = [{"name": "IGST", "rate": 18, "amount": 3078.00}]

    assert webhook(SEND, body).status_code == 200

    version = _received_version()
    item = version.items.get(position=1)
    assert (item.igst_rate, item.igst_amount) == (Decimal("18.000"), Decimal("3078.00"))
    assert _findings(version) == []


def test_a_line_whose_tax_is_not_stated_says_so_not_that_zero_was_charged(webhook):
    body = data.network_invoice()
    line = body["invoice"]["itemLists"][0]
    line["itemValueDetails"] = []
    line["otherTaxes"] = []

    assert webhook(SEND, body).status_code == 200

    version = _received_version()
    codes = [code for code, _, _ in _findings(version)]
    assert FindingCode.LINE_TAX not in codes
    assert _findings(version)[0] == (
        FindingCode.TAX_MISSING,
        "itemLists[0]",
        "Line 1: tax not stated (no CGST, SGST, IGST or CESS in itemValueDetails or "
        "otherTaxes) for a 18% GST rate",
    )


def test_state_letters_and_is_service_words_are_read(webhook):
    body = data.network_invoice()
    body["invoice"]["supplierDetails"]["stateCode"] = "MH"
    body["invoice"]["buyerDetails"]["placeOfSupply"] = "KA"
    body["invoice"]["itemLists"][0]["isService"] = "true"
    body["invoice"]["itemLists"][1]["isService"] = "Y"

    assert webhook(SEND, body).status_code == 200

    version = _received_version()
    assert (version.supplier_state_code, version.place_of_supply) == ("27", "29")
    assert list(version.items.values_list("is_service", flat=True)) == [True, True]
    assert _findings(version) == []


def test_an_internal_line_that_cannot_be_read_is_a_finding_not_a_line_of_zeros(webhook):
    body = data.internal_invoice()
    lines = body["invoice"]["nbblInvoiceItems"]
    lines.append({"colour": "blue"})
    lines.append({"itemName": "Loading charges", "quantity": "many"})
    lines[0]["qty"] = lines[0].pop("quantity")  # an alias is read as its known name

    assert webhook(SEND, body).status_code == 200

    version = _received_version()
    assert list(version.items.values_list("position", "quantity")) == [
        (1, Decimal("250")),
        (2, Decimal("1")),
    ]
    assert _findings(version) == [
        (
            FindingCode.LINE_UNREADABLE,
            "nbblInvoiceItems[2]",
            "Line 3 unreadable: none of its members is a known name",
        ),
        (
            FindingCode.LINE_UNREADABLE,
            "nbblInvoiceItems[3]",
            "Line 4 unreadable: quantity: A valid number is required.",
        ),
    ]


def test_an_internal_line_reads_its_tax_from_other_taxes(webhook):
    body = data.internal_invoice()
    line = body["invoice"]["nbblInvoiceItems"][0]
    tax = line.pop("igst")
    del line["cgst"], line["sgst"]
    line["otherTaxes"] = [{"name": "IGST", "rate": 18, "amount": str(tax)}]

    assert webhook(SEND, body).status_code == 200

    item = _received_version().items.get(position=1)
    assert item.igst_amount == Decimal("3078.00")
