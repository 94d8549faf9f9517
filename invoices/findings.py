"""Checks on every received version: arithmetic, taxes, GSTINs, parties, dates.

Each check returns (code, field, message) tuples; `store_findings` stores them as
`Finding` rows. Amounts are compared after rounding to paise, with a tolerance
for the rounding GST invoices legitimately carry (one rupee on totals).
"""

import re
from decimal import Decimal

from b2bportal.parties import gstin as gstin_rules
from b2bportal.parties.models import Business

from .choices import FindingCode, Role
from .models import Finding, Invoice

LINE_TOLERANCE = Decimal("0.01")
TOTAL_TOLERANCE = Decimal("1.00")
CENT = Decimal("0.01")


def _off(a: Decimal, b: Decimal, tolerance: Decimal) -> bool:
    return abs(Decimal(a).quantize(CENT) - Decimal(b).quantize(CENT)) > tolerance


def line_checks(items, untaxed=frozenset()) -> list[tuple]:
    """Quantity x unit price = line amount; each tax = its rate x assessable value.

    `untaxed`: positions of lines whose tax was not stated at all: their finding says
    so (TAX_MISSING), rather than that 0 was charged.
    """
    found = []
    for item in items:
        where = f"itemLists[{item.position - 1}]"
        expected = item.quantity * item.unit_price
        if _off(expected, item.gross_amount, LINE_TOLERANCE):
            found.append(
                (
                    FindingCode.LINE_AMOUNT,
                    where,
                    f"Line {item.position}: {item.quantity} x {item.unit_price} = "
                    f"{expected.quantize(CENT)}, not {item.gross_amount}",
                )
            )
        taxed = item.cgst_amount + item.sgst_amount + item.igst_amount
        expected_tax = item.assessable_amount * item.gst_rate / 100
        if item.position not in untaxed and _off(expected_tax, taxed, LINE_TOLERANCE):
            found.append(
                (
                    FindingCode.LINE_TAX,
                    where,
                    f"Line {item.position}: {item.gst_rate}% of {item.assessable_amount} = "
                    f"{expected_tax.quantize(CENT)}, taxes charged {taxed}",
                )
            )
    return found


def total_checks(version, items) -> list[tuple]:
    """Invoice totals equal the sums of the lines."""
    found = []
    sums = {
        "assessable_value": sum((i.assessable_amount for i in items), Decimal(0)),
        "cgst_amount": sum((i.cgst_amount for i in items), Decimal(0)),
        "sgst_amount": sum((i.sgst_amount for i in items), Decimal(0)),
        "igst_amount": sum((i.igst_amount for i in items), Decimal(0)),
    }
    for name, summed in sums.items():
        if _off(summed, getattr(version, name), TOTAL_TOLERANCE):
            found.append(
                (
                    FindingCode.TOTALS,
                    f"valueDetails.{name}",
                    f"{name.replace('_', ' ')} {getattr(version, name)} but lines sum "
                    f"to {summed.quantize(CENT)}",
                )
            )
    expected_total = sum(sums.values(), Decimal(0)) + version.cess_amount + version.other_charges
    if _off(expected_total, version.total_value, TOTAL_TOLERANCE):
        found.append(
            (
                FindingCode.TOTALS,
                "valueDetails.totalInvoiceValue",
                f"Total {version.total_value} but lines, taxes and charges sum to "
                f"{expected_total.quantize(CENT)}",
            )
        )
    return found


def tax_type_checks(version) -> list[tuple]:
    """CGST+SGST within one state, IGST between states (supplier state vs place of supply)."""
    supplier_state = version.supplier_state_code or gstin_rules.state_code(version.supplier_gstin)
    place = version.place_of_supply or version.buyer_state_code
    if not supplier_state or not place:
        return []
    intra = supplier_state == place
    if intra and version.igst_amount:
        return [
            (
                FindingCode.TAX_TYPE,
                "valueDetails",
                f"IGST charged on an intra-state supply (state {place})",
            )
        ]
    if not intra and (version.cgst_amount or version.sgst_amount):
        return [
            (
                FindingCode.TAX_TYPE,
                "valueDetails",
                f"CGST/SGST on an inter-state supply ({supplier_state} to {place})",
            )
        ]
    return []


def gstin_checks(version) -> list[tuple]:
    """Each GSTIN well formed, its check digit right, its state prefix its party's state."""
    found = []
    for side, path in (("supplier", "supplierDetails"), ("buyer", "buyerDetails")):
        value = getattr(version, f"{side}_gstin")
        state = getattr(version, f"{side}_state_code")
        if not value:
            continue
        if not gstin_rules.is_well_formed(value):
            found.append(
                (
                    FindingCode.GSTIN_FORMAT,
                    f"{path}.gstin",
                    f"{side.title()} GSTIN {value} is malformed",
                )
            )
            continue
        if not gstin_rules.has_valid_check_digit(value):
            found.append(
                (
                    FindingCode.GSTIN_CHECK_DIGIT,
                    f"{path}.gstin",
                    f"{side.title()} GSTIN {value}: check digit should be "
                    f"{gstin_rules.check_character(value[:14])}",
                )
            )
        if state and gstin_rules.state_code(value) != state:
            found.append(
                (
                    FindingCode.GSTIN_STATE,
                    f"{path}.stateCode",
                    f"{side.title()} GSTIN {value} is from state "
                    f"{gstin_rules.state_code(value)}, state code says {state}",
                )
            )
    return found


