"""Invoices at scale: 100,000 invoices, then the reviewer's pages and the API measured.

    B2BPORTAL_TESTING=1 .venv/bin/python bench/invoices_scale.py [--invoices 100000] [--runs 7]

Builds a fresh database `b2bportal_bench_invoices` (dropped at the end unless --keep),
creates one template invoice through the services, then copies it N times in SQL
(generate_series: seconds, not minutes) with varied numbers, parties, statuses, dates,
amounts and findings, each with its version, two lines and a status history row.

Then, for each page, the number of SQL queries and the server time (median of --runs
requests through Django's handler, after two warm-ups), at two page sizes: the
query count must not depend on the page size (nor, for the detail page, on the
number of lines). Target: under 300 ms each.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "b2bportal.settings")
os.environ.setdefault("B2BPORTAL_TESTING", "1")

BENCH_DB = "b2bportal_bench_invoices"
STATUSES = ["SENT_TO_BUYER", "ACCEPTED", "UNDER_REVIEW", "REJECTED", "PARTIALLY_PAID", "CLOSED"]


def copy_rows(cursor, model, template_where: str, source: str, overrides: dict) -> int:
    """INSERT INTO model's table a copy of the template row per row of `source`.

    `overrides` maps column -> SQL expression (over aliases `t` = template and the
    source's aliases); every other column is copied from the template.
    """
    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields if f.column != "id"]
    select = ", ".join(overrides.get(c, f't."{c}"') for c in columns)
    quoted = ", ".join(f'"{c}"' for c in columns)
    cursor.execute(
        f"INSERT INTO {table} ({quoted}) SELECT {select} "  # noqa: S608  (our own SQL)
        f"FROM {table} t, {source} WHERE {template_where}"
    )
    return cursor.rowcount


def build(count: int):
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from b2bportal.parties.gstin import make_gstin
    from b2bportal.parties.models import Business, Counterparty
    from invoices import services
    from invoices.models import Finding, Invoice, InvoiceItem, InvoiceVersion, StatusChange

    started = time.perf_counter()
    businesses = [
        Business.objects.create(
            b2b_id=f"OURBIZ.B2B.{n}",
            gstin=make_gstin("29", f"AAGCK{n:04d}M"),
            legal_name=f"Kaveri Engineering Unit {n} Pvt Ltd",
            trade_name=f"Kaveri Unit {n}",
            state_code="29",
        )
        for n in range(1, 4)
    ]
    Counterparty.objects.bulk_create(
        Counterparty(
            b2b_id=f"SUPPLIER.B2B.{n:04d}",
            gstin=make_gstin("27", f"AAFCS{n:04d}Q"),
            legal_name=f"Supplier {n:04d} Traders Pvt Ltd",
            state_code="27",
        )
        for n in range(300)
    )
    lines = [
        {
            "description": "MS plate 10mm IS 2062",
            "hsn_code": "72085110",
            "quantity": "250",
            "unit": "KGS",
            "unit_price": "68.40",
            "gst_rate": "18",
        },
        {
            "description": "Laser cutting charges",
            "hsn_code": "998898",
            "quantity": "1",
            "unit": "NOS",
            "unit_price": "4500",
            "gst_rate": "18",
            "is_service": True,
        },
    ]
    buyer = {
        "b2b_id": "SUPPLIER.B2B.0000",
        "gstin": make_gstin("27", "AAFCS0000Q"),
        "legal_name": "Supplier 0000 Traders Pvt Ltd",
        "state_code": "27",
    }
    data = {
        "buyer": buyer,
        "supplier_invoice_number": "TEMPLATE/1",
        "invoice_date": datetime.date(2026, 11, 1),
        "due_date": datetime.date(2026, 12, 1),
        "place_of_supply": "27",
        "items": lines,
    }
    template = services.create_invoice(businesses[0], data)
    version = template.current_version
    business_ids = ",".join(str(b.pk) for b in businesses)
    first_cp = Counterparty.objects.order_by("id").first().pk
    statuses = ",".join(f"'{s}'" for s in STATUSES)
    with transaction.atomic(), connection.cursor() as cursor:
        copy_rows(
            cursor,
            Invoice,
            f"t.id = {template.pk}",
            f"generate_series(1, {count}) g",
            {
                "object_id": "'INV' || lpad(g::text, 32, '0')",
                "role": "CASE WHEN g % 4 = 0 THEN 'supplier' ELSE 'buyer' END",
                "business_id": f"(ARRAY[{business_ids}])[g % 3 + 1]",
                "counterparty_id": f"{first_cp} + g % 300",
                "status": f"(ARRAY[{statuses}])[g % {len(STATUSES)} + 1]",
                "supplier_invoice_number": "'SUP/26-27/' || g",
                "supplier_b2b_id": "'SUPPLIER.B2B.' || lpad((g % 300)::text, 4, '0')",
                "invoice_date": "date '2026-01-01' + (g % 320)",
                "due_date": "date '2026-01-31' + (g % 320)",
                "total_value": "1000 + (g % 50000) * 7.31",
                "finding_count": "CASE WHEN g % 10 = 0 THEN 1 ELSE 0 END",
                "updated_at": "now() - g * interval '1 minute'",
                "current_version_id": "NULL",
            },
        )
        copy_rows(
            cursor,
            InvoiceVersion,
            f"t.id = {version.pk} AND i.id <> {template.pk}",
            "invoices_invoice i",
            {
                "invoice_id": "i.id",
                "supplier_invoice_number": "i.supplier_invoice_number",
                "total_value": "i.total_value",
            },
        )
        cursor.execute(
            "UPDATE invoices_invoice i SET current_version_id = v.id FROM invoices_invoiceversion v "
            "WHERE v.invoice_id = i.id AND i.current_version_id IS NULL"
        )
        copy_rows(
            cursor,
            InvoiceItem,
            f"t.version_id = {version.pk} AND v.id <> {version.pk}",
            "invoices_invoiceversion v",
            {"version_id": "v.id"},
        )
        copy_rows(
            cursor,
            StatusChange,
            f"t.invoice_id = {template.pk} AND i.id <> {template.pk}",
            "invoices_invoice i",
            {"invoice_id": "i.id", "to_status": "i.status"},
        )
        cursor.execute(
            "INSERT INTO invoices_finding (version_id, code, field, message) "
            "SELECT current_version_id, 'TOTALS', 'valueDetails.totalInvoiceValue', "
            "'Total differs from the sum of the lines' FROM invoices_invoice "
            "WHERE finding_count = 1"
        )
        cursor.execute("ANALYZE")
    # one invoice with 20 lines: the detail page must cost the same as with 2
    big = services.create_invoice(
        businesses[1], {**data, "supplier_invoice_number": "BIG/1", "items": lines * 10}
    )
    user_model = get_user_model()
    admin = user_model.objects.create_superuser("bench-admin", "bench@example.in", "x")
    elapsed = time.perf_counter() - started
    print(
        f"created {Invoice.objects.count():,} invoices, "
        f"{InvoiceVersion.objects.count():,} versions, {InvoiceItem.objects.count():,} lines, "
        f"{StatusChange.objects.count():,} history rows, {Finding.objects.count():,} findings "
        f"in {elapsed:.1f} s"
    )
    return template, big, admin


def measure(client, url: str, runs: int) -> tuple[int, float, int]:
    """(queries, median ms, HTTP status) of GET url."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        client.get(url)
    times, queries, status = [], 0, 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        queries, status = len(captured), response.status_code
    return queries, statistics.median(times), status


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = BENCH_DB
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DEBUG = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.contrib import admin
    from django.db import connection
    from django.test import Client

    from invoices.models import Invoice

    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        template, big, user = build(args.invoices)
        client = Client()
        client.force_login(user)
        invoice_admin = admin.site._registry[Invoice]
        some = Invoice.objects.filter(role="buyer").order_by("id")[500]
        v1 = some.current_version_id
        rows = []
        for size in (50, 200):
            invoice_admin.list_per_page = size
            rows.append((f"admin list, {size} rows", "/admin/invoices/invoice/"))
            rows.append(
                (
                    f"admin list filtered, {size} rows",
                    "/admin/invoices/invoice/?status=SENT_TO_BUYER&role__exact=buyer"
                    "&has_findings=no",
                )
            )
            results = [(label, *measure(client, url, args.runs)) for label, url in rows[-2:]]
            rows[-2:] = results
        detail = "/admin/invoices/invoice/{}/change/"
        rows.append(("admin detail, 2 lines", *measure(client, detail.format(some.pk), args.runs)))
        rows.append(("admin detail, 20 lines", *measure(client, detail.format(big.pk), args.runs)))
        rows.append(
            (
                "admin detail + diff",
                *measure(client, detail.format(some.pk) + f"?from={v1}&to={v1}", args.runs),
            )
        )
        for size in (50, 200):
            rows.append(
                (
                    f"API list, {size} rows",
                    *measure(client, f"/api/invoices/?limit={size}", args.runs),
                )
            )
            rows.append(
                (
                    f"API list filtered, {size} rows",
                    *measure(
                        client,
                        f"/api/invoices/?limit={size}&status=ACCEPTED&role=buyer"
                        "&updated_after=2020-01-01T00:00:00Z",
                        args.runs,
                    ),
                )
            )
        rows.append(("API detail", *measure(client, f"/api/invoices/{some.pk}/", args.runs)))
        rows.append(
            ("API history", *measure(client, f"/api/invoices/{some.pk}/history/", args.runs))
        )
        print(f"\n{'page':36} {'queries':>8} {'median ms':>10} {'status':>7}")
        for label, queries, ms, status in rows:
            flag = "" if ms < 300 and status == 200 else "  <-- over target"
            print(f"{label:36} {queries:8d} {ms:10.1f} {status:7d}{flag}")
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()
