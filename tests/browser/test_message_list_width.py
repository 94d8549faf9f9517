# ruff: noqa: F401, F811  (fixtures)
"""The inbound message list fits a 1440 px screen: its long identifiers (objectIds of
35 characters, dotted B2B IDs) wrap inside their columns instead of pushing the last
column (the document) out of sight behind a sideways scroll."""

import pytest

from tests.browser.conftest import DESKTOP
from tests.browser.test_order_book import invoiced_order
from tests.invoices.conftest import SEND, business, webhook

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_inbound_list_fits_a_desktop_screen(log_in, live_server, invoiced_order):
    page = log_in("auditor")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/admin/network/inboundmessage/")
    table = page.locator("#result_list")
    rows = table.locator("tbody tr")
    assert rows.count() == 2
    first = rows.first.inner_text()
    assert "INV00000000000000000000000000000002" in first.replace("\n", "")
    assert "KAVERIENG.B2B.0001" in first.replace("\n", "")
    assert rows.first.locator("a", has_text="invoice #").is_visible()
    widths = table.evaluate("t => [t.scrollWidth, t.parentElement.clientWidth]")
    assert widths[0] <= widths[1], widths
