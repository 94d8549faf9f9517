"""A partial index holding, in the list's order, the few purchase orders with a request
of ours or a refusal by the network (the "failed or refused" filter), as invoices have
it. In SQL; built CONCURRENTLY."""

from django.db import migrations

from b2bportal.indexes import concurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("purchase_orders", "0004_search_indexes"),
    ]

    operations = [
        concurrently(
            "po_attention_updated", "purchase_orders_purchaseorder",
            "(updated_at, id) WHERE pending_message_id IS NOT NULL OR last_error_code <> ''",
        ),  # fmt: skip
    ]
