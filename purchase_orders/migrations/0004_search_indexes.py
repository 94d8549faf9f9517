"""Trigram indexes (pg_trgm) for the purchase order list's search, as invoices have them:
a part of a PO number, objectId, GSTIN or B2B ID (`icontains`, the list's
`IndexedSearchMixin`) is read from an index instead of a scan of the table.

In SQL: they serve the list's search, and the model's indexes are left as they are.
Built CONCURRENTLY: a large table keeps taking writes."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from b2bportal.indexes import trigram_concurrently

SEARCHED = ["po_number", "object_id", "supplier_gstin", "buyer_gstin", "supplier_b2b_id", "buyer_b2b_id"]


def trigram(column: str) -> migrations.RunSQL:
    return trigram_concurrently(f"po_{column}_trgm", "purchase_orders_purchaseorder", column)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("purchase_orders", "0003_attention_indexes"),
    ]

    operations = [TrigramExtension(), *(trigram(column) for column in SEARCHED)]
