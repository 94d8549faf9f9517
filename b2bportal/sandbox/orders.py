"""Purchase orders on the sandbox's wire (PROTOCOL.md §3): buyers' orders to our
businesses, clean and with mistakes, their edits and cancellations; suppliers'
confirmations of the orders we send; and suppliers' invoices raised against an order,
within it or beyond it.

An order is first drawn as a `PurchaseOrderDraft` (parties, dates, lines, the mistakes
it is meant to carry) and then rendered as the `purchaseOrder` block. Lines, their
taxes and the party blocks are the invoice's (`payloads`). Every random choice comes
from the `random.Random` passed in, so a seed gives the same bodies every time.
"""

import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from . import payloads
from .data import Business, Product
from .payloads import (
    BAD_GSTIN_CHECK,
    IGST_INTRA_STATE,
    LINE_ARITHMETIC,
    LINE_TAX,
    WRONG_TOTALS,
    InvoiceDraft,
    Line,
    LineTotals,
    StatusWording,
    counterparty_body,
    make_line,
    status_move_block,
    wire_number,
)

ID_PREFIX = "POR"
DELIVERY_BEFORE_ORDER = "delivery_before_order"  # the delivery date is before the order date
# Mistakes a buyer's order may carry (the buyer's GSTIN is the one that can be wrong).
PO_MISTAKES = (
    LINE_ARITHMETIC, LINE_TAX, WRONG_TOTALS, IGST_INTRA_STATE, BAD_GSTIN_CHECK,
    DELIVERY_BEFORE_ORDER,
)  # fmt: skip
SUBJECTS = (
    "Quarterly requirement of {item}",
    "Supply of {item} for plant maintenance",
    "Rate contract release: {item}",
    "Urgent requirement: {item}",
)
# The supplier's response to an order -> the status it makes (the network's table).
SUPPLIER_RESPONSES = {"ACCEPT": "ACCEPTED", "REJECT": "REJECTED", "RETURN": "UNDER_REVIEW"}
BUYER_ACTIONS = {"CANCEL": "CANCELLED", "CLOSE": "CLOSED"}
PO_STATUS = StatusWording("buyerPONumber", "buyerAction", "buyerRemarks", "poStatusTransition")
PO_CONFIRMATION = StatusWording(
    "buyerPONumber", "supplierResponse", "supplierRemarks", "poStatusTransition"
)
SUPPLIER_REMARKS = {
    "ACCEPT": ("Order accepted, dispatch as scheduled", "Accepted, material in stock"),
    "REJECT": ("Rates no longer valid, please re-quote", "Item discontinued"),
    "RETURN": ("Delivery date not feasible, please revise", "Please confirm the HSN codes"),
}


@dataclass
class PurchaseOrderDraft(LineTotals):
    """A buyer's purchase order before it is put on the wire."""

    object_id: str
    buyer: Business
    supplier: Business
    number: str  # buyerPONumber
    order_date: date
    delivery_date: date
    subject: str
    place_of_supply: str
    lines: list[Line]
    buyer_gstin: str
    version: int = 1
    status: str = "SENT_TO_SUPPLIER"
    previous_status: str = "CREATED"
    total_adjustment: Decimal = Decimal("0")
    mistakes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def intra_state(self) -> bool:
        return self.supplier.state_code == self.place_of_supply


def po_number(sequence: int) -> str:
    """A buyer's PO number as ERPs number them (SAP's 45... series)."""
    return f"45{sequence % 100000000:08d}"


