"""Fixtures for the desk: staff logins and invoices in every state the home page counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from b2bportal.network.models import InboundMessage, OutboundMessage
from b2bportal.parties.models import Business, Counterparty
from invoices.models import Invoice, StatusChange
from tests.invoices.conftest import (  # noqa: F401
    business,
    csrf_of,
    login,
    password,
    received,
    staff,
    webhook,
)

__all__ = ["csrf_of"]


@pytest.fixture
def desk_parties(db):
    ours = Business.objects.create(b2b_id="KAVERIENG.B2B.0001", legal_name="Kaveri Engineering")
    suppliers = [
        Counterparty.objects.create(b2b_id=f"SUPPLIER.B2B.{n:04d}", legal_name=name)
        for n, name in enumerate(["Shree Ganesh Steel", "Mysore Packaging", "Deccan Chemicals"])
    ]
    return ours, suppliers


@pytest.fixture
def make_invoice(desk_parties):
    """An invoice row as the services leave it, with what its state needs around it."""
    ours, suppliers = desk_parties
    counter = iter(range(1, 10_000))

    def make(
        *,
        status="SENT_TO_BUYER",
        role="buyer",
        total="1000.00",
        age_days=0,
        due_in_days=None,
        supplier=0,
        outbound_state=None,
        outbound_age=timedelta(0),
        error_code="",
        conflict=False,
    ) -> Invoice:
        n = next(counter)
        today = timezone.localdate()
        invoice = Invoice.objects.create(
            object_id=f"INV{n:032d}",
            supplier_invoice_number=f"SGS/26-27/{n:04d}",
            role=role,
            business=ours,
            counterparty=suppliers[supplier],
            status=status,
            supplier_b2b_id=suppliers[supplier].b2b_id,
            buyer_b2b_id=ours.b2b_id,
            total_value=Decimal(total),
            invoice_date=today - timedelta(days=age_days),
            due_date=None if due_in_days is None else today + timedelta(days=due_in_days),
            last_error_code=error_code,
        )
        link = {
            "document_type": ContentType.objects.get_for_model(Invoice),
            "document_id": invoice.pk,
            "object_id": invoice.object_id,
        }
        if outbound_state:
            invoice.pending_message = OutboundMessage.objects.create(
                message_type="invoice.confirm",
                path="/api/v0/invoice/req-confirm-invoice",
                body={},
                state=outbound_state,
                created_at=timezone.now() - outbound_age,
                **link,
            )
            invoice.pending_status = "ACCEPTED"
            invoice.save()
        if conflict:
            InboundMessage.objects.create(
                method="POST",
                path="/api/v0/invoice/req-edit-invoice",
                body=b"{}",
                outcome="invalid",
                error_code="VERSION_CONFLICT",
                received_at=timezone.now() + timedelta(seconds=1),
                **link,
            )
        return invoice

    return make


@pytest.fixture
def decision(db):
    """A decision of ours in the status history, `days_ago` days back."""

    def record(invoice, to_status, *, days_ago=0, kind="requested"):
        return StatusChange.objects.create(
            invoice=invoice,
            kind=kind,
            action="confirm",
            from_status=invoice.status,
            to_status=to_status,
            version=invoice.version,
            source="staff",
            at=timezone.now() - timedelta(days=days_ago),
        )

    return record
