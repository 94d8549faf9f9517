"""/api/invoices/: list, detail, history, and our decision (confirm).

The shared behaviour is `b2bportal.documents.api.DocumentViewSet`; this names the
invoice's models, serializers, filterset and services.
"""

from b2bportal.documents.api import DocumentViewSet, document_schema
from invoices import services
from invoices.choices import Source
from invoices.models import Finding, Invoice, InvoiceItem, InvoiceVersion

from .filtersets import InvoiceFilterSet
from .serializers import (
    ConfirmedSerializer,
    ConfirmSerializer,
    InvoiceDetailSerializer,
    InvoiceSerializer,
    RefusalSerializer,
    StatusChangeSerializer,
)


@document_schema(
    noun="invoice",
    confirm=ConfirmSerializer,
    confirmed=ConfirmedSerializer,
    refused=RefusalSerializer,
    history=StatusChangeSerializer,
)
class InvoiceViewSet(DocumentViewSet):
    """Invoices we received or sent, in their applied version."""

    queryset = Invoice.objects.select_related("business", "counterparty", "pending_message")
    serializer_class = InvoiceSerializer
    detail_serializer_class = InvoiceDetailSerializer
    history_serializer_class = StatusChangeSerializer
    confirm_serializer_class = ConfirmSerializer
    filterset_class = InvoiceFilterSet
    version_model = InvoiceVersion
    item_model = InvoiceItem
    finding_model = Finding
    services = services
    api_source = Source.API
    document_key = "invoice"
