"""Indexes for the lists' search and "needs attention" filters at a million invoices.

Trigram indexes (pg_trgm) serve the search's `icontains` on numbers, objectIds, GSTINs
and history remarks; a partial index holds the few invoices awaiting the network (the
pending and overdue filters); and a partial index on received messages holds the
version conflicts, so the conflict filter reads those few rows instead of probing
every invoice. That last one is on the network's table but exists for these lists,
so it is created here, in SQL, and the network's models are left as they are.
All built CONCURRENTLY: a large table keeps taking writes.
"""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.contrib.postgres.operations import AddIndexConcurrently, TrigramExtension
from django.db import migrations, models


def trigram(model_name, field, name):
    return AddIndexConcurrently(
        model_name=model_name,
        index=django.contrib.postgres.indexes.GinIndex(
            django.contrib.postgres.indexes.OpClass(
                django.db.models.functions.text.Upper(field), name="gin_trgm_ops"
            ),
            name=name,
        ),
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("invoices", "0007_scale_indexes"),
        ("network", "0006_outbound_body_exact_numbers"),
    ]

    operations = [
        TrigramExtension(),
        trigram("invoice", "supplier_invoice_number", "invoice_number_trgm"),
        trigram("invoice", "object_id", "invoice_object_id_trgm"),
        trigram("invoice", "supplier_gstin", "invoice_supplier_gstin_trgm"),
        trigram("invoice", "buyer_gstin", "invoice_buyer_gstin_trgm"),
        AddIndexConcurrently(
            model_name="invoice",
            index=models.Index(
                condition=models.Q(("pending_message__isnull", False)),
                fields=["updated_at", "id"],
                name="invoice_pending_updated",
            ),
        ),
        trigram("statuschange", "remarks", "statuschange_remarks_trgm"),
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS inbound_version_conflict "
            "ON network_inboundmessage (document_type_id, document_id, received_at) "
            "WHERE error_code = 'VERSION_CONFLICT'",
            "DROP INDEX CONCURRENTLY IF EXISTS inbound_version_conflict",
        ),
    ]
