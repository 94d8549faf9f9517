"""The invoice on the wire: both shapes in, the network shape out. The one mapping.

PROTOCOL.md §3: `req-send-invoice` / `req-edit-invoice` carry EnKash's internal
invoice; replies carry the network invoice. Both are read into one canonical
`content` dict whose keys are the model's field names:

    object_id, version (objectVersion.newVersion or None), current_version, status,
    shape, the InvoiceContent fields, supplier/buyer address and contact, sections
    (the less-used blocks as validated), items (InvoiceItem field values), raw;
    besides them: wire_paths (where each number came from, to name a field too large
    for its column), arrival_findings (lines unreadable, taxes not stated, totals
    changed by rounding), order_references (the purchase orders it names,
    `order_references`) and, for the internal shape, enkash_id and enkash_details.

Internal -> canonical: nbblInvoiceId (else `ENKASH-<id>` until the network numbers
it) -> objectId, supplierInvoiceNo (or invoiceNumber, ...) -> supplierInvoiceNumber,
supplierInvoiceDate (or invoiceDate) -> invoice date, dueDate -> due date,
totalAmount (taxes included) -> total value, cgst/sgst/igst ->
taxes, invoiceAmount (before taxes; else total minus taxes) -> assessable value,
nbblInvoiceStatus -> status, nbblInvoiceItems -> items. The internal shape names the
parties by B2B ID only: the service fills in what our party records know of them.
When `nbblInvoiceData` holds a network invoice, its sections (parties, items, ...)
win: it is the richer, canonical form.

Network dates: the network invoice has no invoice or due date field. The invoice
date is `invoiceReferenceDetails.invoiceStartDate`, else the date (Asia/Kolkata) of `ts`;
the due date is the last payment milestone's date, else invoice date +
`advancePaymentDetails.creditDays`.
"""

import datetime
import re
from decimal import Decimal

from django.utils import timezone
from rest_framework import serializers

from b2bportal.documents import wire as shared
from b2bportal.documents.wire import (
    LINE_TAXES,
    NETWORK_ITEM_NAMES,
    ZERO,
    AmountOtherTaxSerializer,
    AmountTypeValueSerializer,
    LineSerializer,
    any_amount,
    line_taxes,
    read_date,
    rounding_checks,
    state_code,
    status_validator,
    tax_missing,
    transition_serializer,
)
from b2bportal.documents.wire import money as _money
from b2bportal.documents.wire import party_columns as _party_columns
from b2bportal.documents.wire import party_values as _side
from b2bportal.documents.wire import wire_amount as _amount
from b2bportal.network.envelope import to_json
from b2bportal.network.handling import Rejected
from b2bportal.network.wire import (
    OBJECT_ID_PATTERN,
    ObjectVersionSerializer,
    PartyDetailsSerializer,
    QuickSerializer,
    _first_error,
    optional_text,
    parse,
    party_block,
    party_fields,
    wire_text,
)

from .choices import FindingCode, Shape, Status
from .models import InvoiceItem, InvoiceVersion


def validate_object_id(value: str) -> str:
    if not OBJECT_ID_PATTERN.match(value or "") or not value.startswith("INV"):
        raise serializers.ValidationError("Must be INV followed by 32 letters or digits.")
    return value


validate_status = status_validator(Status, "invoice")
TransitionSerializer = transition_serializer(validate_status, "invoice")


# Amounts, lines, dates and parties are read as every family reads them
# (`documents.wire`); the invoice's names for them are kept.
InvoiceItemSerializer = LineSerializer


class ValueDetailsSerializer(serializers.Serializer):
    assessmentValue = any_amount()
    totalInvoiceValue = any_amount()
    otherValues = AmountTypeValueSerializer(many=True, required=False)


