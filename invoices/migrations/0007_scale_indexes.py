"""Indexes for the lists at a million invoices: each list's order, and the filters that
keep a few rows in that order. Built CONCURRENTLY: a large table keeps taking writes."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("invoices", "0006_enkash_id_and_enkash_details"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="invoice",
            index=models.Index(fields=["updated_at", "id"], name="invoice_updated_id"),
        ),
        AddIndexConcurrently(
            model_name="invoice",
            index=models.Index(
                fields=["status", "updated_at", "id"], name="invoice_status_updated"
            ),
        ),
        AddIndexConcurrently(
            model_name="invoice",
            index=models.Index(
                fields=["counterparty", "updated_at", "id"], name="invoice_cparty_updated"
            ),
        ),
        AddIndexConcurrently(
            model_name="statuschange",
            index=models.Index(fields=["at", "id"], name="statuschange_at_id"),
        ),
    ]
