"""An invoice's purchase order in the API (`purchase_order`, the match's findings) and
on the invoice page ("Matches PO ...", or the exact line that does not)."""

import pytest
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIClient

from b2bportal.access.services import issue_token
from invoices.models import Invoice
from tests.fixtures.orders import PO_NUMBER, PO_OBJECT_ID, invoice_against, make_order, order_lines

from .conftest import SEND, detail

pytestmark = pytest.mark.django_db

ORDERED = ((1000, 68.40), (4, 4500))


@pytest.fixture
def api(staff):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(staff['reviewer']).key}")
    return client


def receive(webhook, body) -> Invoice:
    assert webhook(SEND, body).status_code == 200
    return Invoice.objects.get(object_id=body["invoice"]["objectId"])


def order_link(po) -> str:
    """The PO as the page names it: linked to its admin page once that admin exists."""
    try:
        url = reverse("admin:purchase_orders_purchaseorder_change", args=[po.pk])
    except NoReverseMatch:
        return PO_NUMBER
    return f'<a class="underline" href="{url}">{PO_NUMBER}</a>'


def order_section(client, invoice) -> str:
    """The order section of the invoice's page."""
    html = client.get(detail(invoice)).content.decode()
    part = html[html.index('<div id="order"') :]
    return part[: part.index("</div>")]


def test_the_api_names_the_order_and_its_findings(business, webhook, api):
    po = make_order(business, order_lines(*ORDERED))
    invoice = receive(webhook, invoice_against([(1, 250, 70.00)]))
    body = api.get(f"/api/invoices/{invoice.pk}/").json()
    assert body["purchase_order"] == {
        "id": po.pk,
        "object_id": PO_OBJECT_ID,
        "po_number": PO_NUMBER,
    }
    assert body["findings"] == [
        {
            "code": "PO_PRICE",
            "field": "itemLists[0].unitPrice",
            "message": "Line 1: unit price 70 above PO 4500012345 line 1's 68.4",
        }
    ]
    assert body["finding_count"] == 1


def test_the_api_says_null_without_an_order_and_keeps_the_unknown_one(business, webhook, api):
    invoice = receive(webhook, invoice_against([(1, 250, 68.40)], po_number="4500099999"))
    body = api.get(f"/api/invoices/{invoice.pk}/").json()
    assert body["purchase_order"] is None
    assert body["findings"] == [
        {
            "code": "PO_UNKNOWN",
            "field": "poDetails[0]",
            "message": "Purchase order 4500099999 is not one we hold",
        }
    ]


def test_the_page_says_the_invoice_matches_its_order(business, webhook, login):
    po = make_order(business, order_lines(*ORDERED))
    invoice = receive(webhook, invoice_against([(1, 250, 68.40), (2, 1, 4500)]))
    part = order_section(login("reviewer"), invoice)
    assert f"Matches PO {order_link(po)} (Accepted)" in part
    assert "order-mismatch" not in part


def test_the_page_names_the_line_that_does_not_match(business, webhook, login):
    po = make_order(business, order_lines(*ORDERED))
    invoice = receive(webhook, invoice_against([(1, 250, 68.40), (2, 5, 4500)]))
    part = order_section(login("reviewer"), invoice)
    assert f"Against PO {order_link(po)} (Accepted), but:" in part
    assert (
        '<li data-code="PO_QUANTITY" data-field="itemLists[1].quantity">Line 2: quantity 5 '
        "beyond the 4 remaining of PO 4500012345 line 2 (ordered 4, invoiced before 0)</li>"
    ) in part


def test_the_page_shows_an_order_we_do_not_hold(webhook, login):
    invoice = receive(webhook, invoice_against([(1, 250, 68.40)], po_number="4500099999"))
    part = order_section(login("reviewer"), invoice)
    assert "Matches" not in part and "Against" not in part
    assert "Purchase order 4500099999 is not one we hold" in part


def test_the_page_has_no_order_section_when_none_is_named(received, login):
    html = login("reviewer").get(detail(received)).content.decode()
    assert 'id="order"' not in html
