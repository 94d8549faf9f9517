"""Checks on every received purchase-order version: line arithmetic, totals against the
lines, the tax type for the place of supply, GSTINs (the document layer's shared checks,
`documents.findings`), and the order's own: its number already used by the same buyer,
a delivery date before the order date.

Each check returns (code, field, message) tuples; `version_findings` gathers them
before anything is written, and the document layer writes them as
`PurchaseOrderFinding` rows.
"""

from b2bportal.documents import findings as shared

from .choices import FindingCode
from .models import PurchaseOrder
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


def version_findings(purchase_order, version, items, arrival=()) -> list:
    """Every check on `version` (its lines as stored): (code, field, message) tuples, not
    written yet. `arrival`: findings made while reading the message, first."""
    items = sorted(items, key=lambda item: item.position)
    return [
        *arrival,
        *shared.line_checks(items, shared.untaxed_positions(arrival)),
        *shared.total_checks(version, items, values_block=VALUES, total_name=TOTAL),
        *shared.tax_type_checks(version, values_block=VALUES),
        *shared.gstin_checks(version),
        *duplicate_checks(purchase_order, version),
        *date_checks(version),
    ]
