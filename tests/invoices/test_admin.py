"""The reviewer's desk through the real admin views: login, CSRF, pages, decisions."""

import re
from decimal import Decimal

import pytest

from b2bportal.network.models import OutboundMessage
from b2bportal.parties.models import Business
from invoices import services
from invoices.models import Invoice
from tests.fixtures import invoices as data

from .conftest import EDIT, SEND, csrf_of, decision_state, detail

LIST = "/admin/invoices/invoice/"


def decide(client, invoice, page, response, remarks, **options):
    """Submit the decision form of the detail `page` (its CSRF token) for version 1."""
    return client.post(
        f"/admin/invoices/invoice/{invoice.pk}/decide/",
        {
            "csrfmiddlewaretoken": csrf_of(page),
            "response": response,
            "remarks": remarks,
            "version": "1",
        },
        **options,
    )


def test_list_filters_and_search(received, webhook, login):
    body = data.network_invoice(object_id=data.OTHER_OBJECT_ID, number="SGST/26-27/0461")
    body["invoice"]["valueDetails"]["totalInvoiceValue"] = 99999.0  # a TOTALS finding
    body["invoice"]["paymentMilestones"] = [{"milestoneDate": "2026-11-19", "dueAmount": 99999.0}]
    webhook(SEND, body)
    reviewer = login("reviewer")

    def numbers(**params):
        page = reviewer.get(LIST, params)
        assert page.status_code == 200
        return sorted(set(re.findall(r"SGST/26-27/04\d\d", page.content.decode())))

    assert numbers() == ["SGST/26-27/0458", "SGST/26-27/0461"]
    assert numbers(has_findings="yes") == ["SGST/26-27/0461"]
    assert numbers(has_findings="no") == ["SGST/26-27/0458"]
    assert numbers(status="SENT_TO_BUYER") == ["SGST/26-27/0458", "SGST/26-27/0461"]
    assert numbers(status="ACCEPTED") == []
    # the admin index's "awaiting review" link
    assert len(numbers(role__exact="buyer", status__exact="SENT_TO_BUYER")) == 2
    assert numbers(status__exact="ACCEPTED") == []
    assert numbers(role__exact="supplier") == []
    assert numbers(pending="yes") == []
    assert numbers(overdue="yes") == ["SGST/26-27/0461"]  # due 2026-11-19; 0458 due 2026-12-18
    assert numbers(overdue="no") == ["SGST/26-27/0458"]
    assert numbers(due_date_from="2026-12-01", due_date_to="2026-12-31") == ["SGST/26-27/0458"]
    assert numbers(counterparty__id__exact=received.counterparty_id) == [
        "SGST/26-27/0458",
        "SGST/26-27/0461",
    ]
    other = Business.objects.create(b2b_id="KAVERIENG.B2B.0002", legal_name="Kaveri Unit 2")
    assert numbers(business__id__exact=other.pk) == []
    assert len(numbers(business__id__exact=received.business_id)) == 2
    assert numbers(q="0461") == ["SGST/26-27/0461"]
    assert numbers(q=data.OBJECT_ID) == ["SGST/26-27/0458"]
    assert numbers(q="Shree Ganesh") == ["SGST/26-27/0458", "SGST/26-27/0461"]
    assert numbers(q=data.SUPPLIER_GSTIN) == ["SGST/26-27/0458", "SGST/26-27/0461"]
    assert numbers(total_value_from="25000", total_value_to="30000") == ["SGST/26-27/0458"]
    assert numbers(invoice_date_from="2026-11-18", invoice_date_to="2026-11-18") == [
        "SGST/26-27/0458",
        "SGST/26-27/0461",
    ]


def test_detail_page_shows_everything(received, webhook, login):
    webhook(EDIT, data.edit_of(data.network_invoice(), version=(1, 2), price=66.0))
    reviewer = login("reviewer")
    received.refresh_from_db()
    v1, v2 = received.versions.order_by("number")
    page = reviewer.get(detail(received), {"from": v1.pk, "to": v2.pk})
    assert page.status_code == 200
    html = page.content.decode()
    for text in [
        "Shree Ganesh Steel Traders Private Limited",
        data.SUPPLIER_GSTIN,
        data.BUYER_GSTIN,
        "MS plate 10mm IS 2062 E250",
        "72085110",
        "24,780.00",
        "2,970.00",
        "VRL Logistics",
        'id="timeline"',
        "req-send-invoice" and "invoice.edit",
        'id="decision"',
        'name="version" value="2"',
    ]:
        assert text in html, text
    assert "<strong>Unit price of line 1</strong> changed from" in html
    assert html.count('class="diff-row diff-changed"') == 9  # line 1's price, amounts, totals
    # the parties' addresses as written on an envelope, not in the wire's stored order
    supplier_card = html.split('id="supplier"', 1)[1].split("</div>", 1)[0]
    assert "<p>Plot 14, MIDC Bhosari, Near Telco Road, Pune, Maharashtra, 411026</p>" in (
        supplier_card
    )
    assert "REGISTERED" not in supplier_card


