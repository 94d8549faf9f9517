"""REST representation of purchase orders for ERPs (snake_case; the wire mapping is
purchase_orders/wire.py)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from b2bportal.documents import api as shared
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


class PurchaseOrderSerializer(shared.DocumentSerializer):
    """A purchase order in its applied version: identity, status, parties, dates, totals."""

    class Meta:
        model = PurchaseOrder
        fields = shared.document_fields("po_number", "order_date", "delivery_date", "subject")
        read_only_fields = fields


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


class PurchaseOrderLineSerializer(shared.DocumentLineSerializer):
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

    class Meta(shared.DocumentLineSerializer.Meta):
        model = PurchaseOrderLine

    @extend_schema_field(LineInvoiceSerializer(many=True))
    def get_invoices(self, line) -> list:
        against = [{"invoice": invoice, "item": item} for invoice, item in line.book.invoiced_by]
        return LineInvoiceSerializer(against, many=True).data


PurchaseOrderFindingSerializer = shared.for_model(
    shared.DocumentFindingSerializer, PurchaseOrderFinding
)
PurchaseOrderVersionSerializer = shared.for_model(
    shared.DocumentVersionSerializer,
    PurchaseOrderVersion,
    fields=shared.version_fields("po_number", "order_date", "delivery_date", "subject"),
)


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


PurchaseOrderStatusChangeSerializer = shared.for_model(
    shared.DocumentStatusChangeSerializer, PurchaseOrderStatusChange
)


class PurchaseOrderConfirmSerializer(shared.DocumentConfirmSerializer):
    """Our decision, as supplier, on a buyer's order."""

    responses = SupplierResponse


class PurchaseOrderConfirmedSerializer(shared.AcceptedSerializer):
    purchase_order = PurchaseOrderSerializer()


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