# Blocks kept as validated JSON in `sections` (their wire names are the keys).
OBJECT_SECTIONS = (
    "transactionDetails", "dispatchDetails", "shippingDetails", "supplierBankAccountDetails",
    "advancePaymentDetails", "invoiceReferenceDetails", "exportDetails", "ewayBillDetail",
    "recurringPayments", "shippingTermsDetails", "invoiceFinancingDetails", "eInvoiceInfo",
)  # fmt: skip
LIST_SECTIONS = (
    "precedingInvoiceDetails", "poDetails", "contractReferenceDetails",
    "additionalDocumentDetails", "paymentMilestones",
)  # fmt: skip


class NetworkInvoiceSerializer(QuickSerializer):
    """The network invoice (seed 002): the canonical shape."""

    objectId = serializers.CharField(validators=[validate_object_id])
    supplierInvoiceNumber = wire_text(50)
    objectVersion = ObjectVersionSerializer()
    ts = optional_text(40)
    statusTransition = TransitionSerializer(required=False)
    supplierDetails = PartyDetailsSerializer()
    buyerDetails = PartyDetailsSerializer()
    dispatchDetails = PartyDetailsSerializer(required=False, allow_null=True)
    shippingDetails = PartyDetailsSerializer(required=False, allow_null=True)
    itemLists = InvoiceItemSerializer(many=True, allow_empty=False)
    valueDetails = ValueDetailsSerializer()
    einvoiceResponse = optional_text(5000)

    def to_internal_value(self, data):
        validated = super().to_internal_value(data)
        # The less-used blocks are stored as sent, provided they have the right type.
        for name in OBJECT_SECTIONS:
            if name in data and name not in validated and data[name] is not None:
                if not isinstance(data[name], dict):
                    raise serializers.ValidationError({name: ["Must be an object."]})
                validated[name] = data[name]
        for name in LIST_SECTIONS:
            if name in data and data[name] is not None:
                if not isinstance(data[name], list):
                    raise serializers.ValidationError({name: ["Must be a list."]})
                validated[name] = data[name]
        return validated


class InternalItemSerializer(serializers.Serializer):
    """One of `nbblInvoiceItems`: its members are undocumented, so the names read are
    those EnKash's own invoice and the network item use (`ITEM_ALIASES`)."""

    serialNo = optional_text(20)
    itemName = optional_text(500)
    description = optional_text(500)
    hsnCode = optional_text(10)
    quantity = any_amount()
    unit = optional_text(20)
    unitPrice = any_amount()
    amount = any_amount()
    gstRate = any_amount()
    cgst = any_amount()
    sgst = any_amount()
    igst = any_amount()
    cess = any_amount()
    totalAmount = any_amount()
    itemValueDetails = AmountTypeValueSerializer(many=True, required=False)
    otherTaxes = AmountOtherTaxSerializer(many=True, required=False)


# Other spellings of an internal line's members, read as the name on the left.
ITEM_ALIASES = {
    "serialNo": ("serialno", "slNo"),
    "itemName": ("productDescription", "itemDescription", "name"),
    "hsnCode": ("hsn", "hsnSacCode", "sacCode"),
    "quantity": ("qty",),
    "unitPrice": ("rate", "price"),
    "amount": ("totalAmt", "taxableAmount", "assessmentAmount"),
    "gstRate": ("taxRate", "gstPercentage"),
    "totalAmount": ("totalItemValue", "lineTotal"),
}


def _internal_line(entry) -> tuple[dict | None, str]:
    """(validated line, "") or (None, why it cannot be read)."""
    if not isinstance(entry, dict):
        return None, "not an object"
    line = dict(entry)
    for name, aliases in ITEM_ALIASES.items():
        for alias in aliases:
            if line.get(name) is None and line.get(alias) is not None:
                line[name] = line[alias]
    known = set(InternalItemSerializer().fields)
    if not any(line.get(name) not in (None, "") for name in known):
        return None, "none of its members is a known name"
    serializer = InternalItemSerializer(data={k: v for k, v in line.items() if k in known})
    if not serializer.is_valid():
        _, detail, field = _first_error(serializer.errors, "")
        return None, f"{field}: {detail}"
    return serializer.validated_data, ""


