"""The status history: every transition of every invoice, for auditors to trace and export."""

import csv
import io

from invoices import services
from invoices.admin import StatusChangeResource
from invoices.models import StatusChange
from tests.fixtures import invoices as data

from .conftest import SEND, detail

HISTORY = "/admin/invoices/statuschange/"


def test_auditor_traces_one_invoice_and_exports_the_history(received, webhook, login, staff):
    webhook(SEND, data.network_invoice(object_id=data.OTHER_OBJECT_ID, number="SGST/26-27/0461"))
    services.confirm(
        received, "RETURN", "HSN of line 2 is wrong", actor=staff["reviewer"], expected_version=1
    )
    auditor = login("auditor")

    page = auditor.get(detail(received)).content.decode()
    link = f"{HISTORY}?invoice__id__exact={received.pk}"
    assert link in page

    html = auditor.get(link).content.decode()
    assert html.count("SGST/26-27/0458") >= 2 and "SGST/26-27/0461" not in html
    assert "HSN of line 2 is wrong" in html

    assert auditor.get(HISTORY + "export/").status_code == 200
    rows = list(csv.DictReader(io.StringIO(StatusChangeResource().export().csv)))
    assert [
        (r["supplier invoice number"], r["action"], r["to_status"], r["actor"]) for r in rows
    ] == [
        ("SGST/26-27/0458", "send", "SENT_TO_BUYER", ""),
        ("SGST/26-27/0461", "send", "SENT_TO_BUYER", ""),
        ("SGST/26-27/0458", "confirm:RETURN", "UNDER_REVIEW", "reviewer"),
    ]
    assert rows[0]["objectId"] == data.OBJECT_ID


def test_the_history_is_read_only_and_export_needs_its_permission(received, login):
    change = StatusChange.objects.get()
    for username in ("auditor", "reviewer"):
        user = login(username)
        assert user.get(HISTORY).status_code == 200
        assert user.get(f"{HISTORY}{change.pk}/change/").status_code in (200, 302)
        assert user.post(f"{HISTORY}{change.pk}/delete/").status_code == 403
        assert user.get(f"{HISTORY}add/").status_code == 403
    assert login("reviewer").get(HISTORY + "export/").status_code == 403
    assert StatusChange.objects.get() == change
