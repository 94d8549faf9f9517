"""The reviewer's queue on the invoice desk (the document admin base): the next document
of the list, the refused form kept, findings confirmed before accepting, a pending page
that refreshes itself until the network answers."""

import html
import re
from urllib.parse import urlencode

import pytest

from b2bportal.network.models import OutboundMessage
from invoices.models import Invoice
from tests.fixtures import invoices as data

from .conftest import CONFIRM_RESULT, SEND, csrf_of, decision_state, detail

LIST = "/admin/invoices/invoice/"
ACCEPTED = {"statusTransition": {"currentStatus": "SENT_TO_BUYER", "newStatus": "ACCEPTED"}}


def receive(webhook, number: str, *, findings: bool = False) -> Invoice:
    object_id = f"INV{number[-4:]:0>32}"
    body = data.network_invoice(object_id=object_id, number=number)
    if findings:
        body["invoice"]["valueDetails"]["totalInvoiceValue"] = 99999.0  # a TOTALS finding
    webhook(SEND, body)
    return Invoice.objects.get(object_id=object_id)


def next_link(page) -> str:
    """The page's "Next in the list" address ("" when the page says it is the last)."""
    match = re.search(r'<a id="next"[^>]* href="([^"]+)"', page.content.decode())
    return html.unescape(match.group(1)) if match else ""


def in_list(invoice, filters: str) -> str:
    return f"{detail(invoice)}?{urlencode({'_changelist_filters': filters})}"


def post_decision(client, invoice, page, response, remarks, **extra):
    return client.post(
        f"/admin/invoices/invoice/{invoice.pk}/decide/",
        {
            "csrfmiddlewaretoken": csrf_of(page),
            "response": response,
            "remarks": remarks,
            "version": "1",
            **extra,
        },
    )


@pytest.fixture
def three(received, webhook):
    """0458 (received), 0459 with a findings, 0460: three invoices to review."""
    return {
        "0458": received,
        "0459": receive(webhook, "SGST/26-27/0459", findings=True),
        "0460": receive(webhook, "SGST/26-27/0460"),
    }


def test_next_follows_the_lists_order_and_filters(three, login):
    reviewer = login("reviewer")
    by_number = "o=1"  # the list's first column, ascending
    page = reviewer.get(in_list(three["0458"], by_number))
    assert next_link(page) == in_list(three["0459"], by_number)
    # descending: the other way round
    page = reviewer.get(in_list(three["0460"], "o=-1"))
    assert next_link(page) == in_list(three["0459"], "o=-1")
    # filtered: the invoice with findings is not in the list, so not next
    clean = "has_findings=no&o=1"
    page = reviewer.get(in_list(three["0458"], clean))
    assert next_link(page) == in_list(three["0460"], clean)
    last = reviewer.get(in_list(three["0460"], clean)).content.decode()
    assert 'id="next"' not in last and "Last in the list" in last
    # the list link goes back to the same list
    assert f'href="{LIST}?has_findings=no&amp;o=1"' in last


def test_next_after_a_decision_that_takes_the_invoice_off_the_list(three, login):
    reviewer = login("reviewer")
    waiting = "pending=no&o=1"
    page = reviewer.get(in_list(three["0458"], waiting))
    assert next_link(page) == in_list(three["0459"], waiting)
    response = post_decision(
        reviewer, three["0458"], page, "REJECT", "Wrong rate",
        _changelist_filters=waiting, queue_next=str(three["0459"].pk),
    )  # fmt: skip
    assert response.status_code == 302
    after = reviewer.get(response["Location"])
    assert 'id="pending"' in after.content.decode()
    # 0458 is now pending, off the list: next is still the one offered before
    assert next_link(after) == in_list(three["0459"], waiting)


def test_a_refused_decision_keeps_the_response_and_remarks(received, login):
    reviewer = login("reviewer")
    page = reviewer.get(detail(received))
    before = decision_state(received)
    response = post_decision(reviewer, received, page, "REJECT", 'Rate "above" PO')
    assert response.status_code == 302
    again = reviewer.get(response["Location"]).content.decode()
    assert "Not sent: remarks" in again
    assert '<option value="REJECT" selected>' in again
    assert 'value="Rate &quot;above&quot; PO"' in again
    assert decision_state(received) == before
    # corrected, it is sent, and the draft is forgotten
    post_decision(reviewer, received, page, "REJECT", "Rate above PO")
    assert OutboundMessage.objects.get().body["invoiceConfirmation"]["buyerResponse"] == "REJECT"
    Invoice.objects.filter(pk=received.pk).update(pending_message=None)
    clean = reviewer.get(detail(received)).content.decode()
    assert 'value="Rate above PO"' not in clean and '<option value="REJECT" selected>' not in clean
    assert 'id="decision"' in clean


