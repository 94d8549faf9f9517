"""Checks on every received version: arithmetic, taxes, GSTINs, parties, dates.

Each check returns (code, field, message) tuples; `check_version` stores them as
`Finding` rows. The checks every family shares (arithmetic, totals, tax type, GSTINs,
a confirmation's contradicting status) are the document layer's (`documents.findings`).
"""

import re

from b2bportal.documents import findings as shared
from b2bportal.parties.models import Business

from .choices import FindingCode, Role
from .models import Finding, Invoice

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


def duplicate_checks(invoice, version) -> list[tuple]:
    """The same supplier invoice number already received from the same supplier."""
    others = Invoice.objects.filter(
        supplier_b2b_id=version.supplier_b2b_id,
        supplier_invoice_number=version.supplier_invoice_number,
    ).exclude(pk=invoice.pk)
    other = others.only("object_id").first()
    if other:
        message = f"Number {version.supplier_invoice_number} already on {other.object_id}"
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


def check_version(invoice, version, items=None, arrival=()) -> list:
    """Run every check on `version` and store the findings; returns them.

    `items`: the version's lines as stored, when the caller has them (else they are read).
    `arrival`: findings made while reading the message (lines that could not be read,
    taxes not stated, totals changed by rounding), stored first.
    """
    items = list(version.items.all()) if items is None else sorted(items, key=_position)
    untaxed = {
        int(LINE_INDEX.search(field).group(1)) + 1
        for code, field, _ in arrival
        if code == FindingCode.TAX_MISSING
    }
    found = [
        *arrival,
        *line_checks(items, untaxed),
        *total_checks(version, items),
        *tax_type_checks(version),
        *gstin_checks(version),
        *party_checks(invoice, version),
        *duplicate_checks(invoice, version),
        *date_checks(version),
        *bank_checks(invoice, version),
    ]
    return Finding.objects.bulk_create(
        Finding(version=version, code=code, field=field, message=message[:300])
        for code, field, message in found
    )