def draw_purchase_order(
    rng: random.Random,
    buyer: Business,
    supplier: Business,
    *,
    today: date,
    sequence: int,
    mistakes: tuple[str, ...] = (),
) -> PurchaseOrderDraft:
    """A realistic order from `buyer` to `supplier` for what the supplier sells,
    carrying exactly `mistakes`."""
    place = buyer.state_code
    lines = payloads.draw_lines(rng, supplier, supplier.state_code == place)
    order_date = today - timedelta(days=rng.randint(0, 10))
    draft = PurchaseOrderDraft(
        object_id=payloads.new_object_id(rng, ID_PREFIX),
        buyer=buyer,
        supplier=supplier,
        number=po_number(sequence),
        order_date=order_date,
        delivery_date=order_date + timedelta(days=rng.choice((7, 15, 21, 30))),
        subject=rng.choice(SUBJECTS).format(item=lines[0].product.description),
        place_of_supply=place,
        lines=lines,
        buyer_gstin=buyer.gstin,
    )
    for mistake in mistakes:
        _apply_mistake(rng, draft, mistake)
    draft.mistakes = tuple(mistakes)
    return draft


def _apply_mistake(rng: random.Random, draft: PurchaseOrderDraft, mistake: str) -> None:
    if mistake == DELIVERY_BEFORE_ORDER:
        draft.delivery_date = draft.order_date - timedelta(days=rng.randint(1, 5))
    elif mistake == BAD_GSTIN_CHECK:
        good = draft.buyer_gstin
        draft.buyer_gstin = good[:14] + next(c for c in "ZYXW0123" if c != good[14])
    elif mistake in payloads.LINE_MISTAKES:
        # The same slips as on an invoice, made to the order's lines and totals.
        payloads.apply_line_mistake(rng, draft, mistake)
    else:
        raise ValueError(f"unknown purchase order mistake {mistake!r}")


def edited_purchase_order(draft: PurchaseOrderDraft, rng: random.Random) -> PurchaseOrderDraft:
    """The buyer's next version: the last line's quantity raised, delivery a week later."""
    lines = [replace(line) for line in draft.lines]
    target = lines[-1]
    quantity = target.quantity + Decimal(rng.choice((1, 2, 5)))
    lines[-1] = make_line(target.serial, target.product, quantity, draft.intra_state)
    return replace(
        draft,
        lines=lines,
        delivery_date=draft.delivery_date + timedelta(days=7),
        version=draft.version + 1,
        previous_status=draft.status,
        status="SENT_TO_SUPPLIER",
    )


def purchase_order_block(draft: PurchaseOrderDraft) -> dict:
    """The `purchaseOrder` block of a send or an edit."""
    return {
        "objectId": draft.object_id,
        "buyerPONumber": draft.number,
        "ts": payloads.wire_datetime(draft.order_date),
        "orderDate": draft.order_date.isoformat(),
        "deliveryDate": draft.delivery_date.isoformat(),
        "subject": draft.subject,
        "objectVersion": {"currentVersion": draft.version - 1, "newVersion": draft.version},
        "poStatusTransition": {
            "currentStatus": draft.previous_status,
            "newStatus": draft.status,
        },
        "supplierDetails": payloads.party(draft.supplier),
        "buyerDetails": payloads.party(
            draft.buyer, gstin=draft.buyer_gstin, place=draft.place_of_supply
        ),
        "itemLists": payloads.item_lists(draft.lines),
        "poValueDetails": {
            "assessmentValue": wire_number(draft.assessable),
            "totalPOValue": wire_number(draft.total),
            "otherValues": payloads.tax_values(draft.cgst, draft.sgst, draft.igst),
        },
    }


def _b2b_ids(draft: PurchaseOrderDraft) -> dict:
    return {"buyerB2BId": draft.buyer.b2b_id, "supplierB2BId": draft.supplier.b2b_id}


def send_po_body(draft: PurchaseOrderDraft) -> dict:
    """`req-send` (purchase order) as a buyer sends it; `req-edit` is the same at its
    new version."""
    return {
        "device": payloads.device(draft.buyer),
        "b2bIds": _b2b_ids(draft),
        "purchaseOrder": purchase_order_block(draft),
    }