def test_decide_from_the_detail_page(received, login, staff):
    reviewer = login("reviewer")
    page = reviewer.get(detail(received))
    response = decide(reviewer, received, page, "REJECT", "Rate above PO rate")
    assert response.status_code == 302
    message = OutboundMessage.objects.get()
    assert message.created_by == staff["reviewer"]
    assert message.body["invoiceConfirmation"]["buyerResponse"] == "REJECT"
    received.refresh_from_db()
    assert received.pending_message == message and received.pending_status == "REJECTED"
    page = reviewer.get(detail(received))
    html = page.content.decode()
    assert 'id="pending"' in html and 'id="decision"' not in html
    assert 'Sent, awaiting network: Rejected ("Rate above PO rate")' in html
    # a second decision while the first is pending is refused
    before = decision_state(received)
    decide(reviewer, received, page, "ACCEPT", "ok")
    assert decision_state(received) == before
    follow = reviewer.get(detail(received)).content.decode()
    assert "awaiting the network" in follow


def test_decision_on_a_changed_invoice_is_refused(received, webhook, login):
    reviewer = login("reviewer")
    page = reviewer.get(detail(received))  # the reviewer reads version 1 ...
    webhook(EDIT, data.edit_of(data.network_invoice(), version=(1, 2), price=66.0))  # ... v2 lands
    before = decision_state(received)
    response = decide(reviewer, received, page, "ACCEPT", "Fine", follow=True)
    assert "The invoice changed" in response.content.decode()
    assert decision_state(received) == before


@pytest.mark.parametrize("remarks", ["", 'a "quote"', "back\\slash", "x" * 101])
def test_bad_remarks_are_refused(received, login, remarks):
    reviewer = login("reviewer")
    page = reviewer.get(detail(received))
    before = decision_state(received)
    response = decide(reviewer, received, page, "ACCEPT", remarks, follow=True)
    assert "Not sent: remarks" in response.content.decode()
    assert decision_state(received) == before


def test_without_decide_permission(received, login):
    auditor = login("auditor")
    page = auditor.get(detail(received))
    assert page.status_code == 200
    assert 'id="decision"' not in page.content.decode()
    listing = auditor.get(LIST).content.decode()
    assert "accept_selected" not in listing
    before = decision_state(received)
    response = decide(auditor, received, page, "ACCEPT", "ok")
    assert response.status_code == 403
    response = auditor.post(
        LIST,
        {
            "csrfmiddlewaretoken": csrf_of(auditor.get(LIST)),
            "action": "accept_selected",
            "_selected_action": [received.pk],
            "apply": "1",
            "remarks": "ok",
            f"version_{received.pk}": "1",
        },
    )
    assert decision_state(received) == before


def test_bulk_decision(received, webhook, login):
    webhook(SEND, data.network_invoice(object_id=data.OTHER_OBJECT_ID, number="SGST/26-27/0462"))
    other = Invoice.objects.get(object_id=data.OTHER_OBJECT_ID)
    reviewer = login("reviewer")
    listing = reviewer.get(LIST)
    assert "accept_selected" in listing.content.decode()
    ask = reviewer.post(
        LIST,
        {
            "csrfmiddlewaretoken": csrf_of(listing),
            "action": "return_selected",
            "_selected_action": [received.pk, other.pk],
        },
    )
    assert ask.status_code == 200
    html = ask.content.decode()
    assert f'name="version_{received.pk}" value="1"' in html
    # the second invoice changes while the reviewer writes the remarks
    webhook(
        EDIT,
        data.edit_of(
            data.network_invoice(object_id=data.OTHER_OBJECT_ID, number="SGST/26-27/0462"),
            version=(1, 2),
            price=60.0,
        ),
    )
    done = reviewer.post(
        LIST,
        {
            "csrfmiddlewaretoken": csrf_of(ask),
            "action": "return_selected",
            "apply": "1",
            "_selected_action": [received.pk, other.pk],
            "remarks": "Attach delivery challan",
            f"version_{received.pk}": "1",
            f"version_{other.pk}": "1",
        },
        follow=True,
    )
    text = done.content.decode()
    assert "SGST/26-27/0458: return for review sent" in text
    assert "SGST/26-27/0462: not sent. The invoice changed" in text
    message = OutboundMessage.objects.get()
    assert message.document == received
    assert message.body["invoiceConfirmation"]["buyerRemarks"] == "Attach delivery challan"
    other.refresh_from_db()
    assert other.pending_message is None


