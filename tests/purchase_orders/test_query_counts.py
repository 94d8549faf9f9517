# ruff: noqa: F401, F811  (fixtures from .surface)
"""The purchase orders' pages and API cost the same number of queries whatever their
size: the list with its status, pending mark and attention column, the page, the API."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from b2bportal.sandbox.data import COUNTERPARTIES
from purchase_orders.matching import order_book
from purchase_orders.models import PurchaseOrder
from tests.fixtures.orders import invoice_against, make_order, order_lines
from tests.invoices.conftest import SEND as INVOICE_SEND
from tests.invoices.conftest import webhook

from .surface import api, business, buyer_order, receive, received
from .test_api import kaveri


def queries(client, url) -> int:
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_detail_and_api_do_not_grow_with_rows(receive, api, client, staff):
    _, order = receive()
    client.force_login(staff["reviewer"])
    pages = {
        "admin list": "/admin/purchase_orders/purchaseorder/",
        "awaiting": "/admin/purchase_orders/purchaseorder/?awaiting_confirmation=yes",
        "admin detail": f"/admin/purchase_orders/purchaseorder/{order.pk}/change/",
        "api list": "/api/purchase-orders/",
        "api detail": f"/api/purchase-orders/{order.pk}/",
        "history": "/admin/purchase_orders/purchaseorderstatuschange/",
    }
    one = {name: queries(client, url) for name, url in pages.items()}
    for seed in range(2, 7):
        _, other = receive(buyer_order(seed, buyer=COUNTERPARTIES[seed]))
    decided = api("reviewer").post(
        f"/api/purchase-orders/{other.pk}/confirm/",
        {"response": "ACCEPT", "remarks": "Fine", "version": 1},
    )
    assert decided.status_code == 202  # one row now shows the pending mark
    assert PurchaseOrder.objects.count() == 6
    many = {name: queries(client, url) for name, url in pages.items()}
    assert many == one


def test_the_invoiced_figures_cost_the_same_with_one_invoice_or_three(
    kaveri, webhook, client, staff
):
    order = make_order(kaveri, order_lines((10000, 68.40), (4, 4500)))
    client.force_login(staff["reviewer"])
    pages = {
        "admin detail": f"/admin/purchase_orders/purchaseorder/{order.pk}/change/",
        "api detail": f"/api/purchase-orders/{order.pk}/",
    }
    assert (
        webhook(INVOICE_SEND, invoice_against([(1, 400, 68.40), (2, 1, 4500)], n=1)).status_code
        == 200
    )
    one = {name: queries(client, url) for name, url in pages.items()}
    for n in (2, 3):
        body = invoice_against([(1, 100, 68.40), (2, 1, 4500)], n=n)
        assert webhook(INVOICE_SEND, body).status_code == 200
    assert order.invoices.count() == 3
    assert len(order_book(order).lines[1].invoiced_by) == 3
    many = {name: queries(client, url) for name, url in pages.items()}
    assert many == one