def _our_business(invoice, b2b_id: str):
    """Our business with `b2b_id`: the invoice's own when already loaded, else read."""
    if Invoice.business.is_cached(invoice) and invoice.business.b2b_id == b2b_id:
        return invoice.business
    return Business.objects.filter(b2b_id=b2b_id).first()


def party_checks(invoice, version) -> list[tuple]:
    """The buyer the invoice names is one of our businesses (B2B ID and GSTIN)."""
    if invoice.role != Role.BUYER:
        return []
    ours = _our_business(invoice, version.buyer_b2b_id)
    if ours is None or (version.buyer_gstin and ours.gstin and ours.gstin != version.buyer_gstin):
        return [
            (
                FindingCode.BUYER_NOT_OURS,
                "buyerDetails",
                f"Buyer {version.buyer_b2b_id} / {version.buyer_gstin or '-'} is not one of "
                "our businesses",
            )
        ]
    return []


def number_taken(supplier_b2b_id: str, number: str, object_id: str, enkash_id=None):
    """The objectIds of other invoices with this supplier and supplier invoice number (an
    invoice with the same EnKash id is this one, about to be joined to its objectId)."""
    others = Invoice.objects.filter(
        supplier_b2b_id=supplier_b2b_id, supplier_invoice_number=number
    ).exclude(object_id=object_id)
    if enkash_id is not None:
        others = others.exclude(enkash_id=enkash_id)
    return others.values("object_id")


NOT_LOOKED_UP = object()


def duplicate_checks(invoice, version, taken_by=NOT_LOOKED_UP) -> list[tuple]:
    """The same supplier invoice number already received from the same supplier.

    `taken_by`: the objectId of such an invoice (None: none), when the caller looked it
    up with `number_taken` already; otherwise it is read here.
    """
    if taken_by is NOT_LOOKED_UP:
        others = number_taken(
            version.supplier_b2b_id, version.supplier_invoice_number, invoice.object_id
        )
        taken_by = others.values_list("object_id", flat=True).first()
    if taken_by:
        message = f"Number {version.supplier_invoice_number} already on {taken_by}"
        return [(FindingCode.DUPLICATE_NUMBER, "supplierInvoiceNumber", message)]
    return []


def date_checks(version) -> list[tuple]:
    """The due date is not before the invoice date."""
    if version.due_date and version.invoice_date and version.due_date < version.invoice_date:
        return [
            (
                FindingCode.DUE_BEFORE_INVOICE,
                "dueDate",
                f"Due {version.due_date} before invoice date {version.invoice_date}",
            )
        ]
    return []


BANK_KEYS = ("maskedAccountNumber", "ifsc", "businessVPA")


def bank_checks(invoice, version) -> list[tuple]:
    """The supplier asks to be paid into another account than the one we know.

    Not an error in itself, but the classic invoice fraud: worth a second look.
    """
    if invoice.role != Role.BUYER:
        return []
    stated = (version.sections or {}).get("supplierBankAccountDetails") or {}
    known = invoice.counterparty.bank_account or {}
    changed = [k for k in BANK_KEYS if stated.get(k) and known.get(k) and stated[k] != known[k]]
    if changed:
        return [
            (
                FindingCode.BANK_CHANGED,
                "supplierBankAccountDetails",
                "Bank details differ from those on record: "
                + ", ".join(f"{k} {known[k]} -> {stated[k]}" for k in changed),
            )
        ]
    return []


def _position(item) -> int:
    return item.position


LINE_INDEX = re.compile(r"\[(\d+)\]")


def version_findings(invoice, version, items, arrival=(), taken_by=NOT_LOOKED_UP) -> list:
    """Every check on `version` and its lines (`items`, as stored), without storing them:
    (code, field, message) tuples.

    `arrival`: findings made while reading the message (lines that could not be read,
    taxes not stated, totals changed by rounding), first. `taken_by`: see
    `duplicate_checks`.
    """
    items = sorted(items, key=_position)
    untaxed = {
        int(LINE_INDEX.search(field).group(1)) + 1
        for code, field, _ in arrival
        if code == FindingCode.TAX_MISSING
    }
    return [
        *arrival,
        *line_checks(items, untaxed),
        *total_checks(version, items),
        *tax_type_checks(version),
        *gstin_checks(version),
        *party_checks(invoice, version),
        *duplicate_checks(invoice, version, taken_by),
        *date_checks(version),
        *bank_checks(invoice, version),
    ]


def store_findings(version, found: list[tuple]) -> list:
    """Store `found` (from `version_findings`) on the version, in one statement."""
    return Finding.objects.bulk_create(
        Finding(version=version, code=code, field=field, message=message[:300])
        for code, field, message in found
    )


def transition_checks(block: dict, decided: str) -> list[tuple]:
    """A confirmation whose carried `newStatus` is not the status its response means.

    The response decides (PROTOCOL.md §4); the contradiction is kept for staff.
    """
    carried = (block.get("statusTransition") or {}).get("newStatus")
    if not carried or carried == decided:
        return []
    return [
        (
            FindingCode.TRANSITION,
            "invoiceConfirmation.statusTransition.newStatus",
            f"buyerResponse {block['buyerResponse']} means {decided}, "
            f"but the message carries newStatus {carried}",
        )
    ]
