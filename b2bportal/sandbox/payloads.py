"""Bodies the sandbox puts on the wire: suppliers' invoices in both shapes, edits,
cancels, buyers' confirmations, and the network's `resp-*` results.

An invoice is first drawn as an `InvoiceDraft` (parties, dates, lines, the mistakes
it is meant to carry), then rendered in one of PROTOCOL.md §3's two shapes:
`network` (seed 002: objectId, objectVersion, statusTransition, supplierDetails,
itemLists, valueDetails, ...) or `internal` (seed 003, EnKash's own invoice:
nbblInvoiceId, supplierInvoiceNo, totalAmount, cgst/sgst/igst, nbblInvoiceItems, ...).
Every random choice comes from the `random.Random` passed in, so a seed gives the
same bodies every time.
"""

import random
import string
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from b2bportal.network import envelope
from b2bportal.parties.gstin import check_character, make_gstin

from .data import STATES, Business, Product, products_of

NETWORK = "network"
INTERNAL = "internal"  # EnKash's own invoice, parties named by B2B ID only
WRAPPED = "internal-wrapped"  # EnKash's own invoice carrying the network invoice inside
SHAPES = (NETWORK, INTERNAL, WRAPPED)

# Mistakes a supplier's invoice may carry, each one caught by one of our findings.
LINE_ARITHMETIC = "line_arithmetic"  # a line's amount is not quantity x unit price
LINE_TAX = "line_tax"  # a line's tax is not rate x assessable value
WRONG_TOTALS = "wrong_totals"  # the invoice total is not the sum of the lines
IGST_INTRA_STATE = "igst_intra_state"  # IGST charged on an intra-state supply
BAD_GSTIN_CHECK = "bad_gstin_check"  # the supplier GSTIN's check character is wrong
GSTIN_STATE_MISMATCH = "gstin_state_mismatch"  # GSTIN state prefix differs from stateCode
DUE_BEFORE_INVOICE = "due_before_invoice"  # due date before the invoice date
REPEATED_NUMBER = "repeated_number"  # an invoice number this supplier already used
MISTAKES = (
    LINE_ARITHMETIC, LINE_TAX, WRONG_TOTALS, IGST_INTRA_STATE, BAD_GSTIN_CHECK,
    GSTIN_STATE_MISMATCH, DUE_BEFORE_INVOICE, REPEATED_NUMBER,
)  # fmt: skip

CENT = Decimal("0.01")
ALNUM = string.ascii_uppercase + string.digits


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def wire_number(value: Decimal) -> float | int:
    """A Decimal as a JSON number (two decimals survive a float exactly enough to re-read)."""
    return int(value) if value == value.to_integral_value() else float(value)


def new_object_id(rng: random.Random, prefix: str = "INV") -> str:
    """An objectId as the originator makes it: a prefix and 32 alphanumerics."""
    return prefix + "".join(rng.choice(ALNUM) for _ in range(32))


@dataclass
class Line:
    """One invoice line with its tax, as the supplier states it (mistakes included)."""

    serial: int
    product: Product
    quantity: Decimal
    amount: Decimal  # stated quantity x unit price
    cgst: Decimal
    sgst: Decimal
    igst: Decimal

    @property
    def tax(self) -> Decimal:
        return self.cgst + self.sgst + self.igst

    @property
    def total(self) -> Decimal:
        return self.amount + self.tax


class LineTotals:
    """The sums of a draft's `lines` (an invoice's or a purchase order's), as stated."""

    lines: list[Line]
    total_adjustment: Decimal

    @property
    def assessable(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))

    @property
    def cgst(self) -> Decimal:
        return sum((line.cgst for line in self.lines), Decimal("0"))

    @property
    def sgst(self) -> Decimal:
        return sum((line.sgst for line in self.lines), Decimal("0"))

    @property
    def igst(self) -> Decimal:
        return sum((line.igst for line in self.lines), Decimal("0"))

    @property
    def total(self) -> Decimal:
        return self.assessable + self.cgst + self.sgst + self.igst + self.total_adjustment


@dataclass
class InvoiceDraft(LineTotals):
    """A supplier's invoice before it is put in a wire shape."""

    object_id: str
    internal_id: int
    supplier: Business
    buyer: Business
    number: str
    invoice_date: date
    due_date: date
    place_of_supply: str
    lines: list[Line]
    supplier_gstin: str
    supplier_state_code: str
    version: int = 1
    status: str = "SENT_TO_BUYER"
    previous_status: str = "CREATED"
    total_adjustment: Decimal = Decimal("0")  # a stated total that is off on purpose
    remarks: str = ""
    mistakes: tuple[str, ...] = field(default_factory=tuple)
    # The buyer's purchase order the invoice is raised against: (objectId, number, date).
    purchase_order: tuple[str, str, date] | None = None

    @property
    def intra_state(self) -> bool:
        return self.supplier.state_code == self.place_of_supply


