"""The purchase order on the wire: the `purchaseOrder` block in, and out. The one mapping.

PROTOCOL.md §3: `purchaseOrder {objectId, buyerPONumber, ts, orderDate, deliveryDate,
subject, objectVersion, poStatusTransition, supplierDetails, buyerDetails, itemLists[],
poValueDetails, ...}`. It is read into one canonical `content` dict whose keys are the
model's field names:

    object_id, version (objectVersion.newVersion), current_version, status, the
    PurchaseOrderContent fields, supplier/buyer address and contact, sections (the
    block's other members, as validated), items (line field values), raw; besides
    them: wire_paths (where each number came from, to name a field too large for its
    column) and arrival_findings (taxes not stated, totals changed by rounding).

The members of `poValueDetails` are undocumented; they are read as the invoice's
`valueDetails` are [D]: `assessmentValue`, `totalPOValue`, `otherValues[] {type, value}`
(taxes by type, anything else other charges). Dates are read in every form EnKash's
messages use (`documents.wire.read_date`). Parties, lines and amounts are read and
written as every family's are (`documents.wire`); money stays `Decimal` both ways.
"""

from django.utils import timezone
from rest_framework import serializers

from b2bportal.documents import wire as shared
from b2bportal.network.envelope import to_json
from b2bportal.network.wire import (
    OBJECT_ID_PATTERN,
    ObjectVersionSerializer,
    PartyDetailsSerializer,
    QuickSerializer,
    optional_text,
    party_block,
    party_fields,
    wire_text,
)

from .choices import Status
from .models import PurchaseOrderLine, PurchaseOrderVersion

BLOCK = "purchaseOrder"
VALUES = "poValueDetails"
TOTAL = "totalPOValue"
TRANSITION = "poStatusTransition"


def validate_object_id(value: str) -> str:
    """Any 3 uppercase letters and 32 letters or digits (the PO prefix is undocumented)."""
    if not OBJECT_ID_PATTERN.match(value or ""):
        raise serializers.ValidationError("Must be 3 capital letters and 32 letters or digits.")
    return value


validate_status = shared.status_validator(Status, "purchase order")
# `poStatusTransition`
PoTransitionSerializer = shared.transition_serializer(validate_status, "purchase order")


class PoValueDetailsSerializer(serializers.Serializer):
    """`poValueDetails`: the order's assessable value, its total, taxes and charges."""

    assessmentValue = shared.any_amount()
    totalPOValue = shared.any_amount()
    otherValues = shared.AmountTypeValueSerializer(many=True, required=False)


# Members read into columns; any other member of the block is kept in `sections`.
READ = {
    "objectId", "buyerPONumber", "ts", "orderDate", "deliveryDate", "subject",
    "objectVersion", TRANSITION, "supplierDetails", "buyerDetails", "itemLists", VALUES,
}  # fmt: skip


class PurchaseOrderSerializer(QuickSerializer):
    """The network's `purchaseOrder` block (send and edit)."""

    objectId = serializers.CharField(validators=[validate_object_id])
    buyerPONumber = wire_text(50)
    ts = optional_text(40)
    # Dates are read by read_date (several forms), not DRF's ISO-only DateField.
    orderDate = serializers.JSONField(required=False, allow_null=True)
    deliveryDate = serializers.JSONField(required=False, allow_null=True)
    subject = optional_text(300)
    objectVersion = ObjectVersionSerializer()
    poStatusTransition = PoTransitionSerializer(required=False)
    supplierDetails = PartyDetailsSerializer()
    buyerDetails = PartyDetailsSerializer()
    dispatchDetails = PartyDetailsSerializer(required=False, allow_null=True)
    shippingDetails = PartyDetailsSerializer(required=False, allow_null=True)
    itemLists = shared.LineSerializer(many=True, allow_empty=False)
    poValueDetails = PoValueDetailsSerializer()

    def to_internal_value(self, data):
        validated = super().to_internal_value(data)
        # Other members (payment terms, references, ...) are kept as sent, provided
        # they are plain JSON values.
        for name, value in data.items():
            if name not in validated and name not in READ and value is not None:
                validated[name] = value
        return validated


class PurchaseOrderActionBlock(serializers.Serializer):
    """What `poConfirmation` and `poStatus` share: the order and the version acted on."""

    objectId = serializers.CharField(validators=[validate_object_id])
    buyerPONumber = wire_text(50)
    objectVersion = ObjectVersionSerializer()
    poStatusTransition = PoTransitionSerializer(required=False)