def po_status_body(draft: PurchaseOrderDraft, action: str, remarks: str) -> dict:
    """`req-status-change` (purchase order): the buyer cancels or closes its order."""
    return {
        "device": payloads.device(draft.buyer),
        "b2bIds": _b2b_ids(draft),
        "poStatus": status_move_block(
            PO_STATUS, draft.object_id, draft.number, draft.version,
            action, remarks, draft.status, BUYER_ACTIONS[action],
        ),
    }  # fmt: skip


def po_confirmation_body(
    *,
    buyer_b2b_id: str,
    supplier_b2b_id: str,
    object_id: str,
    number: str,
    version: int,
    response: str,
    remarks: str,
    current_status: str,
) -> dict:
    """`req-confirm` (purchase order) as a supplier sends it about an order WE placed."""
    return counterparty_body(
        buyer_b2b_id, supplier_b2b_id, "poConfirmation",
        status_move_block(PO_CONFIRMATION, object_id, number, version, response, remarks,
                          current_status, SUPPLIER_RESPONSES[response]),
    )  # fmt: skip


def lines_of_block(order: dict, intra_state: bool, share: Decimal) -> list[Line]:
    """The order's lines (its `itemLists`) at `share` of each ordered quantity, whole
    units, at least one; prices, HSN and GST rates as ordered."""
    lines = []
    for serial, item in enumerate(order.get("itemLists") or [], start=1):
        product = Product(
            description=str(item.get("productDescription") or "Item"),
            hsn_code=str(item.get("hsnCode") or ""),
            unit=str(item.get("unit") or "NOS"),
            unit_price=Decimal(str(item.get("unitPrice") or 0)),
            gst_rate=Decimal(str(item.get("gstRate") or 0)),
            is_service=item.get("isService") == "Y",
        )
        ordered = Decimal(str(item.get("quantity") or 1))
        quantity = max((ordered * share).to_integral_value(), Decimal("1"))
        lines.append(make_line(serial, product, quantity, intra_state))
    return lines


def invoice_against(
    rng: random.Random,
    order: dict,
    supplier: Business,
    buyer: Business,
    *,
    today: date,
    sequence: int,
    share: Decimal = Decimal("1"),
) -> InvoiceDraft:
    """The supplier's invoice against `order` (a `purchaseOrder` block): every line at
    `share` of its ordered quantity (below 1 within the order, above 1 beyond it), at the
    order's prices, naming the order in `poDetails` (network shape) or `ponumber`
    (internal shape)."""
    invoice = payloads.draw_invoice(rng, supplier, buyer, today=today, sequence=sequence)
    place = (order.get("buyerDetails") or {}).get("placeOfSupply") or buyer.state_code
    invoice.place_of_supply = place
    invoice.lines = lines_of_block(order, supplier.state_code == place, share)
    order_date = date.fromisoformat(order.get("orderDate") or today.isoformat())
    invoice.purchase_order = (order["objectId"], order["buyerPONumber"], order_date)
    invoice.remarks = f"Supply against PO {order['buyerPONumber']}"
    return invoice


def order_data(draft: PurchaseOrderDraft) -> dict:
    """`draft` as our staff would place it (`POST /api/purchase-orders/`, and, with the
    business looked up, `purchase_orders.services.create_purchase_order`)."""
    supplier = draft.supplier
    return {
        "business": draft.buyer.b2b_id,
        "supplier": {
            "b2b_id": supplier.b2b_id,
            "gstin": supplier.gstin,
            "legal_name": supplier.legal_name,
            "trade_name": supplier.trade_name,
            "state_code": supplier.state_code,
            "address": {},
        },
        "po_number": draft.number,
        "order_date": draft.order_date,
        "delivery_date": draft.delivery_date,
        "subject": draft.subject,
        "place_of_supply": draft.place_of_supply,
        "items": [
            {
                "description": line.product.description,
                "hsn_code": line.product.hsn_code,
                "quantity": line.quantity,
                "unit": line.product.unit,
                "unit_price": line.product.unit_price,
                "gst_rate": line.product.gst_rate,
                "is_service": line.product.is_service,
            }
            for line in draft.lines
        ],
    }