class InternalInvoiceSerializer(serializers.Serializer):
    """EnKash's internal invoice (seeds 001 and 003) as `req-send/edit-invoice` carry it.

    Every member is optional on the pages; an invoice needs `nbblInvoiceId` or `id`.
    """

    id = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                  max_value=2**63 - 1)  # fmt: skip
    nbblInvoiceId = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, validators=[validate_object_id]
    )
    invoiceNumber = optional_text(50)
    supplierInvoiceNo = wire_text(50, required=False, allow_blank=True, allow_null=True)
    # Dates are read by read_date (several forms), not DRF's ISO-only DateField.
    supplierInvoiceDate = serializers.JSONField(required=False, allow_null=True)
    invoiceDate = serializers.JSONField(required=False, allow_null=True)
    dueDate = serializers.JSONField(required=False, allow_null=True)
    totalAmount = any_amount()
    invoiceAmount = any_amount()
    cgst = any_amount()
    sgst = any_amount()
    igst = any_amount()
    nbblInvoiceStatus = serializers.CharField(
        required=False, allow_blank=True, validators=[validate_status]
    )
    # Read line by line (`_internal_line`): a line that cannot be read is a finding.
    nbblInvoiceItems = serializers.ListField(required=False, allow_null=True)
    nbblInvoiceData = serializers.DictField(required=False, allow_null=True)
    email = optional_text(200)
    phone = optional_text(30)

    def validate(self, attrs):
        if not attrs.get("nbblInvoiceId") and attrs.get("id") is None:
            raise serializers.ValidationError(
                {"nbblInvoiceId": ["nbblInvoiceId or id is required."]}
            )
        return attrs


