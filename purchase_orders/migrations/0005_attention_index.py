"""A partial index holding, in the list's order, the few purchase orders with a request
of ours or a refusal by the network (the "failed or refused" filter), as invoices have
it. In SQL; built CONCURRENTLY."""

from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("purchase_orders", "0004_search_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS po_attention_updated "
            "ON purchase_orders_purchaseorder (updated_at, id) "
            "WHERE pending_message_id IS NOT NULL OR last_error_code <> ''",
            "DROP INDEX CONCURRENTLY IF EXISTS po_attention_updated",
        ),
    ]
