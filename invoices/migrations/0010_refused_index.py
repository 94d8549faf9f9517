"""A partial index holding the few invoices the network refused (`last_error_code` set),
in the list's order: with the partial index of those awaiting the network and the one
of version conflicts, every "needs attention" filter reads only its few rows.

In SQL, as the version-conflict index: it serves the desk's filters, and the model's
indexes are left as they are. Built CONCURRENTLY: a large table keeps taking writes."""

from django.db import migrations

from b2bportal.indexes import concurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("invoices", "0009_merge_order_link_search_indexes"),
    ]

    operations = [
        concurrently(
            "invoice_refused_updated", "invoices_invoice",
            "(updated_at, id) WHERE last_error_code <> ''",
        ),  # fmt: skip
    ]