# EnKash's documented internal-invoice fields (seeds 001/003) kept as data on each
# version and shown under "EnKash details": (wire name, label, kind). Kinds: amount,
# date, moment, flag, list, text.
ENKASH_FIELDS = (
    ("id", "EnKash invoice id", "text"),
    ("parentInvoiceId", "Parent invoice id", "text"),
    ("invoiceNumber", "Invoice number", "text"),
    ("vendorInvoiceRefNo", "Vendor invoice reference", "text"),
    ("externalRefNumber", "External reference", "text"),
    ("purchaseNo", "Purchase number", "text"),
    ("ponumber", "PO number", "text"),
    ("supplierInvoiceDate", "Supplier invoice date", "date"),
    ("invoiceDate", "Invoice date", "date"),
    ("dueDate", "Due date", "date"),
    ("billStartDate", "Bill start date", "date"),
    ("billEndDate", "Bill end date", "date"),
    ("totalAmount", "Total amount", "amount"),
    ("invoiceAmount", "Invoice amount (before tax)", "amount"),
    ("cgst", "CGST", "amount"),
    ("sgst", "SGST", "amount"),
    ("igst", "IGST", "amount"),
    ("tds", "TDS", "amount"),
    ("amountPaidTillNow", "Amount paid till now", "amount"),
    ("amountPaidByEnterprise", "Amount paid by enterprise", "amount"),
    ("amountToBePaidToVendor", "Amount to be paid to vendor", "amount"),
    ("surcharge", "Surcharge", "amount"),
    ("surchargeGst", "Surcharge GST", "amount"),
    ("mdr", "MDR", "amount"),
    ("mdrGst", "MDR GST", "amount"),
    ("penalty", "Penalty", "amount"),
    ("earlyPaymentMarkup", "Early payment markup (%)", "text"),
    ("earlyPaymentBaseRate", "Early payment base rate (%)", "text"),
    ("earlyPaymentBaseRateSlab", "Early payment base rate slab", "text"),
    ("invoiceStatus", "EnKash invoice status", "text"),
    ("paymentStatus", "Payment status", "text"),
    ("approvalStatus", "Approval status", "text"),
    ("nbblInvoiceStatus", "Network status (as EnKash holds it)", "text"),
    ("earlyPaymentStatus", "Early payment status", "text"),
    ("paymentMode", "Payment mode", "text"),
    ("paidThrough", "Paid through", "text"),
    ("productCode", "Product code", "text"),
    ("paymentAdviceUrl", "Payment advice", "url"),
    ("description", "Description", "text"),
    ("remarks", "Remarks", "text"),
    ("hsnCode", "HSN/SAC", "text"),
    ("email", "Email", "text"),
    ("phone", "Phone", "text"),
    ("via", "Via", "text"),
    ("collectionReferenceId", "Collection reference", "text"),
    ("collectionInvoiceId", "Collection invoice id", "text"),
    ("sourceCompany", "Source company", "text"),
    ("targetCompany", "Target company", "text"),
    ("createdBy", "Created by", "text"),
    ("createdDate", "Created", "moment"),
    ("lastModifiedBy", "Last modified by", "text"),
    ("lastModifiedDate", "Last modified", "moment"),
    ("makerId", "Maker", "text"),
    ("checkerId", "Checker", "text"),
    ("dateApproved", "Approved", "moment"),
    ("refundDate", "Refunded", "moment"),
    ("refundBy", "Refunded by", "text"),
    ("approverApprovedCount", "Approvals given", "text"),
    ("retryLeft", "Retries left", "text"),
    ("pgId", "Payment gateway id", "text"),
    ("maskedCardNumber", "Card", "text"),
    ("subscription", "Subscription", "text"),
    ("companyBranchCodeId", "Branch code id", "text"),
    ("bankApprovals", "Bank approvals", "text"),
    ("autoRelease", "Auto release", "flag"),
    ("attachment", "Has attachment", "flag"),
    ("deleted", "Deleted at EnKash", "flag"),
    ("collectionSyncRequired", "Collection sync required", "flag"),
    ("invoiceDiscounting", "Invoice discounting", "flag"),
    ("earlyPaymentEnabled", "Early payment enabled", "flag"),
    ("reverseSync", "Reverse sync", "flag"),
    ("nbblEnabled", "On the network", "flag"),
    ("einvoice", "E-invoice", "flag"),
    ("nbblPayments", "Network payments", "list"),
    ("nbblInvoiceFinances", "Network financing", "list"),
    ("paymentGatewayTransactions", "Payment gateway transactions", "list"),
    ("refundTransactions", "Refund transactions", "list"),
    ("earlyPaymentDetails", "Early payment details", "list"),
    ("approvalAuthorizations", "Approval authorisations", "list"),
    ("nextApprovalGroups", "Next approval groups", "list"),
    ("previousUserApprovals", "Previous approvals", "list"),
    ("invoiceAttachments", "Attachments", "list"),
    ("payoutData", "Payout data", "list"),
    ("purchaseOrder", "Purchase order", "list"),
    ("bankCard", "Bank card", "list"),
    ("additionalDataMapping", "Additional data", "list"),
)


def enkash_rows(details: dict) -> list[dict]:
    """Stored EnKash details in the pages' order: name, snake_case key, label, kind, value."""
    return [
        {"name": name, "key": _snake(name), "label": label, "kind": kind, "value": details[name]}
        for name, label, kind in ENKASH_FIELDS
        if name in details
    ]


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def enkash_details(block: dict) -> dict:
    """The documented internal-invoice fields a block carries, as sent (wire names)."""
    return {name: block[name] for name, _, _ in ENKASH_FIELDS if block.get(name) is not None}


# The internal shape's names for the buyer's PO number, in the order they are believed.
INTERNAL_PO_NUMBERS = ("ponumber", "purchaseNo")


