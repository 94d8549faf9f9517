"""Trigram indexes (pg_trgm) for the inbound and outbound message lists, as invoices
have them: the list's search (`icontains` on reqMsgId, objectId, fingerprint, the
network's message id) and the inbound list's B2B ID and objectId filters (the theme's
text filter is `icontains` too) read an index instead of scanning a table that grows
with every message.

In SQL: they serve the admin lists, and the models' indexes are left as they are.
Built CONCURRENTLY: the inbox keeps taking deliveries while they are built.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from b2bportal.indexes import trigram_concurrently

SEARCHED = {
    "network_inboundmessage": [
        "req_msg_id", "object_id", "fingerprint", "buyer_b2b_id", "supplier_b2b_id",
    ],
    "network_outboundmessage": ["req_msg_id", "network_message_id", "object_id"],
}  # fmt: skip


def trigram(table: str, column: str) -> migrations.RunSQL:
    name = f"{table.removeprefix('network_').removesuffix('message')}_{column}_trgm"
    return trigram_concurrently(name, table, column)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("network", "0007_delivery_job_lock_index"),
    ]

    operations = [
        TrigramExtension(),
        *(trigram(table, column) for table, columns in SEARCHED.items() for column in columns),
    ]
