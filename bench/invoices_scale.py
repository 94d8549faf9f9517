"""Invoices at scale: a million invoices, then every list, detail and history page measured.

    B2BPORTAL_TESTING=1 .venv/bin/python bench/invoices_scale.py [--invoices 1000000]
        [--orders 200000] [--inbound 1000000] [--outbound 200000] [--runs 5] [--keep]
        [--reuse] [--estimated-admin-counts]
        [--no-explain] [--pages REGEX]

Builds a fresh database `b2bportal_bench_invoices` (dropped at the end unless --keep;
--reuse keeps it and loads nothing when it already holds invoices), creates one template
invoice through the services, then copies it N times in SQL on the server (INSERT ...
SELECT over generate_series, ids computed so no row is written twice, secondary
indexes and foreign-key triggers off during the load and rebuilt after it): varied
numbers, parties, statuses, dates and amounts; every fifth invoice at version 2 (two
versions), two lines per version, one history row per status it went through (received,
then the decision), a finding on one in ten, a request awaiting the network on one in
500 (every other one of them failed), a conflicting version on one in 1,000, and a
received message for one in ten.

Purchase orders (--orders, also added to a reused database that has none) are copied
the same way from one made through the services: one version of two lines, one history
row, one in 1,000 refused by the network.

Inbound and outbound messages are then topped up to --inbound and --outbound rows (also
on a reused database holding fewer), copied in SQL from the first of each: varied
paths and message types, reqMsgIds, fingerprints, B2B IDs and objectIds, an outcome or
state mix (mostly processed / answered, a few invalid, failed or awaiting the network),
each linked to an invoice; their secondary indexes are dropped during the load and
built again after it. Then 2,000 invoices spread through the table are assigned to the
bench's login, a quarter of them released again (also on a reused database that has
no assignments).

The pages: the home page (a person's figures: the desk's tallies, counted after the
loads, which skip triggers, and the few documents that need attention), the invoice
list (each filter and search), its status history list, the
purchase order list and its history, the inbound and outbound message lists, the
invoice's page (2 and 20 lines, with a version diff, opened from a filtered list), a
purchase order's page, the API's invoice list (each filter), detail and history, and the
API's purchase order list (a few filters), detail and history.
Then for each page: SQL queries, the server's median time (--runs requests through
Django's handler after --warmups requests), the part of it spent in SQL and the CPU
time of the Django process (which a busy shared machine inflates far less than the
wall time: compare it across runs made at different loads), how the
list's count was made (planner estimate, a bounded exact count, none) and whether any
unbounded COUNT read a tenth or more of a large table (EXPLAIN ANALYZE: the rows its
scans of that table returned or filtered out; "count scan"). Each list page is measured at 50 and 200 rows (the query count must not
change), and for each filter and search the list's own query is shown with EXPLAIN
(ANALYZE, BUFFERS), as is the main query of every other page. Target: under 300 ms
median, no count scan; the last lines say which pages meet it and which do not, and
whether any list's query count differs between 50 and 200 rows.

--estimated-admin-counts measures the admin lists with the changes the admin is to
carry (`paginator = EstimatedCountPaginator`, `show_full_result_count = False`), for a
tree where the admin does not carry them yet.
"""

import argparse
import datetime
import json
import os
import re
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
# Tables whose secondary indexes are dropped during the load and built again after it.
LOADED_TABLES = [
    "invoices_invoice",
    "invoices_invoiceversion",
    "invoices_invoiceitem",
    "invoices_statuschange",
    "invoices_finding",
    "network_outboundmessage",
    "network_inboundmessage",
    "purchase_orders_purchaseorder",
    "purchase_orders_purchaseorderversion",
    "purchase_orders_purchaseorderline",
    "purchase_orders_purchaseorderstatuschange",
]
PO_STATUSES = ["SENT_TO_SUPPLIER", "ACCEPTED", "UNDER_REVIEW", "REJECTED", "PARTIALLY_INVOICED"]
# Tables large enough that an exact COUNT(*) over them is a scan worth flagging.
LARGE_TABLES = (
    "invoices_invoice",
    "invoices_statuschange",
    "invoices_invoiceversion",
    "purchase_orders_purchaseorder",
    "purchase_orders_purchaseorderstatuschange",
    "network_inboundmessage",
    "network_outboundmessage",
)