def order_references(source) -> list[dict]:
    """The purchase orders an invoice names, from content or a stored version: each
    {object_id, po_number, po_date, field} ("" when not given; `field` is the wire
    path, for findings). The network shape names them in `poDetails[] {poObjId,
    buyerPoId, poDate}`; the internal one by number only (`ponumber`, else
    `purchaseNo`). Entries naming nothing are skipped; nothing here is refused."""

    def get(name):
        return source.get(name) if isinstance(source, dict) else getattr(source, name)

    found = []
    for n, entry in enumerate((get("sections") or {}).get("poDetails") or []):
        if not isinstance(entry, dict):
            continue
        reference = {
            "object_id": str(entry.get("poObjId") or "").strip(),
            "po_number": str(entry.get("buyerPoId") or "").strip(),
            "po_date": str(entry.get("poDate") or "").strip(),
            "field": f"poDetails[{n}]",
        }
        if reference["object_id"] or reference["po_number"]:
            found.append(reference)
    if found:
        return found
    details = get("enkash_details") or {}
    for name in INTERNAL_PO_NUMBERS:
        number = str(details.get(name) or "").strip()
        if number:
            return [{"object_id": "", "po_number": number, "po_date": "", "field": name}]
    return []


def is_internal(block: dict) -> bool:
    """True when an `invoice` block is EnKash's internal shape rather than the network's."""
    return "objectId" not in block and (
        "nbblInvoiceId" in block or "supplierInvoiceNo" in block or "id" in block
    )


TAX_NAMES = ("cgst", "sgst", "igst")  # the internal invoice's tax members