def _taxes(amount: Decimal, rate: Decimal, intra_state: bool) -> tuple[Decimal, ...]:
    if intra_state:
        half = money(amount * rate / 2 / 100)
        return half, half, Decimal("0")
    return Decimal("0"), Decimal("0"), money(amount * rate / 100)


def make_line(serial: int, product: Product, quantity: Decimal, intra_state: bool) -> Line:
    amount = money(quantity * product.unit_price)
    return Line(serial, product, quantity, amount, *_taxes(amount, product.gst_rate, intra_state))


def draw_lines(rng: random.Random, supplier: Business, intra_state: bool) -> list[Line]:
    """One to four lines of what `supplier` sells, in quantities its trade deals in."""
    products = products_of(supplier)
    lines = []
    for serial in range(1, rng.randint(1, 4) + 1):
        product = rng.choice(products)
        if product.unit_price > 10000:
            quantity = Decimal(rng.randint(1, 3))
        elif product.unit_price > 1000:
            quantity = Decimal(rng.choice((2, 4, 5, 10, 20)))
        else:
            quantity = Decimal(rng.choice((100, 120, 250, 400, 500, 1000, 2400)))
        lines.append(make_line(serial, product, quantity, intra_state))
    return lines


def draw_invoice(
    rng: random.Random,
    supplier: Business,
    buyer: Business,
    *,
    today: date,
    sequence: int,
    mistakes: tuple[str, ...] = (),
    used_numbers: list[str] | None = None,
) -> InvoiceDraft:
    """A realistic invoice from `supplier` to `buyer`, carrying exactly `mistakes`.

    `used_numbers` are this supplier's earlier invoice numbers (for REPEATED_NUMBER).
    """
    place = buyer.state_code
    lines = draw_lines(rng, supplier, supplier.state_code == place)
    invoice_date = today - timedelta(days=rng.randint(0, 20))
    due_date = invoice_date + timedelta(days=rng.choice((15, 30, 45, 60)))
    prefix = "".join(ch for ch in supplier.trade_name.upper() if ch.isalpha())[:3]
    fy = invoice_date.year if invoice_date.month >= 4 else invoice_date.year - 1
    number = f"{prefix}/{fy % 100:02d}-{(fy + 1) % 100:02d}/{1000 + sequence:05d}"
    draft = InvoiceDraft(
        object_id=new_object_id(rng),
        internal_id=700000 + sequence,
        supplier=supplier,
        buyer=buyer,
        number=number,
        invoice_date=invoice_date,
        due_date=due_date,
        place_of_supply=place,
        lines=lines,
        supplier_gstin=supplier.gstin,
        supplier_state_code=supplier.state_code,
        remarks=f"Supply as per PO {rng.randint(4500001000, 4500009999)}",
    )
    for mistake in mistakes:
        _apply_mistake(rng, draft, mistake, used_numbers or [])
    draft.mistakes = tuple(mistakes)
    return draft


LINE_MISTAKES = (LINE_ARITHMETIC, LINE_TAX, WRONG_TOTALS, IGST_INTRA_STATE)


def apply_line_mistake(rng: random.Random, draft, mistake: str) -> None:
    """A slip in the lines, taxes or totals of `draft` (an invoice's or an order's)."""
    first = draft.lines[0]
    if mistake == LINE_ARITHMETIC:
        # The amount is off but the tax follows the stated amount, so only this line is wrong.
        first.amount += Decimal(rng.choice((10, 100, 250)))
        first.cgst, first.sgst, first.igst = _taxes(
            first.amount, first.product.gst_rate, draft.intra_state
        )
    elif mistake == LINE_TAX:
        if first.igst:
            first.igst += Decimal("1.50")
        else:
            first.cgst += Decimal("1.50")
            first.sgst += Decimal("1.50")
    elif mistake == WRONG_TOTALS:
        draft.total_adjustment = Decimal(rng.choice(("100.00", "-50.00", "999.00")))
    elif mistake == IGST_INTRA_STATE:
        draft.place_of_supply = draft.supplier.state_code
        for line in draft.lines:
            line.cgst, line.sgst = Decimal("0"), Decimal("0")
            line.igst = money(line.amount * line.product.gst_rate / 100)
    else:
        raise ValueError(f"not a line mistake: {mistake!r}")


