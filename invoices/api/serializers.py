"""REST representation of invoices for ERPs (snake_case; the wire mapping is invoices/wire.py)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from b2bportal.documents.api import ContentSerializerMixin as _ContentMixin
from b2bportal.documents.api import PartySerializer, RefusalSerializer, TotalsSerializer
from invoices.choices import BuyerResponse
from invoices.models import Finding, Invoice, InvoiceItem, InvoiceVersion, StatusChange
from invoices.services import REMARKS_MAX, is_pending
from invoices.wire import enkash_rows


class InvoiceSerializer(_ContentMixin, serializers.ModelSerializer):
    """An invoice in its applied version: identity, status, parties, totals."""

    business = serializers.CharField(source="business.b2b_id", read_only=True)
    counterparty = serializers.CharField(source="counterparty.b2b_id", read_only=True)
    pending = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id", "object_id", "status", "version", "role", "supplier_invoice_number",
            "invoice_date", "due_date", "business", "counterparty", "supplier", "buyer",
            "place_of_supply", "totals", "finding_count", "pending", "pending_status",
            "last_error_code", "last_error_detail", "last_error_field", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_pending(self, obj) -> bool:
        return is_pending(obj)


class InvoiceItemSerializer(serializers.ModelSerializer):
    """One line with its taxes."""

    class Meta:
        model = InvoiceItem
        exclude = ["id", "version"]


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["code", "field", "message"]


class InvoiceVersionSerializer(_ContentMixin, serializers.ModelSerializer):
    """One version snapshot (without its lines)."""

    class Meta:
        model = InvoiceVersion
        fields = [
            "number", "state", "shape", "status", "created_at", "supplier_invoice_number",
            "invoice_date", "due_date", "supplier", "buyer", "place_of_supply", "totals",
        ]  # fmt: skip


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


class StatusChangeSerializer(serializers.ModelSerializer):
    """One row of the status history."""

    actor = serializers.CharField(source="actor.username", default=None, read_only=True)
    inbound_message = serializers.PrimaryKeyRelatedField(read_only=True)
    outbound_message = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = StatusChange
        fields = [
            "at", "kind", "action", "from_status", "to_status", "version", "source", "actor",
            "remarks", "inbound_message", "outbound_message",
        ]  # fmt: skip


class ConfirmSerializer(serializers.Serializer):
    """Our decision on an invoice we received."""

    response = serializers.ChoiceField(choices=BuyerResponse.choices)
    remarks = serializers.CharField(max_length=REMARKS_MAX, trim_whitespace=True)
    version = serializers.IntegerField(
        min_value=1, help_text="The version you decided on; refused (409) if it changed."
    )


class ConfirmedSerializer(serializers.Serializer):
    """The decision recorded: the request now awaiting the network."""

    invoice = InvoiceSerializer()
    req_msg_id = serializers.CharField()
    message_state = serializers.CharField()


__all__ = ["PartySerializer", "RefusalSerializer", "TotalsSerializer"]  # shared, re-exported