def copy_rows(cursor, model, template_where: str, source: str, overrides: dict) -> int:
    """INSERT INTO model's table a copy of the template row per row of `source`.

    `overrides` maps column -> SQL expression (over aliases `t` = template and the
    source's aliases); every other column is copied from the template. The id is the
    table's own unless `overrides` gives one.
    """
    table = model._meta.db_table
    columns = [
        f.column for f in model._meta.concrete_fields if f.column != "id" or "id" in overrides
    ]
    select = ", ".join(overrides.get(c, f't."{c}"') for c in columns)
    quoted = ", ".join(f'"{c}"' for c in columns)
    cursor.execute(
        f"INSERT INTO {table} ({quoted}) SELECT {select} "  # noqa: S608  (our own SQL)
        f"FROM {table} t, {source} WHERE {template_where}"
    )
    return cursor.rowcount


def ids_after_loaded_rows(cursor, table: str) -> None:
    """Move `table`'s id sequence past the rows loaded with ids of their own."""
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
        f"(SELECT max(id) FROM {table}))"
    )


def secondary_indexes(cursor) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the loaded tables' indexes that back no constraint."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
        [LOADED_TABLES],
    )
    return cursor.fetchall()


def build(count: int):
    """The template invoices and users, then `count` invoices and their history in SQL."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from b2bportal.network.models import InboundMessage, OutboundMessage
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
    invoice_type = ContentType.objects.get_for_model(Invoice)
    link = {"document_type": invoice_type, "document_id": template.pk}
    outbound = OutboundMessage.objects.create(
        message_type="req-confirm-invoice",
        path="/api/v0/invoice/req-confirm-invoice",
        body={},
        state=OutboundMessage.State.SENT,
        **link,
    )
    inbound = InboundMessage.objects.create(
        method="POST", path="/api/v0/invoice/req-send-invoice", body=b"{}", **link
    )
    business_ids = ",".join(str(b.pk) for b in businesses)
    first_cp = Counterparty.objects.order_by("id").first().pk
    statuses = ",".join(f"'{s}'" for s in STATUSES)
    # Ids are computed (template id + g), so every reference is written with its row.
    inv, ver, out = template.pk, version.pk, outbound.pk
    with transaction.atomic(), connection.cursor() as cursor:
        # The server's own switches for a bulk load: no foreign-key triggers (the rows
        # are made consistent), no index upkeep per row (built once at the end).
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        indexes = secondary_indexes(cursor)
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        copy_rows(
            cursor,
            Invoice,
            f"t.id = {inv}",
            f"generate_series(1, {count}) g",
            {
                "id": f"{inv} + g",
                "object_id": "'INV' || lpad(g::text, 32, '0')",
                "role": "CASE WHEN g % 4 = 0 THEN 'supplier' ELSE 'buyer' END",
                "business_id": f"(ARRAY[{business_ids}])[g % 3 + 1]",
                "counterparty_id": f"{first_cp} + g % 300",
                "status": f"(ARRAY[{statuses}])[g % {len(STATUSES)} + 1]",
                "version": "CASE WHEN g % 5 = 0 THEN 2 ELSE 1 END",
                "current_version_id": f"{ver} + 2 * g - CASE WHEN g % 5 = 0 THEN 0 ELSE 1 END",
                "supplier_invoice_number": "'SUP/26-27/' || g",
                "supplier_b2b_id": "'SUPPLIER.B2B.' || lpad((g % 300)::text, 4, '0')",
                "supplier_gstin": "'27AAFCS' || lpad((g % 300)::text, 4, '0') || 'Q1Z' || g % 10",
                "invoice_date": "date '2026-01-01' + (g % 320)",
                "due_date": "date '2026-01-31' + (g % 320)",
                "total_value": "1000 + (g % 50000) * 7.31",
                "finding_count": "CASE WHEN g % 10 = 0 THEN 1 ELSE 0 END",
                "pending_message_id": f"CASE WHEN g % 500 = 0 THEN {out} + g / 500 END",
                "last_error_code": "CASE WHEN g % 997 = 0 THEN 'E_REFUSED' ELSE '' END",
                "updated_at": "now() - g * interval '1 minute'",
                "created_at": "now() - g * interval '1 minute' - interval '1 day'",
            },
        )
        # Version 1 of every invoice, and version 2 of every fifth.
        copy_rows(
            cursor,
            InvoiceVersion,
            f"t.id = {ver} AND i.id <> {inv}",
            "invoices_invoice i, generate_series(1, i.version) n",
            {
                "id": f"{ver} + 2 * (i.id - {inv}) - 2 + n",
                "invoice_id": "i.id",
                "number": "n",
                "supplier_invoice_number": "i.supplier_invoice_number",
                "total_value": "i.total_value",
                "created_at": "i.created_at + (n - 1) * interval '1 hour'",
            },
        )
        copy_rows(
            cursor,
            InvoiceItem,
            f"t.version_id = {ver} AND v.id <> {ver}",
            "invoices_invoiceversion v",
            {"version_id": "v.id"},
        )
        # Received as sent to the buyer, then (unless still waiting) the decision.
        copy_rows(
            cursor,
            StatusChange,
            f"t.invoice_id = {inv} AND i.id <> {inv}",
            "invoices_invoice i, generate_series(1, CASE WHEN i.status = 'SENT_TO_BUYER' "
            "THEN 1 ELSE 2 END) n",
            {
                "invoice_id": "i.id",
                "action": "CASE n WHEN 1 THEN 'receive' ELSE 'confirm:ACCEPT' END",
                "source": "CASE n WHEN 1 THEN 'network' ELSE 'staff' END",
                "from_status": "CASE n WHEN 1 THEN '' ELSE 'SENT_TO_BUYER' END",
                "to_status": "CASE n WHEN 1 THEN 'SENT_TO_BUYER' ELSE i.status END",
                "at": "i.created_at + (n - 1) * interval '1 hour'",
            },
        )
        cursor.execute(
            "INSERT INTO invoices_finding (version_id, code, field, message) "  # noqa: S608
            "SELECT current_version_id, 'TOTALS', 'valueDetails.totalInvoiceValue', "
            "'Total differs from the sum of the lines' FROM invoices_invoice "
            f"WHERE finding_count = 1 AND id <> {inv}"
        )
        copy_rows(
            cursor,
            OutboundMessage,
            f"t.id = {out} AND i.id <> {inv} AND i.pending_message_id IS NOT NULL",
            "invoices_invoice i",
            {
                "id": "i.pending_message_id",
                "document_id": "i.id",
                "object_id": "i.object_id",
                "req_msg_id": "md5(i.object_id)",
                "state": f"CASE WHEN (i.id - {inv}) % 1000 = 0 THEN 'failed' ELSE 'sent' END",
                "created_at": "now() - interval '2 hours'",
                "sent_at": "now() - interval '2 hours'",
            },
        )
        copy_rows(
            cursor,
            InboundMessage,
            f"t.id = {inbound.pk} AND i.id <> {inv} AND (i.id - {inv}) % 10 = 0",
            "invoices_invoice i",
            {
                "document_id": "i.id",
                "object_id": "i.object_id",
                "error_code": f"CASE WHEN (i.id - {inv}) % 1000 = 0 "
                "THEN 'VERSION_CONFLICT' ELSE '' END",
                "received_at": "i.updated_at + interval '1 minute'",
            },
        )
        for table in LOADED_TABLES:
            ids_after_loaded_rows(cursor, table)
        loaded = time.perf_counter()
        for _, statement in indexes:
            cursor.execute(statement)
        indexed = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    # one invoice with 20 lines: the detail page must cost the same as with 2
    services.create_invoice(
        businesses[1], {**data, "supplier_invoice_number": "BIG/1", "items": lines * 10}
    )
    user_model = get_user_model()
    admin = user_model.objects.create_superuser("bench-admin", "bench@example.in", "x")
    print(
        f"loaded in {loaded - started:.1f} s, {len(indexes)} indexes built in "
        f"{indexed - loaded:.1f} s, VACUUM ANALYZE in {time.perf_counter() - indexed:.1f} s"
    )
    print(
        f"{Invoice.objects.count():,} invoices, {InvoiceVersion.objects.count():,} versions, "
        f"{InvoiceItem.objects.count():,} lines, {StatusChange.objects.count():,} history rows, "
        f"{Finding.objects.count():,} findings, {OutboundMessage.objects.count():,} outbound "
        f"and {InboundMessage.objects.count():,} inbound messages"
    )
    return admin


def build_orders(count: int) -> None:
    """`count` purchase orders (one version of two lines each, one history row, one in
    1,000 refused by the network), copied in SQL from one made through the services, as
    the invoices are."""
    from django.db import connection, transaction

    from b2bportal.parties.models import Business, Counterparty
    from purchase_orders import services
    from purchase_orders.models import (
        PurchaseOrder,
        PurchaseOrderLine,
        PurchaseOrderStatusChange,
        PurchaseOrderVersion,
    )

    started = time.perf_counter()
    businesses = list(Business.objects.order_by("id"))
    supplier = Counterparty.objects.order_by("id").first()
    template = services.create_purchase_order(
        businesses[0],
        {
            "supplier": {
                "b2b_id": supplier.b2b_id,
                "gstin": supplier.gstin,
                "legal_name": supplier.legal_name,
                "state_code": supplier.state_code,
            },
            "po_number": "TEMPLATE/PO/1",
            "order_date": "2026-11-01",
            "delivery_date": "2026-11-20",
            "subject": "Steel plates for the bracket line",
            "place_of_supply": "29",
            "items": [
                {"description": "MS plate 10mm IS 2062", "hsn_code": "72085110",
                 "quantity": "250", "unit": "KGS", "unit_price": "68.40", "gst_rate": "18"},
                {"description": "Laser cutting charges", "hsn_code": "998898", "quantity": "1",
                 "unit": "NOS", "unit_price": "4500", "gst_rate": "18", "is_service": True},
            ],
        },
    )  # fmt: skip
    po, ver = template.pk, template.current_version_id
    business_ids = ",".join(str(b.pk) for b in businesses)
    statuses = ",".join(f"'{s}'" for s in PO_STATUSES)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        indexes = [
            (name, statement)
            for name, statement in secondary_indexes(cursor)
            if " purchase_orders_" in statement
        ]
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        copy_rows(
            cursor,
            PurchaseOrder,
            f"t.id = {po}",
            f"generate_series(1, {count}) g",
            {
                "id": f"{po} + g",
                "object_id": "'PO' || lpad(g::text, 33, '0')",
                "role": "CASE WHEN g % 3 = 0 THEN 'supplier' ELSE 'buyer' END",
                "business_id": f"(ARRAY[{business_ids}])[g % 3 + 1]",
                "counterparty_id": f"{supplier.pk} + g % 300",
                "status": f"(ARRAY[{statuses}])[g % {len(PO_STATUSES)} + 1]",
                "current_version_id": f"{ver} + g",
                "po_number": "'KEW/PO/26-27/' || g",
                "order_date": "date '2026-01-01' + (g % 320)",
                "delivery_date": "date '2026-01-21' + (g % 320)",
                "total_value": "1000 + (g % 50000) * 7.31",
                "last_error_code": "CASE WHEN g % 1000 = 0 THEN 'E_REFUSED' ELSE '' END",
                "updated_at": "now() - g * interval '1 minute'",
                "created_at": "now() - g * interval '1 minute' - interval '1 day'",
            },
        )
        copy_rows(
            cursor,
            PurchaseOrderVersion,
            f"t.id = {ver} AND o.id <> {po}",
            "purchase_orders_purchaseorder o",
            {
                "id": "o.current_version_id",
                "purchase_order_id": "o.id",
                "po_number": "o.po_number",
                "total_value": "o.total_value",
                "created_at": "o.created_at",
            },
        )
        copy_rows(
            cursor,
            PurchaseOrderLine,
            f"t.version_id = {ver} AND v.id <> {ver}",
            "purchase_orders_purchaseorderversion v",
            {"version_id": "v.id"},
        )
        copy_rows(
            cursor,
            PurchaseOrderStatusChange,
            f"t.purchase_order_id = {po} AND o.id <> {po}",
            "purchase_orders_purchaseorder o",
            {"purchase_order_id": "o.id", "to_status": "o.status", "at": "o.created_at"},
        )
        for table in LOADED_TABLES[-4:]:
            ids_after_loaded_rows(cursor, table)
        for _, statement in indexes:
            cursor.execute(statement)
    with connection.cursor() as cursor:
        for table in LOADED_TABLES[-4:]:
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(
        f"{PurchaseOrder.objects.count():,} purchase orders loaded in "
        f"{time.perf_counter() - started:.1f} s"
    )


def build_assignments(user, count: int = 2000) -> None:
    """`count` invoices spread through the table handed to `user`, a quarter of them then
    released (handed to nobody): the desk's assignments, for the "assigned" filters."""
    from datetime import timedelta

    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from b2bportal.desk.models import Assignment
    from invoices.models import Invoice

    ids = list(Invoice.objects.order_by("id").values_list("id", flat=True)[:: max(
        Invoice.objects.count() // count, 1)][:count])  # fmt: skip
    invoice_type = ContentType.objects.get_for_model(Invoice)
    given = timezone.now() - timedelta(days=1)
    link = {"document_type": invoice_type, "assigned_by": user}
    Assignment.objects.bulk_create(
        [Assignment(document_id=pk, assignee=user, assigned_at=given, **link) for pk in ids]
        + [Assignment(document_id=pk, assignee=None, **link) for pk in ids[::4]]
    )


def build_messages(inbound: int, outbound: int) -> None:
    """Top the inbound and outbound message tables up to `inbound` and `outbound` rows,
    copied in SQL from each table's first row (see the module's docstring)."""
    from django.db import connection, transaction

    from b2bportal.network.messages import MESSAGE_TYPES, ROUTES
    from b2bportal.network.models import InboundMessage, OutboundMessage
    from invoices.models import Invoice

    started = time.perf_counter()
    paths = list(ROUTES)[:8]
    path_array = ",".join(f"'{path}'" for path in paths)
    type_array = ",".join(f"'{ROUTES[path].message_type}'" for path in paths)
    ours = [name for name in MESSAGE_TYPES if not name.endswith(".result")][:4]
    ours_array = ",".join(f"'{name}'" for name in ours)
    first_invoice = Invoice.objects.order_by("id").values_list("id", flat=True).first()
    invoices = Invoice.objects.count()
    tables = ["network_inboundmessage", "network_outboundmessage"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        indexes = [
            (name, statement)
            for name, statement in secondary_indexes(cursor)
            if re.search(rf" ON (public\.)?({'|'.join(tables)}) ", statement)
        ]
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for model, wanted, overrides in [
            (InboundMessage, inbound, {
                "received_at": "now() - g * interval '3 seconds'",
                "path": f"(ARRAY[{path_array}])[g % {len(paths)} + 1]",
                "message_type": f"(ARRAY[{type_array}])[g % {len(paths)} + 1]",
                "object_id": "'INV' || lpad((g * 7)::text, 32, '0')",
                "req_msg_id": "md5('in' || g)",
                "fingerprint": "md5('fp' || g) || md5('fp2' || g)",
                "buyer_b2b_id": "'BUYER.B2B.' || lpad((g % 5000)::text, 4, '0')",
                "supplier_b2b_id": "'SUPPLIER.B2B.' || lpad((g % 300)::text, 4, '0')",
                "outcome": "CASE WHEN g % 1000 = 0 THEN 'failed' WHEN g % 200 = 0 THEN "
                "'invalid' WHEN g % 50 = 0 THEN 'duplicate' ELSE 'processed' END",
                "reply_status": "CASE WHEN g % 200 = 0 AND g % 1000 <> 0 THEN 400 ELSE 200 END",
                "document_id": f"{first_invoice} + g % {invoices}",
            }),
            (OutboundMessage, outbound, {
                "created_at": "now() - g * interval '20 seconds'",
                "updated_at": "now() - g * interval '20 seconds'",
                "sent_at": "now() - g * interval '20 seconds'",
                "message_type": f"(ARRAY[{ours_array}])[g % {len(ours)} + 1]",
                "object_id": "'INV' || lpad((g * 11)::text, 32, '0')",
                "req_msg_id": "md5('out' || g)",
                "network_message_id": "'NET' || g",
                "state": "CASE WHEN g % 100 = 0 THEN 'failed' WHEN g % 50 = 0 THEN 'sent' "
                "ELSE 'answered' END",
                "document_id": f"{first_invoice} + g % {invoices}",
            }),
        ]:  # fmt: skip
            table = model._meta.db_table
            cursor.execute(f"SELECT count(*), max(id), min(id) FROM {table}")  # noqa: S608
            have, last, template = cursor.fetchone()
            if wanted > have:
                copy_rows(
                    cursor,
                    model,
                    f"t.id = {template}",
                    f"generate_series(1, {wanted - have}) g",
                    {"id": f"{last} + g", **overrides},
                )
            ids_after_loaded_rows(cursor, table)
        loaded = time.perf_counter()
        for _, statement in indexes:
            cursor.execute(statement)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(
        f"messages topped up to {InboundMessage.objects.count():,} inbound and "
        f"{OutboundMessage.objects.count():,} outbound in {loaded - started:.1f} s, "
        f"{len(indexes)} indexes built and analyzed in {time.perf_counter() - loaded:.1f} s"
    )


def reads_whole_table(sql: str) -> bool:
    """Whether running `sql` read a large part (a tenth or more) of a large table: its
    plan's scans of that table, rows returned and rows filtered out (EXPLAIN ANALYZE)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)", [list(LARGE_TABLES)]
        )
        rows_in = dict(cursor.fetchall())
    plan = json.loads(plan) if isinstance(plan, str) else plan
    nodes = [plan[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        nodes += node.get("Plans", [])
        table = node.get("Relation Name")
        if table in LARGE_TABLES:
            read = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node[
                "Actual Loops"
            ]
            if read >= rows_in[table] / 10:
                return True
    return False


def count_kind(queries: list[dict]) -> tuple[str, str]:
    """(how the page's count was made, whether a large table was counted in full)."""
    kinds, scan = [], "no"
    for query in queries:
        sql = query["sql"]
        if sql.startswith("EXPLAIN"):
            kinds.append("estimate")
        elif re.search(r"\bCOUNT\(", sql, re.IGNORECASE):
            if re.search(r"\bLIMIT \d+\) subquery", sql):  # a bounded count, not an EXISTS
                kinds.append("bounded")
            else:
                kinds.append("exact")
                large = any(f'FROM "{table}"' in sql for table in LARGE_TABLES)
                if large and reads_whole_table(sql):
                    scan = "YES"
    return "+".join(dict.fromkeys(kinds)) or "none", scan


def list_query(queries: list[dict]) -> str | None:
    """The page's own list query: the longest SELECT with a LIMIT that is not a count."""
    candidates = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT") and " LIMIT " in q["sql"] and "COUNT(" not in q["sql"]
    ]
    return max(candidates, key=len, default=None)


def measure(client, url: str, runs: int, warmups: int = 2) -> dict:
    """Queries, median ms, HTTP status, count made and count scan of GET url."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmups):
        client.get(url)
    times, sql_times, cpu_times = [], [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.process_time() - cpu_started) * 1000)
        sql_times.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    kind, scan = count_kind(captured.captured_queries)
    return {
        "queries": len(captured),
        "ms": statistics.median(times),
        "sql_ms": statistics.median(sql_times),
        "cpu_ms": statistics.median(cpu_times),
        "status": response.status_code,
        "count": kind,
        "scan": scan,
        "list_sql": list_query(captured.captured_queries),
    }


def explain(sql: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [row[0] for row in cursor.fetchall()]


def pages(ids: dict) -> list[tuple[str, str, bool]]:
    """(label, URL, sized) of every page measured; a sized list is measured at 50 and 200."""
    invoice_lists = [
        ("", ""),
        ("status", "status__exact=SENT_TO_BUYER"),
        ("role", "role__exact=supplier"),
        ("business", f"business__id__exact={ids['business']}"),
        ("counterparty", f"counterparty__id__exact={ids['counterparty']}"),
        ("invoice date", "invoice_date_from=01/03/2026&invoice_date_to=07/03/2026"),
        ("due date", "due_date_from=01/03/2026&due_date_to=07/03/2026"),
        ("total", "total_value_from=5000&total_value_to=5100"),
        ("overdue", "overdue=yes"),
        ("has findings", "has_findings=yes"),
        ("pending", "pending=yes"),
        ("attention any", "attention=any"),
        ("attention failed", "attention=failed"),
        ("attention overdue", "attention=overdue"),
        ("attention conflict", "attention=conflict"),
        ("outstanding", "outstanding=yes"),
        ("assigned to me", "assigned=me"),
        ("assigned to nobody", "assigned=nobody"),
        ("3 filters", "status__exact=SENT_TO_BUYER&role__exact=buyer&has_findings=no"),
        ("search number", "q=SUP/26-27/777777"),
        ("search GSTIN", "q=27AAFCS0042Q1Z2"),
        ("search counterparty", "q=Supplier 0042"),
    ]
    history_lists = [
        ("", ""),
        ("invoice", f"invoice__id__exact={ids['invoice']}"),
        ("source", "source__exact=staff"),
        ("kind", "kind__exact=applied"),
        ("to status", "to_status__exact=REJECTED"),
        ("at", "at_from=01/03/2026&at_to=07/03/2026"),
        ("search objectId", f"q={ids['object_id']}"),
    ]
    api_lists = [
        ("", ""),
        ("status", "status=ACCEPTED"),
        ("role", "role=supplier"),
        ("business", "business=OURBIZ.B2B.2"),
        ("counterparty", "counterparty=SUPPLIER.B2B.0042"),
        ("updated after", "updated_after=2020-01-01T00:00:00Z"),
        ("invoice date", "invoice_date_from=2026-03-01&invoice_date_to=2026-03-07"),
        ("total", "min_total=5000&max_total=5100"),
        ("has findings", "has_findings=true"),
        ("pending", "pending=true"),
        ("overdue", "overdue=true"),
        ("object_id", f"object_id={ids['object_id']}"),
        ("supplier GSTIN", "supplier_gstin=27AAFCS0042Q1Z2"),
        ("3 filters", "status=ACCEPTED&role=buyer&updated_after=2020-01-01T00:00:00Z"),
    ]
    order_lists = [
        ("", ""),
        ("status", "status__exact=ACCEPTED"),
        ("counterparty", f"counterparty__id__exact={ids['counterparty']}"),
        ("awaiting confirmation", "awaiting_confirmation=yes"),
        ("attention any", "attention=any"),
        ("attention conflict", "attention=conflict"),
        ("pending", "pending=yes"),
        ("search number", "q=KEW/PO/26-27/77777"),
    ]
    order_history_lists = [("", ""), ("source", "source__exact=staff")]
    order_api_lists = [
        ("", ""),
        ("status", "status=ACCEPTED"),
        ("counterparty", "counterparty=SUPPLIER.B2B.0042"),
        ("pending", "pending=true"),
        ("updated after", "updated_after=2020-01-01T00:00:00Z"),
    ]
    inbound, outbound = "/admin/network/inboundmessage/", "/admin/network/outboundmessage/"
    message_lists = [
        ("inbound", "", inbound),
        ("inbound outcome", "outcome__exact=invalid", inbound),
        ("inbound outcome failed", "outcome__exact=failed", inbound),
        ("inbound path", "path=/api/v0/invoice/req-confirm-invoice", inbound),
        ("inbound message type", "message_type=invoice.send", inbound),
        ("inbound received a day", f"received_at_from_0={ids['day']}&received_at_from_1=00:00:00"
         f"&received_at_to_0={ids['day']}&received_at_to_1=23:59:59", inbound),
        ("inbound buyer B2B ID", "buyer_b2b_id__icontains=B2B.0042", inbound),
        ("inbound objectId filter", "object_id__icontains=0000077777", inbound),
        ("inbound search objectId", f"q={ids['object_id']}", inbound),
        ("inbound search reqMsgId", "q=" + ids["inbound_req_msg_id"], inbound),
        ("outbound", "", outbound),
        ("outbound state", "state__exact=failed", outbound),
        ("outbound overdue", "overdue=yes", outbound),
        ("outbound message type", "message_type=invoice.confirm", outbound),
        ("outbound document", f"document=invoices.invoice:{ids['invoice']}", outbound),
        ("outbound search objectId", f"q={ids['object_id']}", outbound),
        ("outbound search network id", "q=NET77777", outbound),
    ]  # fmt: skip
    detail = f"/admin/invoices/invoice/{ids['invoice']}/change/"
    return [
        ("home page", "/", False),
        *[(f"admin list {label}".strip(), f"/admin/invoices/invoice/?{q}", True)
          for label, q in invoice_lists],
        *[(f"history list {label}".strip(), f"/admin/invoices/statuschange/?{q}", True)
          for label, q in history_lists],
        *[(f"PO list {label}".strip(), f"/admin/purchase_orders/purchaseorder/?{q}", True)
          for label, q in order_lists],
        *[(f"PO history list {label}".strip(),
           f"/admin/purchase_orders/purchaseorderstatuschange/?{q}", True)
          for label, q in order_history_lists],
        *[(f"messages list {label}", f"{path}?{q}", True) for label, q, path in message_lists],
        ("admin detail, 2 lines", detail, False),
        ("admin detail in a filtered list",
         detail + "?_changelist_filters=status__exact%3DACCEPTED%26role__exact%3Dbuyer", False),
        ("PO detail", f"/admin/purchase_orders/purchaseorder/{ids['order']}/change/", False),
        ("admin detail, 20 lines", f"/admin/invoices/invoice/{ids['big']}/change/", False),
        ("admin detail + diff", detail + f"?from={ids['v1']}&to={ids['v2']}", False),
        *[(f"API list {label}".strip(), f"/api/invoices/?{q}", True) for label, q in api_lists],
        ("API detail", f"/api/invoices/{ids['invoice']}/", False),
        ("API history", f"/api/invoices/{ids['invoice']}/history/", False),
        *[(f"API PO list {label}".strip(), f"/api/purchase-orders/?{q}", True)
          for label, q in order_api_lists],
        ("API PO detail", f"/api/purchase-orders/{ids['order']}/", False),
        ("API PO history", f"/api/purchase-orders/{ids['order']}/history/", False),
    ]  # fmt: skip


def sized(url: str, size: int, admin_sizes: dict) -> str:
    """`url` for a page of `size` rows (the API's ?limit=, the admin's list_per_page)."""
    if url.startswith("/api/"):
        return f"{url}&limit={size}"
    for model_admin in admin_sizes.values():
        model_admin.list_per_page = size
    return url


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument(
        "--orders", type=int, default=200_000, help="purchase orders (loaded once, also on --reuse)"
    )
    parser.add_argument(
        "--inbound", type=int, default=1_000_000, help="inbound messages (topped up on --reuse)"
    )
    parser.add_argument(
        "--outbound", type=int, default=200_000, help="outbound messages (topped up on --reuse)"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmups", type=int, default=2, help="requests before the runs")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse a kept database (implies --keep)"
    )
    parser.add_argument(
        "--estimated-admin-counts",
        action="store_true",
        help="measure the admin lists with EstimatedCountPaginator and no full result count",
    )
    parser.add_argument("--no-explain", action="store_true", help="leave out the EXPLAINs")
    parser.add_argument("--pages", default="", help="measure only pages whose label matches")
    args = parser.parse_args()

    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = BENCH_DB
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DEBUG = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.contrib import admin
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client

    from b2bportal.desk import tallies
    from b2bportal.desk.families import FAMILIES
    from b2bportal.desk.models import Assignment
    from b2bportal.network.models import InboundMessage, OutboundMessage
    from b2bportal.paginators import EstimatedCountPaginator
    from invoices.models import Invoice, StatusChange
    from purchase_orders.models import PurchaseOrder, PurchaseOrderStatusChange

    original_name = connection.settings_dict["NAME"]
    started = time.perf_counter()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.reuse)
    print(f"database created and migrated in {time.perf_counter() - started:.1f} s")
    try:
        if args.reuse and Invoice.objects.exists():
            user = get_user_model().objects.get(username="bench-admin")
            print(f"reusing {Invoice.objects.count():,} invoices")
        else:
            user = build(args.invoices)
        if not PurchaseOrder.objects.exists() and args.orders:
            build_orders(args.orders)
        if not Assignment.objects.exists():
            build_assignments(user)
        if (
            InboundMessage.objects.count() < args.inbound
            or OutboundMessage.objects.count() < args.outbound
        ):
            build_messages(args.inbound, args.outbound)
        # The loads skip triggers (replica role), so the home page's tallies are counted
        # from the documents, as the migration that starts a family's tally does.
        started = time.perf_counter()
        for family in FAMILIES:
            with transaction.atomic():
                tallies.recount(*family.tally_columns)
        print(f"home page tallies counted in {time.perf_counter() - started:.1f} s")
        client = Client()
        client.force_login(user)
        admins = {
            model: admin.site._registry[model]
            for model in (
                Invoice,
                StatusChange,
                PurchaseOrder,
                PurchaseOrderStatusChange,
                InboundMessage,
                OutboundMessage,
            )
        }
        if args.estimated_admin_counts:
            for model_admin in admins.values():
                model_admin.paginator = EstimatedCountPaginator
                model_admin.show_full_result_count = False
        print(
            "admin paginators: "
            + ", ".join(f"{m.__name__} {a.paginator.__name__}" for m, a in admins.items())
        )
        some = list(Invoice.objects.filter(role="buyer", version=2).order_by("id")[:501])[-1]
        v1, v2 = some.versions.order_by("number").values_list("id", flat=True)
        ids = {
            "invoice": some.pk,
            "object_id": some.object_id,
            "v1": v1,
            "v2": v2,
            "big": Invoice.objects.get(supplier_invoice_number="BIG/1").pk,
            "business": some.business_id,
            "counterparty": some.counterparty_id,
            "order": PurchaseOrder.objects.filter(role="buyer").order_by("id")[500:501].get().pk,
            "day": (datetime.date.today() - datetime.timedelta(days=10)).isoformat(),
            "inbound_req_msg_id": InboundMessage.objects.exclude(req_msg_id="")
            .values_list("req_msg_id", flat=True)
            .first()
            or "none",
        }
        print(
            f"\n{'page':44} {'queries':>7} {'median ms':>10} {'SQL ms':>7} {'CPU ms':>7} {'status':>6} "
            f"{'count':>16} {'count scan':>10}"
        )
        plans, met, missed, query_counts = [], [], [], {}
        for label, url, is_list in pages(ids):
            if not re.search(args.pages, label):
                continue
            for size in (50, 200) if is_list else (None,):
                page = sized(url, size, admins) if size else url
                r = measure(client, page, args.runs, args.warmups)
                over = r["ms"] >= 300 or r["status"] != 200 or r["scan"] != "no"
                name = f"{label}, {size} rows" if size else label
                print(
                    f"{name:44} {r['queries']:7d} "
                    f"{r['ms']:10.1f} {r['sql_ms']:7.1f} {r['cpu_ms']:7.1f} {r['status']:6d} {r['count']:>16} "
                    f"{r['scan']:>10}"
                    f"{'  <-- over target' if over else ''}",
                    flush=True,
                )
                (missed if over else met).append(f"{name} ({r['ms']:.0f} ms)")
                query_counts.setdefault(label, []).append(r["queries"])
                if size in (50, None) and r["list_sql"]:
                    plans.append((label, r["list_sql"]))
        if not args.no_explain:
            for label, sql in plans:
                print(f"\n-- {label}: EXPLAIN (ANALYZE, BUFFERS) of its main query")
                print("\n".join(f"   {line}" for line in explain(sql)))
        # A list is read before it is counted, and a page holding every row is the
        # count: 200 rows may cost a query fewer than 50, never one more.
        growing = [label for label, counts in query_counts.items() if counts[-1] > counts[0]]
        fewer = [label for label, counts in query_counts.items() if counts[-1] < counts[0]]
        print(
            "\nQuery counts at 200 rows against 50: "
            + (f"MORE for {', '.join(growing)}" if growing else "never more")
            + (f"; fewer (no count needed) for {', '.join(fewer)}" if fewer else "")
        )
        print(f"Under 300 ms median, no count scan ({len(met)} pages): " + "; ".join(met))
        print(
            f"OVER 300 ms median or a count scan ({len(missed)} pages): "
            + ("; ".join(missed) if missed else "none")
        )
    finally:
        if not (args.keep or args.reuse):
            connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()
