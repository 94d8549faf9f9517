"""Partial indexes for the purchase order list's "needs attention" and pending filters,
as invoices have them: the few orders awaiting the network, and the few the network
refused, each in the list's order.

In SQL: they serve the desk's filters, and the model's indexes are left as they are.
Built CONCURRENTLY: a large table keeps taking writes."""

from django.db import migrations

from b2bportal.indexes import concurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("purchase_orders", "0002_status_history_export"),
    ]

    operations = [
        concurrently(
            "po_pending_updated", "purchase_orders_purchaseorder",
            "(updated_at, id) WHERE pending_message_id IS NOT NULL",
        ),
        concurrently(
            "po_refused_updated", "purchase_orders_purchaseorder",
            "(updated_at, id) WHERE last_error_code <> ''",
        ),  # fmt: skip
    ]
