"""REST representation of purchase orders for ERPs (snake_case; the wire mapping is
purchase_orders/wire.py)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from b2bportal.documents.api import ContentSerializerMixin
from b2bportal.documents.services import REMARKS_MAX, is_pending
from b2bportal.network.wire import NO_QUOTES
from b2bportal.parties.models import Business
from purchase_orders.choices import SupplierResponse
from purchase_orders.matching import order_book
from purchase_orders.models import (
    PurchaseOrder,
    PurchaseOrderFinding,
    PurchaseOrderLine,
    PurchaseOrderStatusChange,
    PurchaseOrderVersion,
)


class PurchaseOrderSerializer(ContentSerializerMixin, serializers.ModelSerializer):
    """A purchase order in its applied version: identity, status, parties, dates, totals."""

    business = serializers.CharField(source="business.b2b_id", read_only=True)
    counterparty = serializers.CharField(source="counterparty.b2b_id", read_only=True)
    pending = serializers.SerializerMethodField()

    class Meta:
        model = PurchaseOrder
        fields = [
            "id", "object_id", "status", "version", "role", "po_number", "order_date",
            "delivery_date", "subject", "business", "counterparty", "supplier", "buyer",
            "place_of_supply", "totals", "finding_count", "pending", "pending_status",
            "last_error_code", "last_error_detail", "last_error_field", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_pending(self, obj) -> bool:
        return is_pending(obj)


def quantity_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=4, read_only=True, **kwargs)


def value_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True, **kwargs)


class LineInvoiceSerializer(serializers.Serializer):
    """One invoice line against an order line: its invoice, quantity and value."""

    id = serializers.IntegerField(source="invoice.id", read_only=True)
    object_id = serializers.CharField(source="invoice.object_id", read_only=True)
    supplier_invoice_number = serializers.CharField(
        source="invoice.supplier_invoice_number", read_only=True
    )
    quantity = quantity_field(source="item.quantity")
    value = value_field(source="item.total_item_value")


class PurchaseOrderLineSerializer(serializers.ModelSerializer):
    """One line of the order with its taxes, and what invoices took of it: ordered,
    invoiced and remaining quantity and value, and the invoice lines against it. The
    figures are the line's `BookLine` (`purchase_orders.matching`), set on the line as
    `book` by the detail serializer."""

    ordered_quantity = quantity_field(source="book.ordered_quantity")
    invoiced_quantity = quantity_field(source="book.invoiced_quantity")
    remaining_quantity = quantity_field(source="book.remaining_quantity")
    ordered_value = value_field(source="book.ordered_value")
    invoiced_value = value_field(source="book.invoiced_value")
    remaining_value = value_field(source="book.remaining_value")
    invoices = serializers.SerializerMethodField()

    class Meta:
        model = PurchaseOrderLine
        exclude = ["id", "version"]

    @extend_schema_field(LineInvoiceSerializer(many=True))
    def get_invoices(self, line) -> list:
        against = [{"invoice": invoice, "item": item} for invoice, item in line.book.invoiced_by]
        return LineInvoiceSerializer(against, many=True).data


class PurchaseOrderFindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = PurchaseOrderFinding
        fields = ["code", "field", "message"]


class PurchaseOrderVersionSerializer(ContentSerializerMixin, serializers.ModelSerializer):
    """One version snapshot (without its lines)."""

    class Meta:
        model = PurchaseOrderVersion
        fields = [
            "number", "state", "status", "created_at", "po_number", "order_date",
            "delivery_date", "subject", "supplier", "buyer", "place_of_supply", "totals",
        ]  # fmt: skip


class PurchaseOrderDetailSerializer(PurchaseOrderSerializer):
    """A purchase order with its lines, findings, sections and every version."""

    items = PurchaseOrderLineSerializer(source="book_lines", many=True, read_only=True)
    invoiced_value = value_field(
        source="book.invoiced_value",
        help_text="Total value of the invoices against the order (not rejected, cancelled "
        "or deleted).",
    )
    remaining_value = value_field(
        source="book.remaining_value", help_text="The order's total less the invoiced value."
    )
    findings = PurchaseOrderFindingSerializer(
        source="current_version.findings", many=True, read_only=True
    )
    sections = serializers.JSONField(source="current_version.sections", read_only=True)
    versions = PurchaseOrderVersionSerializer(many=True, read_only=True)

    class Meta(PurchaseOrderSerializer.Meta):
        fields = [
            *PurchaseOrderSerializer.Meta.fields, "invoiced_value", "remaining_value", "items",
            "findings", "sections", "versions",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, instance):
        # The order book (three queries whatever the number of lines and invoices) gives
        # the lines of the applied version with their figures.
        instance.book = order_book(instance)
        instance.book_lines = []
        for book_line in instance.book.lines:
            book_line.line.book = book_line
            instance.book_lines.append(book_line.line)
        return super().to_representation(instance)


class PurchaseOrderStatusChangeSerializer(serializers.ModelSerializer):
    """One row of the status history."""

    actor = serializers.CharField(source="actor.username", default=None, read_only=True)
    inbound_message = serializers.PrimaryKeyRelatedField(read_only=True)
    outbound_message = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = PurchaseOrderStatusChange
        fields = [
            "at", "kind", "action", "from_status", "to_status", "version", "source", "actor",
            "remarks", "inbound_message", "outbound_message",
        ]  # fmt: skip


class PurchaseOrderConfirmSerializer(serializers.Serializer):
    """Our decision, as supplier, on a buyer's order."""

    response = serializers.ChoiceField(choices=SupplierResponse.choices)
    remarks = serializers.CharField(max_length=REMARKS_MAX, trim_whitespace=True)
    version = serializers.IntegerField(
        min_value=0, help_text="The version you decided on; refused (409) if it changed."
    )