def _apply_mistake(rng: random.Random, draft: InvoiceDraft, mistake: str, used: list[str]):
    if mistake in LINE_MISTAKES:
        apply_line_mistake(rng, draft, mistake)
    elif mistake == BAD_GSTIN_CHECK:
        good = draft.supplier_gstin
        wrong = next(c for c in ALNUM if c != check_character(good[:14]))
        draft.supplier_gstin = good[:14] + wrong
    elif mistake == GSTIN_STATE_MISMATCH:
        other = next(code for code in STATES if code != draft.supplier.state_code)
        draft.supplier_gstin = make_gstin(other, draft.supplier.pan)
    elif mistake == DUE_BEFORE_INVOICE:
        draft.due_date = draft.invoice_date - timedelta(days=rng.randint(1, 10))
    elif mistake == REPEATED_NUMBER:
        if used:
            draft.number = rng.choice(used)
    else:
        raise ValueError(f"unknown mistake {mistake!r}")


def edited(draft: InvoiceDraft, rng: random.Random) -> InvoiceDraft:
    """The supplier's next version: one line's quantity changed, the version bumped."""
    lines = [replace(line) for line in draft.lines]
    target = lines[-1]
    quantity = target.quantity + Decimal(rng.choice((1, 2, 5)))
    lines[-1] = make_line(target.serial, target.product, quantity, draft.intra_state)
    return replace(
        draft,
        lines=lines,
        version=draft.version + 1,
        previous_status=draft.status,
        status="SENT_TO_BUYER",
        remarks=f"Revised quantity on line {target.serial}",
    )


# -- shapes ----------------------------------------------------------------------------------
def wire_datetime(day: date, hour: int = 10) -> str:
    return datetime.combine(day, time(hour, 30), tzinfo=UTC).isoformat().replace("+00:00", "Z")


def _address(business: Business) -> dict:
    a = business.address
    return {
        "type": "REGISTERED",
        "addressLine1": a.line1,
        "addressLine2": a.line2,
        "city": a.city,
        "state": a.state,
        "country": "IN",
        "pincode": a.pincode,
    }


def party(business: Business, *, gstin: str = "", state_code: str = "", place: str = "") -> dict:
    """A `supplierDetails` / `buyerDetails` block."""
    block = {
        "b2bId": business.b2b_id,
        "gstin": gstin or business.gstin,
        "legalName": business.legal_name,
        "tradeName": business.trade_name,
        "stateCode": state_code or business.state_code,
        "address": _address(business),
        "contactNumber": {"type": "WORK", "countryCode": "+91", "phoneNumber": business.phone},
        "email": business.email,
    }
    if place:
        block["placeOfSupply"] = place
    return block


def tax_values(cgst: Decimal, sgst: Decimal, igst: Decimal) -> list[dict]:
    if igst:
        return [{"type": "IGST", "value": wire_number(igst)}]
    return [
        {"type": "CGST", "value": wire_number(cgst)},
        {"type": "SGST", "value": wire_number(sgst)},
    ]


def _tax_rates(line: Line) -> list[dict]:
    rate = line.product.gst_rate
    if line.igst:
        return [{"type": "IGST", "value": wire_number(rate)}]
    return [
        {"type": "CGST", "value": wire_number(rate / 2)},
        {"type": "SGST", "value": wire_number(rate / 2)},
    ]


def item_lists(lines: list[Line]) -> list[dict]:
    """The `itemLists` of a network invoice or purchase order."""
    return [
        {
            "serialno": str(line.serial),
            "productDescription": line.product.description,
            "isService": "Y" if line.product.is_service else "N",
            "hsnCode": line.product.hsn_code,
            "quantity": wire_number(line.quantity),
            "freeQuantity": 0,
            "unit": line.product.unit,
            "unitPrice": wire_number(line.product.unit_price),
            "totalAmt": wire_number(line.amount),
            "assessmentAmount": wire_number(line.amount),
            "gstRate": wire_number(line.product.gst_rate),
            "totalItemValue": wire_number(line.total),
            "originCountry": "IN",
            "itemValueDetails": tax_values(line.cgst, line.sgst, line.igst),
            "rates": _tax_rates(line),
        }
        for line in lines
    ]


