"""Checks on every received purchase-order version: line arithmetic, totals against the
lines, the tax type for the place of supply, GSTINs (the document layer's shared checks,
`documents.findings`), and the order's own: its number already used by the same buyer,
a delivery date before the order date.

Each check returns (code, field, message) tuples; `check_version` stores them as
`PurchaseOrderFinding` rows.
"""

from b2bportal.documents import findings as shared

from .choices import FindingCode
from .models import PurchaseOrder, PurchaseOrderFinding
from .wire import TOTAL, VALUES


def duplicate_checks(purchase_order, version) -> list[tuple]:
    """The same buyer PO number already on another order from the same buyer."""
    other = (
        PurchaseOrder.objects.filter(buyer_b2b_id=version.buyer_b2b_id, po_number=version.po_number)
        .exclude(pk=purchase_order.pk)
        .only("object_id")
        .first()
    )
    if other:
        message = f"Number {version.po_number} already on {other.object_id}"
        return [(FindingCode.DUPLICATE_NUMBER, "buyerPONumber", message)]
    return []


def date_checks(version) -> list[tuple]:
    """The delivery date is not before the order date."""
    if version.delivery_date and version.order_date and version.delivery_date < version.order_date:
        return [
            (
                FindingCode.DELIVERY_BEFORE_ORDER,
                "deliveryDate",
                f"Delivery {version.delivery_date} before order date {version.order_date}",
            )
        ]
    return []


def check_version(purchase_order, version, items, arrival=()) -> list:
    """Run every check on `version` (its lines as stored) and store the findings;
    returns them. `arrival`: findings made while reading the message, stored first."""
    items = sorted(items, key=lambda item: item.position)
    found = [
        *arrival,
        *shared.line_checks(items, shared.untaxed_positions(arrival)),
        *shared.total_checks(version, items, values_block=VALUES, total_name=TOTAL),
        *shared.tax_type_checks(version, values_block=VALUES),
        *shared.gstin_checks(version),
        *duplicate_checks(purchase_order, version),
        *date_checks(version),
    ]
    return PurchaseOrderFinding.objects.bulk_create(
        PurchaseOrderFinding(version=version, code=code, field=field, message=message[:300])
        for code, field, message in found
    )
