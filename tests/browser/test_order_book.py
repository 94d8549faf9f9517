# ruff: noqa: F401, F811  (fixtures)
"""The purchase order's "Invoiced against this order" in a real browser: readable at
desktop width, and at phone width the page does not scroll sideways (the table scrolls
inside its section)."""

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from tests.fixtures.orders import invoice_against, make_order, order_lines
from tests.invoices.conftest import SEND, business, webhook

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def invoiced_order(business, webhook):
    order = make_order(business, order_lines((10000, 68.40), (4, 4500)))
    for n, lines in enumerate(([(1, 4000, 68.40), (2, 1, 4500)], [(1, 3500, 68.40)]), start=1):
        assert webhook(SEND, invoice_against(lines, n=n)).status_code == 200
    return order


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_invoiced_section_fits_the_screen(log_in, live_server, invoiced_order, viewport):
    page = log_in("reviewer")
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/admin/purchase_orders/purchaseorder/{invoiced_order.pk}/change/")
    section = page.locator("#invoiced")
    assert section.locator("#remaining-value").inner_text() == "₹2,17,710.00"
    assert section.locator("#invoiced-lines a").count() == 3  # the invoices, linked
    width = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    assert width == [viewport["width"], viewport["width"]]
    box = section.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