def network_invoice(draft: InvoiceDraft) -> dict:
    """The network invoice (seed 002) for `draft`."""
    total = draft.total
    return {
        "objectId": draft.object_id,
        "supplierInvoiceNumber": draft.number,
        "objectVersion": {"currentVersion": draft.version - 1, "newVersion": draft.version},
        "ts": wire_datetime(draft.invoice_date),
        "statusTransition": {
            "currentStatus": draft.previous_status,
            "newStatus": draft.status,
        },
        "transactionDetails": {
            "taxScheme": "GST",
            "supplyType": "B2B",
            "reverseChargeTax": "N",
            "igstChargable": "Y" if draft.igst else "N",
            "ecommerceGstin": "",
        },
        "supplierDetails": party(
            draft.supplier, gstin=draft.supplier_gstin, state_code=draft.supplier_state_code
        ),
        "buyerDetails": party(draft.buyer, place=draft.place_of_supply),
        "itemLists": item_lists(draft.lines),
        "valueDetails": {
            "assessmentValue": wire_number(draft.assessable),
            "totalInvoiceValue": wire_number(total),
            "otherValues": tax_values(draft.cgst, draft.sgst, draft.igst),
        },
        "supplierBankAccountDetails": {
            "maskedAccountNumber": draft.supplier.masked_account,
            "ifsc": draft.supplier.ifsc,
            "beneficiaryName": draft.supplier.legal_name,
            "businessVPA": draft.supplier.vpa,
        },
        "advancePaymentDetails": {
            "payeeName": draft.supplier.legal_name,
            "mode": "NEFT",
            "paymentTerms": f"Net {(draft.due_date - draft.invoice_date).days} days",
            "creditDays": (draft.due_date - draft.invoice_date).days,
            "paidAmount": 0,
            "pendingDueAmount": wire_number(total),
        },
        "invoiceReferenceDetails": {
            "invoiceRemarks": draft.remarks,
            "invoiceStartDate": draft.invoice_date.isoformat(),
            "invoiceEndDate": draft.due_date.isoformat(),
        },
        "paymentMilestones": [
            {"milestoneDate": draft.due_date.isoformat(), "dueAmount": wire_number(total)}
        ],
        **(
            {"poDetails": [{"poObjId": po[0], "buyerPoId": po[1], "poDate": po[2].isoformat()}]}
            if (po := draft.purchase_order)
            else {}
        ),
    }


def internal_invoice(draft: InvoiceDraft, *, wrapped: bool = False) -> dict:
    """EnKash's internal invoice (seeds 001/003) for `draft`.

    `wrapped`: `nbblInvoiceData` carries the network invoice, as EnKash's own record
    of an NBBL invoice may; the parties and their GSTINs then travel too.
    """
    invoice = {
        "id": draft.internal_id,
        "invoiceNumber": draft.number,
        "supplierInvoiceNo": draft.number,
        "supplierInvoiceDate": draft.invoice_date.isoformat(),
        "invoiceDate": draft.invoice_date.isoformat(),
        "dueDate": wire_datetime(draft.due_date, 0),
        "totalAmount": wire_number(draft.total),
        "invoiceAmount": wire_number(draft.assessable),
        "cgst": wire_number(draft.cgst),
        "sgst": wire_number(draft.sgst),
        "igst": wire_number(draft.igst),
        "description": draft.remarks,
        "hsnCode": draft.lines[0].product.hsn_code,
        "phone": draft.supplier.phone,
        "email": draft.supplier.email,
        "nbblEnabled": True,
        "nbblInvoiceId": draft.object_id,
        "nbblInvoiceStatus": draft.status,
        "invoiceStatus": "UNPAID",
        "einvoice": False,
        "nbblInvoiceItems": [
            {
                "serialNo": str(line.serial),
                "itemName": line.product.description,
                "hsnCode": line.product.hsn_code,
                "quantity": wire_number(line.quantity),
                "unit": line.product.unit,
                "unitPrice": wire_number(line.product.unit_price),
                "amount": wire_number(line.amount),
                "gstRate": wire_number(line.product.gst_rate),
                "cgst": wire_number(line.cgst),
                "sgst": wire_number(line.sgst),
                "igst": wire_number(line.igst),
                "totalAmount": wire_number(line.total),
            }
            for line in draft.lines
        ],
    }
    if draft.purchase_order:
        invoice["ponumber"] = draft.purchase_order[1]
    if wrapped:
        invoice["nbblInvoiceData"] = network_invoice(draft)
    return invoice


def _b2b_ids(draft: InvoiceDraft) -> dict:
    return {"buyerB2BId": draft.buyer.b2b_id, "supplierB2BId": draft.supplier.b2b_id}


def device(business: Business) -> dict:
    return {"tag": {"name": "GEOCODE", "value": GEOCODES.get(business.address.city, "")}}


