"""The "needs attention" filters read their few documents from indexes, never the table:
on a few thousand invoices with their statistics (ANALYZE), the plan of each filtered
list has no scan of the invoices and uses the index meant for the condition, and the
list holds exactly the documents the condition names."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from b2bportal.network.models import InboundMessage, OutboundMessage
from invoices.models import Invoice

INVOICES = 3000


@pytest.fixture
def crowd(desk_parties, staff):
    """3,000 invoices, one in 100 of them needing attention for each reason (a failed
    request, a refusal, a request overdue at the network, a version conflict), and a
    received message for one in ten; every table ANALYZEd."""
    ours, suppliers = desk_parties
    now = timezone.now()
    invoices = Invoice.objects.bulk_create(
        Invoice(
            object_id=f"INV{n:032d}",
            supplier_invoice_number=f"SGS/26-27/{n:05d}",
            role="buyer",
            business=ours,
            counterparty=suppliers[n % 3],
            status="SENT_TO_BUYER",
            supplier_b2b_id=suppliers[n % 3].b2b_id,
            buyer_b2b_id=ours.b2b_id,
            last_error_code="INVALID_STATE" if n % 100 == 1 else "",
            updated_at=now - timedelta(hours=3, minutes=n),
        )
        for n in range(INVOICES)
    )
    invoice_type = ContentType.objects.get_for_model(Invoice)
    link = {"document_type": invoice_type}
    for n, state in ((0, "failed"), (2, "sent"), (3, "sent")):
        # n % 100 == 3: sent a moment ago, not yet overdue
        age = timedelta(minutes=1) if n == 3 else timedelta(hours=2)
        for invoice in invoices[n::100]:
            invoice.pending_message = OutboundMessage.objects.create(
                message_type="invoice.confirm",
                path="/api/v0/invoice/req-confirm-invoice",
                body={},
                state=state,
                created_at=now - age,
                document_id=invoice.pk,
                **link,
            )
    Invoice.objects.bulk_update(invoices, ["pending_message"])
    InboundMessage.objects.bulk_create(
        InboundMessage(
            method="POST",
            path="/api/v0/invoice/req-edit-invoice",
            body=b"{}",
            error_code="VERSION_CONFLICT" if n % 100 == 4 else "",
            received_at=now,
            document_id=invoice.pk,
            **link,
        )
        for n, invoice in enumerate(invoices)
        if n % 10 == 4
    )
    with connection.cursor() as cursor:
        for table in ("invoices_invoice", "network_outboundmessage", "network_inboundmessage"):
            cursor.execute(f"ANALYZE {table}")
    return {n: invoices[n::100] for n in range(5)}, staff["reviewer"]


def filtered(user, reason: str):
    request = RequestFactory().get(f"/admin/invoices/invoice/?attention={reason}")
    request.user = user
    return admin.site._registry[Invoice].get_changelist_instance(request).queryset


@pytest.mark.parametrize(
    ("reason", "index", "meeting"),
    [
        ("failed", "invoice_attention_updated", (0, 1)),
        ("overdue", "invoices_invoice_pkey", (2,)),
        ("conflict", "inbound_version_conflict", (4,)),
        ("any", "invoice_refused_updated", (0, 1, 2, 4)),
    ],
)
def test_each_attention_filter_reads_its_index_not_the_table(crowd, reason, index, meeting):
    by_kind, user = crowd
    queryset = filtered(user, reason)
    plan = queryset[:51].explain()
    assert "Seq Scan on invoices_invoice" not in plan
    assert index in plan
    expected = {invoice.pk for kind in meeting for invoice in by_kind[kind]}
    assert set(queryset.values_list("pk", flat=True)) == expected
