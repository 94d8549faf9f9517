"""Checks on every received version: arithmetic, taxes, GSTINs, parties, dates.

Each check returns (code, field, message) tuples; `version_findings` gathers them
before anything is written; the document layer writes them as `Finding` rows with the
version's other rows. The checks every family shares (arithmetic, totals, tax
type, GSTINs, a confirmation's contradicting status) are the document layer's
(`documents.findings`).
"""

from b2bportal.documents import findings as shared
from b2bportal.documents.findings import NOT_LOOKED_UP
from b2bportal.documents.hooks import version_checks
from b2bportal.parties.models import Business

from .choices import FindingCode, Role
from .models import Invoice

# The checks every family shares (`documents.findings`), with the invoice's block names.
line_checks = shared.line_checks
gstin_checks = shared.gstin_checks


def total_checks(version, items) -> list[tuple]:
    """Invoice totals equal the sums of the lines."""
    return shared.total_checks(
        version, items, values_block="valueDetails", total_name="totalInvoiceValue"
    )


def tax_type_checks(version) -> list[tuple]:
    """CGST+SGST within one state, IGST between states (supplier state vs place of supply)."""
    return shared.tax_type_checks(version, values_block="valueDetails")


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


def version_findings(invoice, version, items, arrival=(), taken_by=NOT_LOOKED_UP) -> list:
    """Every check on `version` and its lines (`items`, as stored), without storing them:
    (code, field, message) tuples.

    `arrival`: findings made while reading the message (lines that could not be read,
    taxes not stated, totals changed by rounding), first. `taken_by`: see
    `duplicate_checks`.
    """
    items = sorted(items, key=_position)
    return [
        *arrival,
        *line_checks(items, shared.untaxed_positions(arrival)),
        *total_checks(version, items),
        *tax_type_checks(version),
        *gstin_checks(version),
        *party_checks(invoice, version),
        *duplicate_checks(invoice, version, taken_by),
        *date_checks(version),
        *bank_checks(invoice, version),
        # Checks other apps add (the match against the purchase order named).
        *version_checks("invoice", invoice, version, items),
    ]
