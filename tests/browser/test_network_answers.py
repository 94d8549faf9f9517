"""The rest of the reviewer's journey in a real browser: the network (the sandbox, over
real HTTP, through the worker) answers a decision while its page refreshes itself; and a
bulk accept of invoices with findings asks first."""

import pytest

from b2bportal.network.models import OutboundMessage
from b2bportal.staff.services import DEMO_PASSWORD
from tests.browser.test_review_journey import to_review  # noqa: F401
from tests.e2e.conftest import e2e, sandbox, world  # noqa: F401
from tests.e2e.test_invoice_loop import supplier_sends
from tests.invoices.conftest import business, webhook  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_page_shows_the_network_answer_without_a_reload(browser, world):  # noqa: F811
    draft, invoice = supplier_sends(world, 23)
    # The network takes its time to answer, as it does: long enough to see the pending page.
    world.enkash.network.result_delay = 8
    try:
        _decide_and_watch(browser, world, draft, invoice)
    finally:
        world.enkash.network.result_delay = 0.2


def _decide_and_watch(browser, world, draft, invoice):  # noqa: F811
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(world.app_url + "/")
    page.fill("input[name=username]", "reviewer")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{world.app_url}/admin/invoices/invoice/{invoice.pk}/change/")
    page.keyboard.press("a")
    page.keyboard.type("Goods received in full")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#pending").count() == 1

    # Nobody reloads: the pending page refreshes itself until the sandbox's result is in.
    page.wait_for_selector('#status:text-is("Accepted")', timeout=60_000)
    assert page.locator("#pending").count() == 0
    assert page.locator("#pending-refresh").count() == 0
    [message] = OutboundMessage.objects.filter(object_id=draft.object_id)
    assert (message.state, message.result) == ("answered", "SUCCESS")
    context.close()


def test_a_bulk_accept_of_invoices_with_findings_asks_first(log_in, live_server, to_review):  # noqa: F811
    page = log_in("reviewer")
    page.goto(f"{live_server.url}/admin/invoices/invoice/?o=1")
    for number in ("0458", "0459"):
        page.locator("#result_list tr", has_text=f"SGST/26-27/{number}").locator(
            "input.action-select"
        ).check()
    page.select_option("select[name=action]", "accept_selected")
    page.click("button[name=index]")
    page.wait_for_load_state()

    box = page.locator("#confirm-findings")
    assert "SGST/26-27/0459" in box.inner_text()
    page.fill("input[name=remarks]", "Checked against the delivery notes")
    page.click("form:has(#confirm-findings) button[type=submit]")
    page.wait_for_load_state()
    assert "Not sent: confirm_findings" in page.content()
    assert OutboundMessage.objects.count() == 0

    page.locator("input[name=confirm_findings]").check()
    page.fill("input[name=remarks]", "Checked against the delivery notes")
    page.click("form:has(#confirm-findings) button[type=submit]")
    page.wait_for_load_state()
    assert sorted(OutboundMessage.objects.values_list("object_id", flat=True)) == [
        f"INV{'0458':0>32}",
        f"INV{'0459':0>32}",
    ]
