"""Notes and assignment in a real browser: add a note, assign, filter "assigned to me"."""

import pytest

from b2bportal.desk.models import Assignment, Note
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)


def test_note_assign_and_assigned_to_me(log_in, live_server, make_invoice, staff):
    mine, other = make_invoice(total="450000"), make_invoice(total="7500")
    page = log_in("reviewer")
    page.goto(f"{live_server.url}/admin/invoices/invoice/{mine.pk}/change/")

    page.fill("#note-text", "GRN 4471 short by 20 kg; holding until Pune confirms.")
    page.click("#note-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#note-list .note").count() == 1
    assert "GRN 4471 short by 20 kg" in page.locator("#note-list").inner_text()
    assert " IST" in page.locator("#note-list .note").inner_text()

    page.select_option("#assign-form select[name=assignee]", str(staff["reviewer"].pk))
    page.click("#assign-form button[type=submit]")
    page.wait_for_load_state()
    assert (
        page.locator("#assigned-to")
        .inner_text()
        .startswith("Assigned to reviewer (you) by reviewer")
    )

    page.goto(live_server.url + "/")
    link = page.locator('[data-figure="invoices-assigned-to-you"]')
    assert link.locator(".desk-count").inner_text() == "1"
    link.click()
    page.wait_for_load_state()
    rows = page.locator("#result_list tbody tr").all_inner_texts()
    assert len(rows) == 1 and mine.supplier_invoice_number in rows[0]
    assert other.supplier_invoice_number not in rows[0]
    assert Note.objects.count() == 1 and Assignment.objects.get().assignee == staff["reviewer"]


def test_notes_fit_a_phone(log_in, live_server, make_invoice, staff):
    invoice = make_invoice()
    Note.objects.create(
        document=invoice,
        author=staff["reviewer"],
        text="x" * 300,  # one unbroken word
    )
    page = log_in("reviewer")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/admin/invoices/invoice/{invoice.pk}/change/")
    width = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    assert width == [PHONE["width"], PHONE["width"]]