def test_accepting_against_findings_asks_first(three, login):
    flagged = three["0459"]
    reviewer = login("reviewer")
    page = reviewer.get(detail(flagged))
    html_page = page.content.decode()
    assert html_page.index('id="findings"') < html_page.index('id="decision"')
    assert 'name="confirm_findings"' in html_page
    before = decision_state(flagged)
    response = post_decision(reviewer, flagged, page, "ACCEPT", "Looks fine")
    again = reviewer.get(response["Location"]).content.decode()
    assert "Not sent: confirm_findings: SGST/26-27/0459 has findings" in again
    assert '<option value="ACCEPT" selected>' in again and 'value="Looks fine"' in again
    assert decision_state(flagged) == before
    post_decision(reviewer, flagged, page, "ACCEPT", "Looks fine", confirm_findings="1")
    message = OutboundMessage.objects.get()
    assert message.body["invoiceConfirmation"]["buyerResponse"] == "ACCEPT"
    # without findings, no box and no question
    clean = reviewer.get(detail(three["0460"])).content.decode()
    assert 'name="confirm_findings"' not in clean


def test_rejecting_an_invoice_with_findings_needs_no_confirmation(three, login):
    reviewer = login("reviewer")
    page = reviewer.get(detail(three["0459"]))
    post_decision(reviewer, three["0459"], page, "REJECT", "Totals wrong")
    assert OutboundMessage.objects.get().body["invoiceConfirmation"]["buyerResponse"] == "REJECT"


def bulk(client, listing, invoices, response="accept_selected", **extra):
    return client.post(
        LIST,
        {
            "csrfmiddlewaretoken": csrf_of(listing),
            "action": response,
            "_selected_action": [invoice.pk for invoice in invoices],
            "apply": "1",
            "remarks": "Checked",
            **{f"version_{invoice.pk}": "1" for invoice in invoices},
            **extra,
        },
        follow=True,
    )


def test_bulk_accept_with_findings_asks_first(three, login):
    reviewer = login("reviewer")
    listing = reviewer.get(LIST)
    actions = listing.content.decode()
    assert (
        "Accept selected invoices" in actions and "Return selected invoices for review" in actions
    )
    chosen = [three["0458"], three["0459"]]
    ask = reviewer.post(
        LIST,
        {
            "csrfmiddlewaretoken": csrf_of(listing),
            "action": "accept_selected",
            "_selected_action": [invoice.pk for invoice in chosen],
        },
    )
    asked = ask.content.decode()
    assert 'name="confirm_findings"' in asked and "(SGST/26-27/0459)" in asked
    before = [decision_state(invoice) for invoice in chosen]
    refused = bulk(reviewer, ask, chosen).content.decode()
    assert "Not sent: confirm_findings: SGST/26-27/0459 has findings" in refused
    assert [decision_state(invoice) for invoice in chosen] == before
    assert OutboundMessage.objects.count() == 0
    done = bulk(reviewer, ask, chosen, confirm_findings="1").content.decode()
    assert "SGST/26-27/0458: accept sent" in done and "SGST/26-27/0459: accept sent" in done
    assert OutboundMessage.objects.count() == 2
    # a bulk return asks nothing
    returned = bulk(reviewer, listing, [three["0460"]], "return_selected").content.decode()
    assert "SGST/26-27/0460: return for review sent" in returned


def test_a_pending_page_refreshes_itself_until_the_network_answers(received, login, webhook):
    reviewer = login("reviewer")
    page = reviewer.get(detail(received))
    assert 'http-equiv="refresh"' not in page.content.decode()
    post_decision(reviewer, received, page, "ACCEPT", "Goods received")
    pending = reviewer.get(detail(received)).content.decode()
    assert '<meta http-equiv="refresh" content="5" id="pending-refresh">' in pending
    assert "confirm:ACCEPT (Requested, awaiting network)" in pending
    message = OutboundMessage.objects.get()
    answer = data.result(message.req_msg_id, "invoiceConfirmation", ACCEPTED)
    assert webhook(CONFIRM_RESULT, answer).status_code == 200
    answered = reviewer.get(detail(received)).content.decode()
    assert 'http-equiv="refresh"' not in answered
    assert "awaiting network" not in answered
    assert "confirm:ACCEPT (Requested, success)" in answered


def test_no_findings_says_what_could_not_be_checked(received, webhook, login):
    body = data.network_invoice(object_id=f"INV{0:032d}", number="SGST/26-27/0470")
    del body["invoice"]["supplierDetails"]["gstin"]
    del body["invoice"]["dispatchDetails"]["gstin"]
    assert webhook(SEND, body).status_code == 200, webhook
    unregistered = Invoice.objects.get(object_id=f"INV{0:032d}")
    reviewer = login("reviewer")
    page = reviewer.get(detail(unregistered)).content.decode()
    assert unregistered.supplier_gstin == "" and unregistered.finding_count == 0
    assert "Not checked: The supplier gave no GSTIN: its format, check digit and state" in page
    assert "check out" not in page
    checked = reviewer.get(detail(received)).content.decode()
    assert "None: the arithmetic, taxes, GSTINs, parties and dates check out." in checked


@pytest.mark.parametrize(
    "filters", ["business__legal_name__regex=.*", "status=NOPE&o=x", "due_date__gte=soon"]
)
def test_a_garbled_list_querystring_still_opens_the_page(received, login, filters):
    page = login("reviewer").get(in_list(received, filters))
    assert page.status_code == 200
    assert 'id="decision"' in page.content.decode()
