"""Pages cost the same number of queries whatever their size (the bench shows it at scale)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoices.models import Invoice
from tests.fixtures import invoices as data

from .conftest import EDIT, SEND


def queries(client, url) -> int:
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_detail_and_api_do_not_grow_with_rows(received, webhook, client, staff):
    client.force_login(staff["reviewer"])
    one = {
        "admin list": queries(client, "/admin/invoices/invoice/"),
        "api list": queries(client, "/api/invoices/"),
        "admin detail": queries(client, f"/admin/invoices/invoice/{received.pk}/change/"),
        "api detail": queries(client, f"/api/invoices/{received.pk}/"),
    }
    for n in range(1, 6):
        webhook(
            SEND, data.network_invoice(object_id=f"INV{n:032d}", number=f"SGST/26-27/05{n:02d}")
        )
    webhook(EDIT, data.edit_of(data.network_invoice(), version=(1, 2), price=66.0))
    assert Invoice.objects.count() == 6
    many = {
        "admin list": queries(client, "/admin/invoices/invoice/"),
        "api list": queries(client, "/api/invoices/"),
        "admin detail": queries(client, f"/admin/invoices/invoice/{received.pk}/change/"),
        "api detail": queries(client, f"/api/invoices/{received.pk}/"),
    }
    assert many == one


def test_receiving_an_invoice_costs_the_same_queries_whatever_its_lines(webhook):
    """A new invoice of 20 lines costs the queries one of 2 lines does (lines and findings
    are written in one query each, nothing just written is read back).

    The 10: the inbox's record; its processing's savepoint (a transaction outside
    tests); its lock with the look-up of an earlier copy; the handler's savepoint; our
    businesses with the invoice's lock, the duplicate-number look-up, the supplier we
    know and the reserved ids of the invoice and its version; the invoice's row lock
    (a statement of its own, so it sees what a copy that held the lock before committed);
    the invoice, its version, its lines and its history, in one round trip; the
    handler's release; the record's outcome; the processing's release.
    """

    def receive(n: int, copies: int) -> int:
        body = data.network_invoice(object_id=f"INV{n:032d}", number=f"SGST/26-27/07{n:02d}")
        block = body["invoice"]
        lines = [dict(line) for _ in range(copies) for line in block["itemLists"]]
        for serial, line in enumerate(lines, start=1):
            line["serialno"] = str(serial)
        block["itemLists"] = lines
        values = block["valueDetails"]
        values["assessmentValue"] = round(values["assessmentValue"] * copies, 2)
        values["totalInvoiceValue"] = round(values["totalInvoiceValue"] * copies, 2)
        for other in values.get("otherValues") or []:
            other["value"] = round(other["value"] * copies, 2)
        with CaptureQueriesContext(connection) as captured:
            assert webhook(SEND, body).status_code == 200
        invoice = Invoice.objects.get(object_id=f"INV{n:032d}")
        assert (invoice.current_version.items.count(), invoice.finding_count) == (2 * copies, 0)
        return len(captured)

    receive(1, 1)  # the first one meets a new counterparty
    assert [receive(2, 1), receive(3, 10)] == [10, 10]
