"""An auditor exports invoices and the status history as CSV and as XLSX that opens."""

import csv
import io

import openpyxl
import pytest

from tests.desk.conftest import csrf_of

pytestmark = pytest.mark.django_db


def export(client, url: str, file_format: str):
    """Ask the admin's export page for `file_format`; returns the download response."""
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    choices = {label.lower(): value for value, label in form.fields["format"].choices}
    data = {"format": choices[file_format], "csrfmiddlewaretoken": csrf_of(page)}
    if "resource" in form.fields:
        data["resource"] = "0"
    return client.post(url, data)


@pytest.fixture
def exported(make_invoice, decision):
    first = make_invoice(total="1234567.50")
    second = make_invoice(total="78000", supplier=1)
    decision(first, "ACCEPTED")
    return first, second


def test_auditor_downloads_invoices_as_csv_and_xlsx(login, exported):
    client = login("auditor")
    url = "/admin/invoices/invoice/export/"

    response = export(client, url, "csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    first, second = exported
    assert sorted((r["object_id"], r["total_value"]) for r in rows) == [
        (first.object_id, "1234567.50"),
        (second.object_id, "78000.00"),
    ]

    response = export(client, url, "xlsx")
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *body = list(sheet.values)
    object_ids = sorted(row[header.index("object_id")] for row in body)
    assert object_ids == sorted(i.object_id for i in exported)


def test_auditor_downloads_the_status_history_as_csv_and_xlsx(login, exported):
    client = login("auditor")
    url = "/admin/invoices/statuschange/export/"

    response = export(client, url, "csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["objectId"], r["to_status"]) for r in rows] == [(exported[0].object_id, "ACCEPTED")]

    response = export(client, url, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *body = list(sheet.values)
    assert [(row[header.index("objectId")], row[header.index("to_status")]) for row in body] == [
        (exported[0].object_id, "ACCEPTED")
    ]


def test_a_reviewer_cannot_export(login, exported):
    assert login("reviewer").get("/admin/invoices/invoice/export/").status_code == 403


@pytest.mark.parametrize(
    "url", ["/admin/invoices/invoice/export/", "/admin/invoices/statuschange/export/"]
)
def test_a_list_longer_than_an_export_holds_is_refused_with_its_reason(
    login, exported, decision, settings, url
):
    decision(exported[1], "REJECTED")  # two history rows too
    client = login("auditor")
    settings.EXPORT_MAX_ROWS = 1

    response = export(client, url, "csv")

    assert response.status_code == 200
    assert "Content-Disposition" not in response  # the form again, no file
    assert [str(m) for m in response.context["messages"]] == [
        "This list has more than 1 rows, the most one export holds. Narrow it first "
        "(a date range, a status, a counterparty), then export again."
    ]

    settings.EXPORT_MAX_ROWS = 2
    response = export(client, url, "csv")
    assert response["Content-Disposition"].startswith("attachment;")
    assert len(list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))) == 2


def test_a_filtered_list_within_the_limit_exports_though_the_whole_list_would_not(
    login, exported, settings
):
    settings.EXPORT_MAX_ROWS = 1
    first, _ = exported
    url = f"/admin/invoices/invoice/export/?q={first.supplier_invoice_number}"

    response = export(login("auditor"), url, "csv")

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["object_id"] for r in rows] == [first.object_id]