def read_count(value, path: str) -> int | None:
    """A whole number sent as a number or as digits in a string (e.g. `creditDays`).

    A negative count is read as sent: credit days that put the due date before the
    invoice date are the sender's mistake to be shown as a finding, not refused."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not re.fullmatch(r"-?\d+(\.0+)?", text):
        raise Rejected("INVALID_FIELD", f"{text[:40]!r} is not a whole number", path)
    return int(text.split(".")[0])


def add_days(start: datetime.date, days: int, *, start_path: str, days_path: str):
    """`start` + `days`; a sum outside 0001-01-01..9999-12-31 names whichever of the two
    is absurd."""
    try:
        return start + datetime.timedelta(days=days)
    except OverflowError:
        # A count that overflows even from today is the wrong one; else the date is.
        today = datetime.date.today()
        room = (datetime.date.max - today) if days > 0 else (today - datetime.date.min)
        path = days_path if abs(days) > room.days else start_path
        raise Rejected(
            "INVALID_FIELD",
            f"{start.isoformat()} plus {days} days is outside 0001-01-01..9999-12-31",
            path,
        ) from None


def _dates(validated: dict, at: str) -> tuple[datetime.date | None, datetime.date | None]:
    """(invoice date, due date) of a network invoice at JSON path `at` (module docstring)."""
    refs = validated.get("invoiceReferenceDetails") or {}
    start_path = f"{at}.invoiceReferenceDetails.invoiceStartDate"
    invoice_date = read_date(refs.get("invoiceStartDate"), start_path)
    if invoice_date is None:
        start_path = f"{at}.ts"
        invoice_date = read_date(validated.get("ts"), start_path)
    milestones = [
        read_date(m.get("milestoneDate"), f"{at}.paymentMilestones[{n}].milestoneDate")
        for n, m in enumerate(validated.get("paymentMilestones") or [])
        if isinstance(m, dict)
    ]
    milestones = [d for d in milestones if d]
    due_date = max(milestones) if milestones else None
    days_path = f"{at}.advancePaymentDetails.creditDays"
    credit_days = read_count((validated.get("advancePaymentDetails") or {}).get("creditDays"),
                             days_path)  # fmt: skip
    # A negative count makes a due date before the invoice date: a finding, not a refusal.
    if due_date is None and invoice_date and credit_days:
        due_date = add_days(invoice_date, credit_days, start_path=start_path, days_path=days_path)
    return invoice_date, due_date


def network_content(validated: dict, raw: dict, at: str = "invoice") -> dict:
    """A validated network invoice (at JSON path `at`) as canonical content."""
    supplier = party_fields(validated["supplierDetails"])
    buyer = party_fields(validated["buyerDetails"])
    items, arrival = shared.network_lines(validated["itemLists"])
    values = validated.get("valueDetails") or {}
    columns, rounded = shared.value_columns(
        values, items, values_key="valueDetails", total_key="totalInvoiceValue"
    )
    arrival += rounded
    others = values.get("otherValues") or []
    invoice_date, due_date = _dates(validated, at)
    content = {
        "object_id": validated["objectId"],
        "version": validated["objectVersion"]["newVersion"],
        "current_version": validated["objectVersion"]["currentVersion"],
        "status": (validated.get("statusTransition") or {}).get("newStatus", ""),
        "shape": Shape.NETWORK,
        "supplier_invoice_number": validated["supplierInvoiceNumber"],
        "invoice_date": invoice_date,
        "due_date": due_date,
        "currency": "INR",
        "place_of_supply": state_code(validated["buyerDetails"].get("placeOfSupply")),
        "items": items,
        "wire_paths": {**NETWORK_PATHS, "items": (f"{at}.itemLists", NETWORK_ITEM_NAMES)},
        "arrival_findings": arrival,
        "sections": to_json(
            {
                k: validated[k]
                for k in (*OBJECT_SECTIONS, *LIST_SECTIONS, "einvoiceResponse")
                if validated.get(k) not in (None, "", [], {})
            }
            | ({"otherValues": others} if others else {})
        ),
        "raw": raw,
    }
    content.update(columns)
    content.update(_party_columns("supplier", supplier))
    content.update(_party_columns("buyer", buyer))
    content["order_references"] = order_references(content)
    return content


def internal_item(item: dict, position: int) -> dict:
    """A readable `nbblInvoiceItems` entry (see `_internal_line`) as InvoiceItem values."""
    quantity = Decimal(item.get("quantity") or 0)
    price = Decimal(item.get("unitPrice") or 0)
    amount = item.get("amount")
    amount = _money(quantity * price if amount is None else amount)
    stated = line_taxes(item) or {}
    taxes = {}
    for tax in LINE_TAXES:
        own = item.get(tax.lower())
        taxes[tax.lower()] = _money(own if own is not None else stated.get(tax))
    rate = Decimal(item.get("gstRate") or 0)
    return {
        "position": position,
        "serial_no": item.get("serialNo") or str(position),
        "description": item.get("itemName") or item.get("description") or "",
        "hsn_code": item.get("hsnCode") or "",
        "quantity": quantity,
        "unit": item.get("unit") or "",
        "unit_price": price,
        "gross_amount": amount,
        "assessable_amount": amount,
        "gst_rate": rate,
        "cgst_rate": rate / 2 if taxes["cgst"] else ZERO,
        "sgst_rate": rate / 2 if taxes["sgst"] else ZERO,
        "igst_rate": rate if taxes["igst"] else ZERO,
        "cgst_amount": taxes["cgst"],
        "sgst_amount": taxes["sgst"],
        "igst_amount": taxes["igst"],
        "cess_amount": taxes["cess"],
        "total_item_value": _money(
            item.get("totalAmount")
            if item.get("totalAmount") is not None
            else amount + sum(taxes.values())
        ),
    }


def _internal_taxes_stated(item: dict) -> bool:
    return any(item.get(t) is not None for t in ("cgst", "sgst", "igst", "cess")) or bool(
        line_taxes(item)
    )


def internal_lines(entries) -> tuple[list[dict], list[tuple]]:
    """The readable lines of `nbblInvoiceItems` as item values, and the findings: a line
    that cannot be read is "line N unreadable" (never a line of zeros), a line whose
    tax is not stated says so."""
    items, found = [], []
    for position, entry in enumerate(entries or [], start=1):
        where = f"nbblInvoiceItems[{position - 1}]"
        line, why = _internal_line(entry)
        if line is None:
            found.append((FindingCode.LINE_UNREADABLE, where, f"Line {position} unreadable: {why}"))
            continue
        items.append(internal_item(line, position))
        if line.get("gstRate") and not _internal_taxes_stated(line):
            found.append(tax_missing(position, where, line["gstRate"]))
    return items, found


PROVISIONAL_PREFIX = "ENKASH-"


def provisional_object_id(enkash_id: int) -> str:
    """The key of an internal invoice the network has not numbered yet (no `nbblInvoiceId`)."""
    return f"{PROVISIONAL_PREFIX}{enkash_id}"


def _internal_number(block: dict) -> str:
    """The supplier's invoice number: optional on the pages, read from the first of the
    internal shape's numbers that is given ("" when none is)."""
    for name in ("supplierInvoiceNo", "invoiceNumber", "vendorInvoiceRefNo", "externalRefNumber"):
        value = block.get(name)
        if isinstance(value, str | int) and str(value).strip():
            return str(value).strip()[:50]
    return ""


