"""REST representation of invoices for ERPs (snake_case; the wire mapping is invoices/wire.py)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from b2bportal.documents.api import (
    AcceptedSerializer,
    DocumentConfirmSerializer,
    DocumentFindingSerializer,
    DocumentLineSerializer,
    DocumentSerializer,
    DocumentStatusChangeSerializer,
    DocumentVersionSerializer,
    PartySerializer,
    RefusalSerializer,
    TotalsSerializer,
    document_fields,
    for_model,
    version_fields,
)
from invoices.choices import BuyerResponse
from invoices.models import Finding, Invoice, InvoiceItem, InvoiceVersion, StatusChange
from invoices.wire import enkash_rows


class InvoiceSerializer(DocumentSerializer):
    """An invoice in its applied version: identity, status, parties, totals."""

    class Meta:
        model = Invoice
        fields = document_fields("supplier_invoice_number", "invoice_date", "due_date")
        read_only_fields = fields


InvoiceItemSerializer = for_model(DocumentLineSerializer, InvoiceItem)
FindingSerializer = for_model(DocumentFindingSerializer, Finding)
InvoiceVersionSerializer = for_model(
    DocumentVersionSerializer,
    InvoiceVersion,
    fields=version_fields("supplier_invoice_number", "invoice_date", "due_date", kinds=("shape",)),
)


class OrderLinkSerializer(serializers.Serializer):
    """The purchase order an invoice's applied version names, when we hold it."""

    id = serializers.IntegerField()
    object_id = serializers.CharField()
    po_number = serializers.CharField()


class InvoiceDetailSerializer(InvoiceSerializer):
    """An invoice with its lines, findings (the match against its purchase order among
    them), sections, its purchase order and every version."""

    purchase_order = serializers.SerializerMethodField(
        help_text="The purchase order the applied version names, when we hold it; null "
        "otherwise (an order we do not hold is a PO_UNKNOWN finding)."
    )

    items = InvoiceItemSerializer(source="current_version.items", many=True, read_only=True)
    findings = FindingSerializer(source="current_version.findings", many=True, read_only=True)
    sections = serializers.JSONField(source="current_version.sections", read_only=True)
    enkash_details = serializers.SerializerMethodField(
        help_text="EnKash's internal-invoice fields (tds, surcharge, mdr, penalty, payments, "
        "...) as EnKash sent them, by snake_case name; {} for the network shape."
    )
    versions = InvoiceVersionSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = [
            *InvoiceSerializer.Meta.fields, "purchase_order", "items", "findings", "sections",
            "enkash_details", "versions",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(OrderLinkSerializer(allow_null=True))
    def get_purchase_order(self, obj) -> dict | None:
        po = obj.purchase_order
        if po is None:
            return None
        return {"id": po.pk, "object_id": po.object_id, "po_number": po.po_number}

    @extend_schema_field(serializers.DictField())
    def get_enkash_details(self, obj) -> dict:
        details = obj.current_version.enkash_details if obj.current_version else {}
        return {row["key"]: row["value"] for row in enkash_rows(details)}


StatusChangeSerializer = for_model(DocumentStatusChangeSerializer, StatusChange)


class ConfirmSerializer(DocumentConfirmSerializer):
    """Our decision on an invoice we received."""

    responses = BuyerResponse
    version = serializers.IntegerField(
        min_value=1, help_text="The version you decided on; refused (409) if it changed."
    )


class ConfirmedSerializer(AcceptedSerializer):
    invoice = InvoiceSerializer()


__all__ = ["PartySerializer", "RefusalSerializer", "TotalsSerializer"]  # shared, re-exported
