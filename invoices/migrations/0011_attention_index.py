"""A partial index holding, in the list's order, the few invoices with a request of ours
or a refusal by the network: the "failed or refused" filter walks it and stops at the
page's last row, instead of sorting every match.

In SQL, as the other indexes of the desk's filters. Built CONCURRENTLY: a large table
keeps taking writes."""

from django.db import migrations

from b2bportal.indexes import concurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("invoices", "0010_refused_index"),
    ]

    operations = [
        concurrently(
            "invoice_attention_updated", "invoices_invoice",
            "(updated_at, id) WHERE pending_message_id IS NOT NULL OR last_error_code <> ''",
        ),  # fmt: skip
    ]