def internal_content(validated: dict, raw: dict, b2b_ids: dict) -> dict:
    """A validated internal invoice as canonical content (see the module docstring)."""
    content = _internal_content(validated, raw, b2b_ids)
    content["enkash_id"] = validated.get("id")
    content["enkash_details"] = to_json(enkash_details(raw))
    content["order_references"] = order_references(content)
    return content


def _internal_content(validated: dict, raw: dict, b2b_ids: dict) -> dict:
    nested = validated.get("nbblInvoiceData") or {}
    if isinstance(nested, dict) and "objectId" in nested:
        # The internal record wraps the network invoice: read that, keep the wrapper raw.
        path = "invoice.nbblInvoiceData"
        content = network_content(parse(NetworkInvoiceSerializer, nested, path), raw, path)
        content["shape"] = Shape.INTERNAL
        return content
    items, arrival = internal_lines(validated.get("nbblInvoiceItems"))
    arrival += rounding_checks(
        {name: validated.get(name) for name in ("totalAmount", "invoiceAmount", *TAX_NAMES)}
    )
    taxes = {t: _money(validated.get(t)) for t in TAX_NAMES}
    # totalAmount carries the taxes, invoiceAmount is the value before them.
    before_tax = validated.get("invoiceAmount")
    total = validated.get("totalAmount")
    if total is None:
        total = (before_tax or 0) + sum(taxes.values())
    total = _money(total)
    assessable = total - sum(taxes.values()) if before_tax is None else _money(before_tax)
    due = validated.get("dueDate")
    content = {
        "object_id": validated.get("nbblInvoiceId") or provisional_object_id(validated["id"]),
        "version": None,
        "current_version": None,
        "status": validated.get("nbblInvoiceStatus") or "",
        "shape": Shape.INTERNAL,
        "supplier_invoice_number": _internal_number(raw),
        "invoice_date": read_date(
            validated.get("supplierInvoiceDate"), "invoice.supplierInvoiceDate"
        )
        or read_date(validated.get("invoiceDate"), "invoice.invoiceDate"),
        "due_date": read_date(due, "invoice.dueDate"),
        "currency": "INR",
        "place_of_supply": "",
        "assessable_value": assessable,
        "cgst_amount": taxes["cgst"],
        "sgst_amount": taxes["sgst"],
        "igst_amount": taxes["igst"],
        "cess_amount": ZERO,
        "other_charges": ZERO,
        "total_value": total,
        "items": items,
        "wire_paths": INTERNAL_PATHS,
        "arrival_findings": arrival,
        "sections": {},
        "raw": raw,
    }
    content.update(_party_columns("supplier", party_fields({"b2bId": b2b_ids["supplierB2BId"]})))
    content.update(_party_columns("buyer", party_fields({"b2bId": b2b_ids["buyerB2BId"]})))
    return content


def received_content(body: dict) -> dict:
    """The `invoice` block of a received send or edit, in either shape, as typed content
    (see the module docstring); `body["b2bIds"]` already validated.

    Numbers that do not fit their columns are refused naming the field they came from.
    Whether the parties it names are those of `b2bIds` is checked by
    `documents.wire.named_b2b_ids`, once the message is known to be for a business of
    ours.
    """
    block = body.get("invoice")
    if not isinstance(block, dict):
        raise Rejected("MISSING_FIELD", "The invoice block is required", "invoice")
    if is_internal(block):
        validated = parse(InternalInvoiceSerializer, block, "invoice")
        content = internal_content(validated, block, body["b2bIds"])
    else:
        content = network_content(parse(NetworkInvoiceSerializer, block, "invoice"), block)
    check_columns(content)
    return content