# Where each stored number came from, to name the field when it does not fit its column.
PATHS = {
    "assessable_value": f"{BLOCK}.{VALUES}.assessmentValue",
    "total_value": f"{BLOCK}.{VALUES}.{TOTAL}",
    **{f"{t}_amount": f"{BLOCK}.{VALUES}.otherValues" for t in ("cgst", "sgst", "igst", "cess")},
    "other_charges": f"{BLOCK}.{VALUES}.otherValues",
    "items": (f"{BLOCK}.itemLists", shared.NETWORK_ITEM_NAMES),
}


def content(validated: dict, raw: dict, b2b_ids: dict) -> dict:
    """A validated `purchaseOrder` block as canonical content; the parties' B2B IDs are
    the message's `b2bIds` (a party block naming another is refused)."""
    items, arrival = shared.network_lines(validated["itemLists"])
    values, rounded = shared.value_columns(
        validated[VALUES], items, values_key=VALUES, total_key=TOTAL
    )
    others = validated[VALUES].get("otherValues") or []
    found = {
        "object_id": validated["objectId"],
        "version": validated["objectVersion"]["newVersion"],
        "current_version": validated["objectVersion"]["currentVersion"],
        "status": (validated.get(TRANSITION) or {}).get("newStatus", ""),
        "po_number": validated["buyerPONumber"],
        "order_date": shared.read_date(validated.get("orderDate"), f"{BLOCK}.orderDate"),
        "delivery_date": shared.read_date(validated.get("deliveryDate"), f"{BLOCK}.deliveryDate"),
        "subject": validated.get("subject") or "",
        "currency": "INR",
        "place_of_supply": shared.state_code(validated["buyerDetails"].get("placeOfSupply")),
        **values,
        "items": items,
        "wire_paths": PATHS,
        "arrival_findings": arrival + rounded,
        "sections": to_json(
            {k: v for k, v in validated.items() if k not in READ and v not in (None, "", [], {})}
            | ({"otherValues": others} if others else {})
        ),
        "raw": raw,
    }
    found.update(shared.party_columns("supplier", party_fields(validated["supplierDetails"])))
    found.update(shared.party_columns("buyer", party_fields(validated["buyerDetails"])))
    shared.named_b2b_ids(found, b2b_ids, BLOCK)
    return found


def check_columns(found: dict) -> None:
    """Refuse content whose numbers do not fit their columns (400 naming the field)."""
    shared.check_columns(found, PurchaseOrderVersion, PurchaseOrderLine, block=BLOCK)


# What identifies a version's content: everything but the status and the raw body.
HASHED = (
    "po_number", "order_date", "delivery_date", "subject", "currency", "supplier_b2b_id",
    "supplier_gstin", "supplier_legal_name", "supplier_trade_name", "supplier_state_code",
    "buyer_b2b_id", "buyer_gstin", "buyer_legal_name", "buyer_trade_name", "buyer_state_code",
    "place_of_supply", "assessable_value", "cgst_amount", "sgst_amount", "igst_amount",
    "cess_amount", "other_charges", "total_value", "supplier_address", "buyer_address",
    "sections", "items",
)  # fmt: skip


def content_hash(found: dict) -> str:
    """A digest of the content that makes two deliveries 'the same version content'."""
    return shared.content_digest(found, HASHED)


# -- outbound: a version of ours as the `purchaseOrder` block ----------------------


def block(version, *, status_from: str, status_to: str, current_version: int) -> dict:
    """The `purchaseOrder` block for one of our versions (send and edit requests)."""
    buyer = party_block(shared.party_values(version, "buyer"))
    buyer["placeOfSupply"] = version.place_of_supply
    written = {
        "objectId": version.purchase_order.object_id,
        "buyerPONumber": version.po_number,
        "ts": timezone.now().isoformat(timespec="seconds"),
        "objectVersion": {"currentVersion": current_version, "newVersion": version.number},
        TRANSITION: {"currentStatus": status_from, "newStatus": status_to},
        "supplierDetails": party_block(shared.party_values(version, "supplier")),
        "buyerDetails": buyer,
        "itemLists": shared.line_blocks(version),
        VALUES: {
            "assessmentValue": shared.wire_amount(version.assessable_value),
            TOTAL: shared.wire_amount(version.total_value),
            "otherValues": shared.tax_values(version),
        },
    }
    if version.order_date:
        written["orderDate"] = version.order_date.isoformat()
    if version.delivery_date:
        written["deliveryDate"] = version.delivery_date.isoformat()
    if version.subject:
        written["subject"] = version.subject
    for key, value in (version.sections or {}).items():
        written.setdefault(key, value)
    return written
