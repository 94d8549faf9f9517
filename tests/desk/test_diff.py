"""The version diff in words: each change a sentence with ₹ amounts and DD/MM/YYYY dates."""

import pytest

from b2bportal.desk.diff import changes
from invoices.models import InvoiceVersion
from tests.fixtures import invoices as data
from tests.invoices.conftest import EDIT, detail

pytestmark = pytest.mark.django_db


def _versions(received, webhook, body):
    assert webhook(EDIT, body).status_code == 200
    return InvoiceVersion.objects.filter(invoice=received).order_by("number")


def test_price_change_reads_as_sentences(received, webhook):
    body = data.edit_of(data.network_invoice(), version=(1, 2), price=66.0)
    v1, v2 = _versions(received, webhook, body)
    assert [c.sentence for c in changes(v1, v2)] == [
        "Assessable value changed from ₹21,600.00 to ₹21,000.00",
        "IGST changed from ₹3,888.00 to ₹3,780.00",
        "Total invoice value changed from ₹25,488.00 to ₹24,780.00",
        "Unit price of line 1 changed from ₹68.40 to ₹66.00",
        "Gross amount of line 1 changed from ₹17,100.00 to ₹16,500.00",
        "Assessable amount of line 1 changed from ₹17,100.00 to ₹16,500.00",
        "IGST amount of line 1 changed from ₹3,078.00 to ₹2,970.00",
        "Total item value of line 1 changed from ₹20,178.00 to ₹19,470.00",
        "Taxes and other charges, IGST: Amount changed from ₹3,888.00 to ₹3,780.00",
    ]


def test_line_added_due_date_and_bank_changed(received, webhook):
    body = data.edit_of(data.network_invoice(), version=(1, 2))
    invoice = body["invoice"]
    extra = dict(invoice["itemLists"][1], serialno="3", productDescription="Packing crate")
    extra.update(unitPrice=4750.0, totalAmt=4750.0, assessmentAmount=4750.0)
    extra.update(itemValueDetails=[{"type": "IGST", "value": 855.0}], totalItemValue=5605.0)
    invoice["itemLists"].append(extra)
    invoice["valueDetails"] = {
        "assessmentValue": 26350.0,
        "totalInvoiceValue": 31093.0,
        "otherValues": [{"type": "IGST", "value": 4743.0}],
    }
    invoice["paymentMilestones"] = [{"milestoneDate": "2026-11-25", "dueAmount": 31093.0}]
    invoice["supplierBankAccountDetails"]["ifsc"] = "ICIC0000456"
    v1, v2 = _versions(received, webhook, body)
    sentences = [c.sentence for c in changes(v1, v2)]
    assert sentences == [
        "Due date changed from 18/12/2026 to 25/11/2026",
        "Assessable value changed from ₹21,600.00 to ₹26,350.00",
        "IGST changed from ₹3,888.00 to ₹4,743.00",
        "Total invoice value changed from ₹25,488.00 to ₹31,093.00",
        "Line 3 added: Description Packing crate, Quantity 1, Unit NOS, "
        "Unit price ₹4,750.00, Total item value ₹5,605.00",
        "Bank account (pay to): IFSC changed from HDFC0000123 to ICIC0000456",
        "Payment milestones added: Milestone date 25/11/2026, Amount due ₹31,093.00",
        "Taxes and other charges, IGST: Amount changed from ₹3,888.00 to ₹4,743.00",
    ]


def test_the_page_highlights_each_change(received, webhook, login):
    body = data.edit_of(data.network_invoice(), version=(1, 2), price=66.0)
    v1, v2 = _versions(received, webhook, body)
    html = login("reviewer").get(detail(received), {"from": v1.pk, "to": v2.pk}).content.decode()
    assert "v1 → v2: 9 changes" in html
    assert (
        '<li class="diff-row diff-changed"><strong>Unit price of line 1</strong> changed from '
        '<del class="rounded-default px-1 bg-red-100">₹68.40</del> to '
        '<ins class="rounded-default px-1 bg-green-100" style="text-decoration: none">₹66.00</ins>'
        "</li>"
    ) in html
    assert "line 1.unit_price" not in html