# Where each stored number came from, to name the field when it does not fit its column.
NETWORK_PATHS = {
    "assessable_value": "invoice.valueDetails.assessmentValue",
    "total_value": "invoice.valueDetails.totalInvoiceValue",
    **{f"{t}_amount": "invoice.valueDetails.otherValues" for t in ("cgst", "sgst", "igst", "cess")},
    "other_charges": "invoice.valueDetails.otherValues",
}
INTERNAL_PATHS = {
    "assessable_value": "invoice.invoiceAmount",
    "total_value": "invoice.totalAmount",
    **{f"{t}_amount": f"invoice.{t}" for t in ("cgst", "sgst", "igst")},
}
INTERNAL_ITEM_NAMES = {
    "quantity": "quantity", "unit_price": "unitPrice", "gross_amount": "amount",
    "assessable_amount": "amount", "gst_rate": "gstRate", "cgst_rate": "gstRate",
    "sgst_rate": "gstRate", "igst_rate": "gstRate", "cgst_amount": "cgst",
    "sgst_amount": "sgst", "igst_amount": "igst", "total_item_value": "totalAmount",
}  # fmt: skip
INTERNAL_PATHS["items"] = ("invoice.nbblInvoiceItems", INTERNAL_ITEM_NAMES)


def check_columns(content: dict) -> None:
    """Refuse content whose numbers do not fit their columns (400 naming the field)."""
    shared.check_columns(content, InvoiceVersion, InvoiceItem, block="invoice")


# What identifies a version's content: everything but the status and the raw body.
HASHED = (
    "supplier_invoice_number", "invoice_date", "due_date", "currency", "supplier_b2b_id",
    "supplier_gstin", "supplier_legal_name", "supplier_trade_name", "supplier_state_code",
    "buyer_b2b_id", "buyer_gstin", "buyer_legal_name", "buyer_trade_name", "buyer_state_code",
    "place_of_supply", "assessable_value", "cgst_amount", "sgst_amount", "igst_amount",
    "cess_amount", "other_charges", "total_value", "supplier_address", "buyer_address",
    "sections", "items", "enkash_details",
)  # fmt: skip


def content_hash(content: dict) -> str:
    """A digest of the content that makes two deliveries 'the same version content'."""
    return shared.content_digest(content, HASHED)


# -- outbound: a version of ours as the network invoice ----------------------------


def network_block(version, *, status_from: str, status_to: str, current_version: int) -> dict:
    """The network `invoice` block for one of our versions (send and edit requests)."""
    items = shared.line_blocks(version)
    other_values = shared.tax_values(version)
    buyer = party_block(_side(version, "buyer"))
    buyer["placeOfSupply"] = version.place_of_supply
    block = {
        "objectId": version.invoice.object_id,
        "supplierInvoiceNumber": version.supplier_invoice_number,
        "objectVersion": {"currentVersion": current_version, "newVersion": version.number},
        "ts": timezone.now().isoformat(timespec="seconds"),
        "statusTransition": {"currentStatus": status_from, "newStatus": status_to},
        "supplierDetails": party_block(_side(version, "supplier")),
        "buyerDetails": buyer,
        "itemLists": items,
        "valueDetails": {
            "assessmentValue": _amount(version.assessable_value),
            "totalInvoiceValue": _amount(version.total_value),
            "otherValues": other_values,
        },
    }
    if version.invoice_date:
        block["invoiceReferenceDetails"] = {"invoiceStartDate": version.invoice_date.isoformat()}
    if version.due_date:
        block["paymentMilestones"] = [
            {
                "milestoneDate": version.due_date.isoformat(),
                "dueAmount": _amount(version.total_value),
            }
        ]
    for key, value in (version.sections or {}).items():
        block.setdefault(key, value)
    return block
