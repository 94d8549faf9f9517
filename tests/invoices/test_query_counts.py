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
