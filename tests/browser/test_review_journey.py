"""The reviewer's journey in a real browser: filter the list, open an invoice, accept it
with remarks from the keyboard, see it pending (the page refreshing itself), go next."""

import re

import pytest

from b2bportal.network.models import OutboundMessage
from invoices.models import Invoice
from tests.browser.conftest import PHONE
from tests.fixtures import invoices as data
from tests.invoices.conftest import SEND, business, webhook  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def to_review(webhook):  # noqa: F811
    """Three invoices received through the webhook; 0459 has a findings (its total)."""
    for number, wrong_total in (("0458", False), ("0459", True), ("0460", False)):
        body = data.network_invoice(object_id=f"INV{number:0>32}", number=f"SGST/26-27/{number}")
        if wrong_total:
            body["invoice"]["valueDetails"]["totalInvoiceValue"] = 99999.0
        assert webhook(SEND, body).status_code == 200
    return {i.supplier_invoice_number[-4:]: i for i in Invoice.objects.all()}


def test_filter_open_accept_with_remarks_pending_then_next(log_in, live_server, to_review):
    page = log_in("reviewer")
    page.goto(f"{live_server.url}/admin/invoices/invoice/?has_findings=no&o=1")
    page.fill("input[name=q]", "SGST/26-27")
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state()
    rows = page.locator("#result_list tbody tr").all_inner_texts()
    assert [re.search(r"SGST/26-27/\d{4}", row).group(0) for row in rows] == [
        "SGST/26-27/0458",
        "SGST/26-27/0460",
    ]
    page.get_by_role("link", name="SGST/26-27/0458").click()
    page.wait_for_load_state()
    assert page.locator("#shortcuts").inner_text().startswith("Keys: a accept")

    page.keyboard.press("a")  # accept: the cursor moves to the remarks
    assert page.locator("select[name=response]").input_value() == "ACCEPT"
    page.keyboard.type("Goods received in full")
    page.keyboard.press("Enter")
    page.wait_for_load_state()

    assert (
        page.locator("#pending")
        .inner_text()
        .startswith('Sent, awaiting network: Accepted ("Goods received in full")')
    )
    assert page.locator("#pending-refresh").count() == 1
    assert page.locator("#decision").count() == 0
    message = OutboundMessage.objects.get()
    assert message.body["invoiceConfirmation"]["buyerRemarks"] == "Goods received in full"

    page.keyboard.press("n")  # next in the filtered list: 0459 has findings, so 0460
    page.wait_for_url(re.compile(rf"/invoice/{to_review['0460'].pk}/change/"))
    assert page.locator("#summary h2").inner_text().startswith("SGST/26-27/0460")
    assert page.locator("#no-next").inner_text() == "Last in the list"


def test_accepting_against_findings_asks_in_the_page(log_in, live_server, to_review):
    page = log_in("reviewer")
    page.goto(f"{live_server.url}/admin/invoices/invoice/{to_review['0459'].pk}/change/")
    box = page.locator("#confirm-findings")
    assert box.is_visible()
    page.select_option("select[name=response]", "REJECT")
    assert not box.is_visible()  # rejecting follows the findings: nothing to confirm
    page.select_option("select[name=response]", "ACCEPT")
    page.fill("input[name=remarks]", "Supplier confirmed the total")
    page.click("#decision-form button[type=submit]")
    page.wait_for_load_state()
    assert "Not sent: confirm_findings" in page.content()
    assert page.locator("input[name=remarks]").input_value() == "Supplier confirmed the total"
    assert OutboundMessage.objects.count() == 0
    page.check("input[name=confirm_findings]")
    page.click("#decision-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#pending").count() == 1
    assert OutboundMessage.objects.count() == 1


def test_the_invoice_page_fits_a_phone(log_in, live_server, to_review):
    page = log_in("reviewer")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/admin/invoices/invoice/{to_review['0459'].pk}/change/")
    width = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    assert width == [PHONE["width"], PHONE["width"]]
