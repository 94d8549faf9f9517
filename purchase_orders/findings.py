"""Checks on every received purchase-order version: line arithmetic, totals against the
lines, the tax type for the place of supply, GSTINs (the document layer's shared checks,
`documents.findings`), and the order's own: its number already used by the same buyer,
a delivery date before the order date.

Each check returns (code, field, message) tuples; `version_findings` gathers them
before anything is written, and the document layer writes them as
`PurchaseOrderFinding` rows.
"""

from b2bportal.documents import findings as shared
from b2bportal.documents.findings import NOT_LOOKED_UP

from .choices import FindingCode
from .models import PurchaseOrder
from .wire import TOTAL, VALUES


def number_taken(buyer_b2b_id: str, number: str, object_id: str):
    """The objectIds of other orders with this buyer and buyer PO number."""
    others = PurchaseOrder.objects.filter(buyer_b2b_id=buyer_b2b_id, po_number=number)
    return others.exclude(object_id=object_id).values("object_id")


def duplicate_checks(purchase_order, version, taken_by=NOT_LOOKED_UP) -> list[tuple]:
    """The same buyer PO number already on another order from the same buyer.

    `taken_by`: the objectId of such an order (None: none), when the caller looked it up
    with `number_taken` already; otherwise it is read here.
    """
    if taken_by is NOT_LOOKED_UP:
        others = number_taken(version.buyer_b2b_id, version.po_number, purchase_order.object_id)
        taken_by = others.values_list("object_id", flat=True).first()
    if taken_by:
        message = f"Number {version.po_number} already on {taken_by}"
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


def version_findings(purchase_order, version, items, arrival=(), taken_by=NOT_LOOKED_UP) -> list:
    """Every check on `version` (its lines as stored): (code, field, message) tuples, not
    written yet. `arrival`: findings made while reading the message, first; `taken_by`:
    as for `duplicate_checks`."""
    items = sorted(items, key=lambda item: item.position)
    return [
        *arrival,
        *shared.line_checks(items, shared.untaxed_positions(arrival)),
        *shared.total_checks(version, items, values_block=VALUES, total_name=TOTAL),
        *shared.tax_type_checks(version, values_block=VALUES),
        *shared.gstin_checks(version),
        *duplicate_checks(purchase_order, version, taken_by),
        *date_checks(version),
    ]