class PurchaseOrderConfirmedSerializer(serializers.Serializer):
    """The request recorded, now awaiting the network."""

    purchase_order = PurchaseOrderSerializer()
    req_msg_id = serializers.CharField()
    message_state = serializers.CharField()


class OrderSupplierSerializer(serializers.Serializer):
    """The supplier we order from."""

    b2b_id = serializers.CharField(max_length=100, validators=[NO_QUOTES])
    gstin = serializers.CharField(max_length=15, required=False, allow_blank=True, default="")
    legal_name = serializers.CharField(max_length=200)
    trade_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    state_code = serializers.CharField(max_length=2)
    address = serializers.DictField(required=False, default=dict)


class OrderLineSerializer(serializers.Serializer):
    """One line we order: taxes are worked out from the rate and the place of supply."""

    description = serializers.CharField(max_length=500)
    hsn_code = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4, min_value=0)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=4, min_value=0)
    gst_rate = serializers.DecimalField(max_digits=6, decimal_places=3, min_value=0, max_value=100)
    is_service = serializers.BooleanField(required=False, default=False)


class PurchaseOrderCreateSerializer(serializers.Serializer):
    """A new order of ours (we are the buyer): created, not yet sent."""

    business = serializers.SlugRelatedField(
        slug_field="b2b_id",
        queryset=Business.objects.filter(is_active=True),
        help_text="The B2B ID of our business placing the order.",
    )
    supplier = OrderSupplierSerializer()
    po_number = serializers.CharField(max_length=50, validators=[NO_QUOTES])
    order_date = serializers.DateField()
    delivery_date = serializers.DateField(required=False, allow_null=True, default=None)
    subject = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    place_of_supply = serializers.CharField(max_length=2)
    items = OrderLineSerializer(many=True, allow_empty=False)

    def validate(self, data):
        if data["delivery_date"] and data["delivery_date"] < data["order_date"]:
            raise serializers.ValidationError(
                {"delivery_date": "The delivery date is before the order date."}
            )
        return data


class PurchaseOrderSendSerializer(serializers.Serializer):
    """Send our order, on the version you looked at (when you say)."""

    version = serializers.IntegerField(
        min_value=0, required=False, allow_null=True, default=None,
        help_text="The version you send; refused (409) if it changed.",
    )  # fmt: skip
