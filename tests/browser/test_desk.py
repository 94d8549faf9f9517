"""The desk in a real browser: login, the home page's links, exports, phones, accessibility."""

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.django_db(transaction=True)

# axe-core 4.14.1 (MPL-2.0), vendored from the npm registry: accessibility rules, run in
# the page.
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()


@pytest.fixture
def invoices(make_invoice):
    return {
        "clean": make_invoice(total="1234567.50"),
        "failed": make_invoice(outbound_state="failed", total="25000", supplier=1),
        "pending": make_invoice(outbound_state="sent", total="5000", supplier=2),
        "old": make_invoice(age_days=40, total="45000000"),
    }


def test_login_lands_on_the_home_page(page, live_server, staff, password):
    page.goto(live_server.url + "/")
    assert page.url == live_server.url + "/admin/login/?next=/"
    page.fill("input[name=username]", "reviewer")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    assert page.locator("#attention h2").inner_text().startswith("Needs attention")

    page.goto(live_server.url + "/admin/")
    page.click("#desk-home-link")
    page.wait_for_url(live_server.url + "/")


def test_home_links_open_the_filtered_lists(log_in, live_server, invoices):
    page = log_in("reviewer")
    expected = {
        "invoices-to-review": {"clean", "failed", "old"},
        "invoices-pending-at-the-network": {"pending"},
        "invoices-failed-or-refused": {"failed"},
    }
    for figure, names in expected.items():
        page.goto(live_server.url + "/")
        link = page.locator(f'[data-figure="{figure}"]')
        assert link.locator(".desk-count").inner_text() == str(len(names))
        link.click()
        page.wait_for_load_state()
        shown = set(page.locator("#result_list tbody tr").all_inner_texts())
        numbers = {invoices[name].supplier_invoice_number for name in names}
        assert {n for n in numbers if any(n in row for row in shown)} == numbers, figure
        assert len(shown) == len(names), figure


def download(page, file_format: str):
    page.select_option("select[name=format]", label=file_format)
    with page.expect_download() as info:
        page.locator("form button[type=submit], form input[type=submit]").last.click()
    return Path(info.value.path()).read_bytes()


@pytest.mark.parametrize(
    ("list_path", "key"), [("invoices/invoice", "object_id"), ("invoices/statuschange", "objectId")]
)
def test_auditor_downloads_csv_and_xlsx_that_open(
    log_in, live_server, invoices, decision, list_path, key
):
    decision(invoices["clean"], "ACCEPTED")
    page = log_in("auditor")
    page.goto(f"{live_server.url}/admin/{list_path}/")
    page.get_by_role("link", name="Export").first.click()
    page.wait_for_load_state()

    rows = list(csv.DictReader(io.StringIO(download(page, "csv").decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(download(page, "xlsx"))).active
    header, *body = list(sheet.values)
    from_xlsx = sorted(row[header.index(key)] for row in body)

    if list_path == "invoices/invoice":
        expected = sorted(invoice.object_id for invoice in invoices.values())
    else:
        expected = [invoices["clean"].object_id]
    assert sorted(row[key] for row in rows) == expected
    assert from_xlsx == expected


@pytest.fixture
def desk_pages(live_server, invoices):
    detail = f"/admin/invoices/invoice/{invoices['clean'].pk}/change/"
    return {"home": "/", "list": "/admin/invoices/invoice/", "detail": detail}


def test_phone_width_pages_do_not_scroll_sideways(log_in, live_server, desk_pages):
    page = log_in("reviewer")
    page.set_viewport_size(PHONE)
    widths = {}
    for name, path in desk_pages.items():
        page.goto(live_server.url + path)
        widths[name] = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    assert widths == {name: [PHONE["width"], PHONE["width"]] for name in desk_pages}


def test_no_serious_or_critical_accessibility_violation(log_in, live_server, desk_pages):
    page = log_in("reviewer")
    page.set_viewport_size(DESKTOP)
    found = {}
    for name, path in desk_pages.items():
        page.goto(live_server.url + path)
        page.add_script_tag(content=AXE)
        violations = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".filter(v => ['serious', 'critical'].includes(v.impact))"
            ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
        )
        found[name] = violations
    assert found == {name: [] for name in desk_pages}