# Unicode digits too: int() would read "²" or "١", and they are no version.
@pytest.mark.parametrize("version", ["x", "", "1.0", "²", "¹", "١", "-1", "1 "])
def test_bulk_decision_with_a_garbled_version_is_refused(received, login, version):
    reviewer = login("reviewer")
    listing = reviewer.get(LIST)
    before = decision_state(received)
    page = reviewer.post(
        LIST,
        {
            "csrfmiddlewaretoken": csrf_of(listing),
            "action": "accept_selected",
            "apply": "1",
            "_selected_action": [received.pk],
            "remarks": "Checked",
            f"version_{received.pk}": version,
        },
        follow=True,
    )
    assert page.status_code == 200
    assert "SGST/26-27/0458: not sent. The invoice changed" in page.content.decode()
    assert decision_state(received) == before
    assert not OutboundMessage.objects.exists()


def test_bulk_decision_needs_remarks(received, login):
    reviewer = login("reviewer")
    listing = reviewer.get(LIST)
    before = decision_state(received)
    page = reviewer.post(
        LIST,
        {
            "csrfmiddlewaretoken": csrf_of(listing),
            "action": "accept_selected",
            "apply": "1",
            "_selected_action": [received.pk],
            "remarks": "",
            f"version_{received.pk}": "1",
        },
    )
    assert page.status_code == 200 and "This field is required" in page.content.decode()
    assert decision_state(received) == before


def test_export_needs_the_export_permission(received, login):
    auditor = login("auditor")
    assert auditor.get("/admin/invoices/invoice/export/").status_code == 200
    reviewer = login("reviewer")
    assert reviewer.get("/admin/invoices/invoice/export/").status_code == 403


