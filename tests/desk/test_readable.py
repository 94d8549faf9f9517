"""A document's wire blocks as labelled fields, findings with ₹, DD/MM/YYYY and links,
and a page that says what it could not check."""

import pytest

from b2bportal.desk.readable import finding_message, sections
from invoices.models import Invoice
from tests.fixtures import invoices as data
from tests.invoices.conftest import SEND, detail

pytestmark = pytest.mark.django_db


def _fields(block) -> dict:
    return {field.label: field.text for field in block.fields}


def test_sections_read_as_labelled_fields(webhook):
    webhook(SEND, data.network_invoice(po_number="KEW-2026-0193"))
    received = Invoice.objects.get(object_id=data.OBJECT_ID)
    blocks = {block.key: block for block in sections(received.current_version.sections)}
    assert list(blocks)[:4] == [
        "supplierBankAccountDetails",
        "advancePaymentDetails",
        "poDetails",
        "invoiceReferenceDetails",
    ]
    assert _fields(blocks["supplierBankAccountDetails"]) == {
        "Account number (masked)": "XXXXXXXX4821",
        "IFSC": "HDFC0000123",
        "Beneficiary": "Shree Ganesh Steel Traders Pvt Ltd",
        "UPI ID (VPA)": "shreeganesh@hdfcbank",
    }
    terms = _fields(blocks["advancePaymentDetails"])
    assert (terms["Payment terms"], terms["Credit days"], terms["Pending due"]) == (
        "Net 30",
        "30 days",
        "₹25,488.00",
    )
    po = blocks["poDetails"]
    assert po.columns == ["PO objectId", "Buyer's PO number", "PO date"]
    assert [cell.text for cell in po.rows[0]] == ["-", "KEW-2026-0193", "02/11/2026"]
    dispatch = _fields(blocks["dispatchDetails"])
    assert dispatch["State"] == "27 - Maharashtra"
    # the address in reading order (stored JSON keeps keys in an order of its own)
    assert dispatch["Address"] == (
        "Plot 14, MIDC Bhosari, Near Telco Road, Pune, Maharashtra, 411026, IN"
    )
    assert list(_fields(blocks["supplierBankAccountDetails"])) == [
        "Account number (masked)",
        "IFSC",
        "Beneficiary",
        "UPI ID (VPA)",
    ]
    assert _fields(blocks["transactionDetails"])["Reverse charge"] == "No"
    document = blocks["additionalDocumentDetails"].rows[0][0]
    assert (document.text, document.link) == (
        "https://docs.example.in/sgs/0458.pdf",
        "https://docs.example.in/sgs/0458.pdf",
    )
    assert _fields(blocks["eInvoiceInfo"])["IRN generated"] == "18/11/2026"
    assert _fields(blocks["ewayBillDetail"])["Transport document date"] == "18/11/2026"


def test_the_page_shows_no_python_dicts(webhook, login):
    webhook(SEND, data.network_invoice(po_number="KEW-2026-0193"))
    received = Invoice.objects.get(object_id=data.OBJECT_ID)
    html = login("reviewer").get(detail(received)).content.decode()
    assert "Payment, references and delivery" in html and "Other sections" not in html
    assert '<dd data-field="ifsc" style="overflow-wrap: anywhere">HDFC0000123</dd>' in html
    part = html[html.index('id="sections"') :]
    part = part[: part.index("</section>")]
    assert "{&#x27;" not in part and "[{" not in part and "<pre" not in part
    assert '<td data-field="buyerPoId">KEW-2026-0193</td>' in part


def test_finding_message_formats_amounts_dates_and_links_documents(received):
    message = finding_message(
        f"Total 25488.00 but lines sum to 1234567.50; due 2026-11-18; already on {data.OBJECT_ID}"
        " and on INVZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ <b>"
    )
    assert message == (
        "Total ₹25,488.00 but lines sum to ₹12,34,567.50; due 18/11/2026; already on "
        f'<a class="underline" href="{detail(received)}">{data.OBJECT_ID}</a>'
        " and on INVZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ &lt;b&gt;"
    )


def test_duplicate_number_finding_links_the_other_invoice(received, webhook, login):
    body = data.network_invoice(object_id=data.OTHER_OBJECT_ID)
    assert webhook(SEND, body).status_code == 200
    second = Invoice.objects.get(object_id=data.OTHER_OBJECT_ID)
    html = login("reviewer").get(detail(second)).content.decode()
    assert (
        f'Number SGST/26-27/0458 already on <a class="underline" href="{detail(received)}">'
        f"{data.OBJECT_ID}</a>"
    ) in html


def test_supplier_without_gstin_is_not_told_everything_checks_out(webhook, business, login):
    body = data.network_invoice()
    body["invoice"]["supplierDetails"]["gstin"] = ""
    body["invoice"]["dispatchDetails"]["gstin"] = ""
    assert webhook(SEND, body).status_code == 200, webhook
    invoice = Invoice.objects.get(object_id=data.OBJECT_ID)
    assert invoice.finding_count == 0
    html = login("reviewer").get(detail(invoice)).content.decode()
    assert "check out" not in html
    assert "None found in what could be checked: arithmetic, taxes, parties and dates." in html
    assert (
        "<li>Not checked: The supplier gave no GSTIN: its format, check digit and state could "
        "not be checked.</li>"
    ) in html


def test_a_fully_checked_invoice_says_so(received, login):
    html = login("reviewer").get(detail(received)).content.decode()
    assert "None: the arithmetic, taxes, GSTINs, parties and dates check out." in html
    assert 'id="findings-unchecked"' not in html


def test_only_web_addresses_become_links():
    (block,) = sections({"additionalDocumentDetails": [{"url": "javascript:alert(1)"}]})
    assert (block.rows[0][0].text, block.rows[0][0].link) == ("javascript:alert(1)", "")