GEOCODES = {
    "Pune": "18.6298,73.8478", "Bengaluru": "12.9716,77.5946", "Sriperumbudur": "12.9675,79.9419",
    "Navi Mumbai": "19.0330,73.0297", "Ahmedabad": "23.0225,72.5714", "Chennai": "13.0827,80.2707",
    "New Delhi": "28.5355,77.2720", "Ghaziabad": "28.6692,77.4538", "Hyderabad": "17.4126,78.4482",
    "Howrah": "22.5958,88.2636",
}  # fmt: skip


def send_invoice_body(draft: InvoiceDraft, shape: str) -> dict:
    """`req-send-invoice` as a supplier sends it, in either shape."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}")
    if shape == NETWORK:
        invoice = network_invoice(draft)
    else:
        invoice = internal_invoice(draft, wrapped=shape == WRAPPED)
    return {"device": device(draft.supplier), "b2bIds": _b2b_ids(draft), "invoice": invoice}


def edit_invoice_body(draft: InvoiceDraft, shape: str) -> dict:
    """`req-edit-invoice`: the whole invoice again, at its new version."""
    return send_invoice_body(draft, shape)


def status_change_body(draft: InvoiceDraft, action: str, remarks: str, new_status: str) -> dict:
    """`req-status-change-invoice`: the supplier cancels or deletes its invoice."""
    return {
        "device": device(draft.supplier),
        "b2bIds": _b2b_ids(draft),
        "invoiceStatus": status_move_block(
            INVOICE_STATUS, draft.object_id, draft.number, draft.version,
            action, remarks, draft.status, new_status,
        ),
    }  # fmt: skip


def confirmation_body(
    *,
    buyer_b2b_id: str,
    supplier_b2b_id: str,
    object_id: str,
    number: str,
    version: int,
    response: str,
    remarks: str,
    current_status: str,
    new_status: str,
) -> dict:
    """`req-confirm-invoice` as a buyer sends it about an invoice WE sent."""
    return counterparty_body(
        buyer_b2b_id, supplier_b2b_id, "invoiceConfirmation",
        status_move_block(INVOICE_CONFIRMATION, object_id, number, version,
                          response, remarks, current_status, new_status),
    )  # fmt: skip


class StatusWording(NamedTuple):
    """The field names one kind of status move uses in its block (the network's words)."""

    number: str  # the document number's field
    act: str  # the action's or the response's field
    remarks: str
    transition: str


INVOICE_STATUS = StatusWording(
    "supplierInvoiceNumber", "supplierAction", "supplierRemarks", "statusTransition"
)
INVOICE_CONFIRMATION = StatusWording(
    "supplierInvoiceNumber", "buyerResponse", "buyerRemarks", "statusTransition"
)


def status_move_block(
    wording: StatusWording,
    object_id: str,
    number: str,
    version: int,
    act: str,
    remarks: str,
    current_status: str,
    new_status: str,
) -> dict:
    """A status change's or a confirmation's block, in `wording`'s field names; the
    version is unchanged by it."""
    return {
        "objectId": object_id,
        wording.number: number,
        "objectVersion": {"currentVersion": version, "newVersion": version},
        wording.act: act,
        wording.remarks: remarks,
        wording.transition: {"currentStatus": current_status, "newStatus": new_status},
    }


def counterparty_body(
    buyer_b2b_id: str, supplier_b2b_id: str, block_name: str, block: dict
) -> dict:
    """A request the counterparty of a document WE sent makes: no GEOCODE of its own."""
    return {
        "device": {"tag": {"name": "GEOCODE", "value": ""}},
        "b2bIds": {"buyerB2BId": buyer_b2b_id, "supplierB2BId": supplier_b2b_id},
        block_name: block,
    }


def resp_block(req_msg_id: str, *, error: tuple[str, str, str] | None = None) -> dict:
    """The network's verdict: SUCCESS, or FAILURE with (errorCd, errorDtl, errorField)."""
    if not error:
        return envelope.resp_block(req_msg_id)
    return envelope.resp_block(req_msg_id, envelope.FAILURE, *error)


def result_body(b2b_ids: dict, block_name: str, block: dict, resp: dict) -> dict:
    """A `resp-*` webhook: the request's b2bIds, the network's verdict and the document block."""
    body = {"b2bIds": b2b_ids, "resp": resp}
    if block_name:
        body[block_name] = block
    body["additionalInfo"] = [{"name": "reqMsgId", "value": resp["reqMsgId"]}]
    return body
