# ruff: noqa: F401, F811  (fixtures)
"""The order's page shows what was invoiced against it: per line the ordered, invoiced
and remaining quantity and value (Indian grouping), the invoices against each line
linked to their pages, the invoice lines on no line of the order, and every invoice
naming it."""

import re

import pytest

from invoices.models import Invoice
from tests.fixtures.orders import invoice_against, make_order, order_lines
from tests.invoices.conftest import SEND, csrf_of, login, password

pytestmark = pytest.mark.django_db


def page(client, order) -> str:
    response = client.get(f"/admin/purchase_orders/purchaseorder/{order.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def texts(html: str, element_id: str, tag: str) -> list[str]:
    """The text of each `tag` (td, dd, li) inside the element with `element_id`, spaces
    collapsed."""
    match = re.search(rf'<(\w+) [^>]*id="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, element_id
    cells = re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", match.group(2), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


def receive(webhook, body) -> Invoice:
    assert webhook(SEND, body).status_code == 200
    return Invoice.objects.get(object_id=body["invoice"]["objectId"])


@pytest.fixture
def invoiced(business, webhook):
    """Our order of 10000 kg of plate (8,07,120.00 with IGST), invoiced twice: 4000 kg with
    a laser cutting line the order does not have, then 3500 kg."""
    order = make_order(business, order_lines((10000, 68.40)))
    first = receive(webhook, invoice_against([(1, 4000, 68.40), (2, 1, 4500)], n=1))
    second = receive(webhook, invoice_against([(1, 3500, 68.40)], n=2))
    return order, first, second


def test_the_page_shows_ordered_invoiced_and_remaining_per_line(invoiced, login):
    order, first, second = invoiced
    html = page(login("reviewer"), order)
    assert texts(html, "invoiced-totals", "dd") == ["₹8,07,120.00", "₹6,10,650.00", "₹1,96,470.00"]
    link = '<a href="/admin/invoices/invoice/{}/change/"'
    assert texts(html, "invoiced-line-1", "td") == [
        "1",
        "MS plate 10mm IS 2062 E250",
        "10000",
        "7500",
        "2500",
        "8,07,120.00",
        "6,05,340.00",
        "2,01,780.00",
        "SGST/26-27/0901 (4000 · 3,22,848.00) SGST/26-27/0902 (3500 · 2,82,492.00)",
    ]
    row = re.search(r'id="invoiced-line-1".*?</tr>', html, re.S).group(0)
    assert row.index(link.format(first.pk)) < row.index(link.format(second.pk))
    assert texts(html, "unpaired", "td") == [
        "SGST/26-27/0901",
        "2",
        "Laser cutting and bending charges",
        "998898",
        "1",
        "5,310.00",
    ]
    unpaired = re.search(r'id="unpaired".*?</table>', html, re.S).group(0)
    assert link.format(first.pk) in unpaired
    assert texts(html, "order-invoices", "li") == [
        "SGST/26-27/0901 · 18/11/2026 · Sent to buyer · ₹3,28,158.00 · 1 finding",
        "SGST/26-27/0902 · 18/11/2026 · Sent to buyer · ₹2,82,492.00",
    ]


def test_an_order_invoiced_beyond_shows_negative_remaining_figures(business, webhook, login):
    order = make_order(business, order_lines((100, 68.40)))
    receive(webhook, invoice_against([(1, 150, 68.40)], n=1))
    html = page(login("reviewer"), order)
    assert texts(html, "invoiced-totals", "dd") == ["₹8,071.20", "₹12,106.80", "-₹4,035.60"]
    assert texts(html, "invoiced-line-1", "td")[2:8] == [
        "100", "150", "-50", "8,071.20", "12,106.80", "-4,035.60",
    ]  # fmt: skip
    assert 'id="remaining-value" class="text-red-600"' in html


def test_an_order_not_invoiced_yet(business, login):
    order = make_order(business, order_lines((10000, 68.40), (4, 4500)))
    html = page(login("auditor"), order)
    assert texts(html, "invoiced-totals", "dd") == ["₹8,28,360.00", "₹0.00", "₹8,28,360.00"]
    assert texts(html, "invoiced-line-2", "td") == [
        "2", "Laser cutting and bending charges", "4", "0", "4", "21,240.00", "0.00",
        "21,240.00", "-",
    ]  # fmt: skip
    assert 'id="unpaired"' not in html
    assert '<p id="order-invoices">No invoice names this order yet.</p>' in html