def test_staff_create_send_and_cancel_our_invoice(business, login, staff, webhook):
    from .conftest import SEND_RESULT

    admin_client = login("admin")
    form = admin_client.get("/admin/invoices/invoice/add/")
    assert form.status_code == 200
    response = admin_client.post(
        "/admin/invoices/invoice/add/",
        {
            "csrfmiddlewaretoken": csrf_of(form),
            "business": business.pk,
            "buyer_b2b_id": data.SUPPLIER_B2B_ID,
            "buyer_gstin": data.SUPPLIER_GSTIN,
            "buyer_legal_name": "Shree Ganesh Steel Traders Private Limited",
            "buyer_trade_name": "",
            "buyer_state_code": "27",
            "place_of_supply": "27",
            "supplier_invoice_number": "KEW/INV/26-27/0013",
            "invoice_date": "2026-11-20",
            "due_date": "2026-12-20",
            "lines-TOTAL_FORMS": "3",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "1",
            "lines-MAX_NUM_FORMS": "1000",
            "lines-0-description": "Gear blank EN8",
            "lines-0-hsn_code": "84831099",
            "lines-0-quantity": "120",
            "lines-0-unit": "NOS",
            "lines-0-unit_price": "415.50",
            "lines-0-gst_rate": "18",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    ours = Invoice.objects.get(supplier_invoice_number="KEW/INV/26-27/0013")
    assert (ours.status, ours.total_value, str(ours.igst_amount)) == (
        "CREATED",
        Decimal("58834.80"),
        "8974.80",
    )
    page = admin_client.get(detail(ours))
    assert 'id="supplier-actions"' in page.content.decode()
    admin_client.post(
        f"/admin/invoices/invoice/{ours.pk}/send/",
        {"csrfmiddlewaretoken": csrf_of(page), "version": "1"},
    )
    sent = OutboundMessage.objects.get()
    assert sent.message_type == "invoice.send"
    webhook(SEND_RESULT, data.result(sent.req_msg_id))
    page = admin_client.get(detail(ours))
    admin_client.post(
        f"/admin/invoices/invoice/{ours.pk}/cancel/",
        {
            "csrfmiddlewaretoken": csrf_of(page),
            "version": "1",
            "remarks": "Raised twice",
        },
    )
    cancel = OutboundMessage.objects.get(message_type="invoice.status_change")
    assert cancel.body["invoiceStatus"]["supplierRemarks"] == "Raised twice"
    ours.refresh_from_db()
    assert (ours.status, ours.pending_status) == ("SENT_TO_BUYER", "CANCELLED")


def test_conflict_and_parked_messages_are_shown(received, webhook, login):
    webhook(EDIT, data.edit_of(data.network_invoice(), version=(0, 1), price=70.0))  # conflict
    webhook(EDIT, data.edit_of(data.network_invoice(), version=(2, 3), price=65.0))  # ahead
    html = login("reviewer").get(detail(received)).content.decode()
    assert html.count('class="conflict') == 1
    assert "Version conflict: <a" in html
    assert "v3 Parked: arrived ahead of sequence" in html
    assert "VERSION_CONFLICT" in html


def test_staff_edit_our_invoice_sends_a_new_version(business, login, staff):
    from invoices import services

    from .test_supplier_side import invoice_data

    ours = services.create_invoice(business, invoice_data(), actor=staff["admin"])
    Invoice.objects.filter(pk=ours.pk).update(status="SENT_TO_BUYER")  # as if sent and applied
    admin_client = login("admin")
    form = admin_client.get(f"/admin/invoices/invoice/{ours.pk}/edit/")
    html = form.content.decode()
    assert 'value="KEW/INV/26-27/0012"' in html and 'value="CNC machined flange 150NB"' in html
    response = admin_client.post(
        f"/admin/invoices/invoice/{ours.pk}/edit/",
        {
            "csrfmiddlewaretoken": csrf_of(form),
            "business": business.pk,
            "buyer_b2b_id": data.SUPPLIER_B2B_ID,
            "buyer_gstin": data.SUPPLIER_GSTIN,
            "buyer_legal_name": "Shree Ganesh Steel Traders Private Limited",
            "buyer_trade_name": "Shree Ganesh Steel",
            "buyer_state_code": "27",
            "place_of_supply": "27",
            "supplier_invoice_number": "KEW/INV/26-27/0012",
            "invoice_date": "2026-11-19",
            "due_date": "2026-12-19",
            "version": "1",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "1",
            "lines-MAX_NUM_FORMS": "1000",
            "lines-0-description": "CNC machined flange 150NB",
            "lines-0-hsn_code": "73079190",
            "lines-0-quantity": "40",
            "lines-0-unit": "NOS",
            "lines-0-unit_price": "1200",
            "lines-0-gst_rate": "18",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    message = OutboundMessage.objects.get()
    assert message.message_type == "invoice.edit"
    assert message.body["invoice"]["objectVersion"] == {"currentVersion": 1, "newVersion": 2}
    assert message.body["invoice"]["valueDetails"]["totalInvoiceValue"] == 56640.0
    ours.refresh_from_db()
    assert ours.version == 1 and ours.pending_message == message


def test_staff_edit_of_a_counterparty_bank_account_is_in_its_history(received, login):
    admin_client = login("admin")
    counterparty = received.counterparty
    url = f"/admin/parties/counterparty/{counterparty.pk}/change/"
    form = admin_client.get(url)
    assert form.status_code == 200
    response = admin_client.post(
        url,
        {
            "csrfmiddlewaretoken": csrf_of(form),
            "b2b_id": counterparty.b2b_id,
            "gstin": counterparty.gstin,
            "legal_name": counterparty.legal_name,
            "trade_name": counterparty.trade_name,
            "state_code": counterparty.state_code,
            "address": "{}",
            "email": counterparty.email,
            "phone": counterparty.phone,
            "bank_account": '{"ifsc": "ICIC0000456", "maskedAccountNumber": "XXXXXXXX9931"}',
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    latest = counterparty.history.first()
    assert latest.bank_account["ifsc"] == "ICIC0000456"
    assert latest.history_user.username == "admin"
    assert counterparty.history.count() == 2


def test_a_request_that_failed_for_good_no_longer_blocks_a_decision(received, login):
    reviewer = login("reviewer")
    page = reviewer.get(detail(received))
    decide(reviewer, received, page, "ACCEPT", "ok")
    # the outbound worker gives up (a 4xx from EnKash is final)
    OutboundMessage.objects.update(state="failed", last_error="HTTP 422: buyerRemarks too short")
    html = reviewer.get(detail(received)).content.decode()
    assert 'id="delivery-failed"' in html and "HTTP 422" in html
    assert 'id="decision"' in html
    response = decide(reviewer, received, page, "ACCEPT", "Accepted")
    assert response.status_code == 302
    assert OutboundMessage.objects.count() == 2


def test_the_list_marks_only_invoices_with_a_decision_awaiting_the_network(
    received, webhook, login
):
    webhook(SEND, data.network_invoice(object_id=data.OTHER_OBJECT_ID, number="SGST/26-27/0461"))
    reviewer = login("reviewer")
    assert "awaiting network" not in reviewer.get(LIST).content.decode()

    services.confirm(received, "ACCEPT", "Checked against GRN 4471", expected_version=1)
    html = reviewer.get(LIST).content.decode()
    assert html.count("awaiting network") == 1
