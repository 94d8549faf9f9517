"""A document's wire blocks as an accountant reads them: labelled fields, ₹ amounts,
DD/MM/YYYY dates, state names beside codes; findings with the same formatting and a
link to any document they name.

The blocks are kept on a version as the network sent them (wire names as keys), so
this module holds the one mapping from wire names to labels, for every family.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

from b2bportal import indian

from .families import FAMILIES, document_url

# Block titles, in the order a reader looks for them: who is paid where, when, against
# which order or contract, then how the goods travel, then the rest.
BLOCK_TITLES = {
    "supplierBankAccountDetails": "Bank account (pay to)",
    "advancePaymentDetails": "Payment terms",
    "paymentMilestones": "Payment milestones",
    "poDetails": "Purchase order references",
    "contractReferenceDetails": "Contract references",
    "precedingInvoiceDetails": "Preceding invoices",
    "invoiceReferenceDetails": "Invoice period and remarks",
    "eInvoiceInfo": "E-invoice",
    "dispatchDetails": "Dispatched from",
    "shippingDetails": "Shipped to",
    "shippingTermsDetails": "Shipping terms",
    "ewayBillDetail": "E-way bill",
    "transactionDetails": "Transaction",
    "exportDetails": "Export",
    "recurringPayments": "Recurring payments",
    "invoiceFinancingDetails": "Financing",
    "additionalDocumentDetails": "Additional documents",
    "otherValues": "Taxes and other charges",
}

FIELD_LABELS = {
    "maskedAccountNumber": "Account number (masked)",
    "ifsc": "IFSC",
    "beneficiaryName": "Beneficiary",
    "businessVPA": "UPI ID (VPA)",
    "payeeName": "Payee",
    "mode": "Mode",
    "paymentTerms": "Payment terms",
    "paymentInstruction": "Instruction",
    "creditTransfer": "Credit transfer",
    "directDebit": "Direct debit",
    "creditDays": "Credit days",
    "paidAmount": "Paid",
    "pendingDueAmount": "Pending due",
    "invoiceRemarks": "Remarks",
    "invoiceStartDate": "Period from",
    "invoiceEndDate": "Period to",
    "invoiceNumber": "Invoice number",
    "date": "Date",
    "otherReferenceNo": "Other reference",
    "poObjId": "PO objectId",
    "buyerPoId": "Buyer's PO number",
    "poDate": "PO date",
    "receiptAdviceNo": "Receipt advice number",
    "receiptAdviceDate": "Receipt advice date",
    "batchReferenceNo": "Batch reference",
    "contractReferenceNo": "Contract reference",
    "extraReferenceNo": "Extra reference",
    "projectReferenceNo": "Project reference",
    "url": "Link",
    "document": "Document",
    "info": "Details",
    "shipBillNo": "Shipping bill number",
    "shipBillDate": "Shipping bill date",
    "port": "Port",
    "refundClaim": "Refund claimed",
    "foreignCurrency": "Foreign currency",
    "exportDuty": "Export duty",
    "transporterId": "Transporter ID",
    "transporterName": "Transporter",
    "transportMode": "Mode of transport",
    "distance": "Distance (km)",
    "milestoneDate": "Milestone date",
    "dueAmount": "Amount due",
    "terms": "Terms",
    "bearingParty": "Charges borne by",
    "charges": "Charges",
    "financingRequestAmount": "Financing requested",
    "schemaVersion": "Schema version",
    "irnNumber": "IRN",
    "irnTs": "IRN generated",
    "taxScheme": "Tax scheme",
    "supplyType": "Supply type",
    "reverseChargeTax": "Reverse charge",
    "igstChargable": "IGST chargeable",
    "ecommerceGstin": "E-commerce GSTIN",
    "gstin": "GSTIN",
    "legalName": "Legal name",
    "lglNm": "Legal name",
    "tradeName": "Trade name",
    "trdNm": "Trade name",
    "stateCode": "State",
    "address": "Address",
    "contactNumber": "Contact number",
    "email": "Email",
    "type": "Type",
    "value": "Amount",
    # an address reads line by line, then city, state, PIN and country
    "addressLine1": "Address line 1",
    "addressLine2": "Address line 2",
    "city": "City",
    "state": "State",
    "pincode": "PIN code",
    "country": "Country",
    "countryCode": "Country code",
    "phoneNumber": "Phone",
}
AMOUNT_FIELDS = {
    "paidAmount", "pendingDueAmount", "dueAmount", "charges", "exportDuty",
    "financingRequestAmount", "amount", "value",
}  # fmt: skip
STATE_FIELDS = {"stateCode", "placeOfSupply"}
DAY_FIELDS = {"creditDays"}
# Fields that name another document by its objectId: linked when we hold it.
DOCUMENT_FIELDS = {"poObjId"}
# Fields holding a web address: linked when it is one (never another scheme).
URL_FIELDS = {"url"}
YES_NO = {"Y": "Yes", "N": "No"}


def label_of(name: str) -> str:
    """The label of a wire field; an unknown one spelt out ("otherRefNo" -> "Other ref no")."""
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").strip()
    return words[:1].upper() + words[1:].lower()


def date_text(value) -> str | None:
    """A wire date ("2026-11-18", "2026-11-18T10:00:00", "18-11-2026") as 18/11/2026."""
    if isinstance(value, date | datetime):
        return indian.dmy(value)
    text = str(value).strip()
    for candidate, pattern in ((text[:10], "%Y-%m-%d"), (text[:10], "%d-%m-%Y")):
        try:
            return indian.dmy(datetime.strptime(candidate, pattern).date())
        except ValueError:
            continue
    return None


def amount_text(value) -> str:
    try:
        Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return indian.rupees(value)


def shown(name: str, value) -> str:
    """One wire value as a person reads it, by what its field holds."""
    if value is None or value == "":
        return "-"
    if isinstance(value, dict):
        parts = [shown(key, sub) for key, sub in in_reading_order(value) if key != "type" and sub]
        return ", ".join(parts) or "-"
    if isinstance(value, list):
        return "; ".join(shown(name, sub) for sub in value) or "-"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value in YES_NO:  # the wire's flags ("reverseChargeTax": "N")
        return YES_NO[value]
    if name in AMOUNT_FIELDS:
        return amount_text(value)
    if name in STATE_FIELDS:
        return indian.state_name(value)
    if name in DAY_FIELDS:
        return f"{value} days"
    if name.lower().endswith(("date", "ts")):
        return date_text(value) or str(value)
    return str(value)


FIELD_ORDER = {name: index for index, name in enumerate(FIELD_LABELS)}


def in_reading_order(values: dict) -> list[tuple[str, object]]:
    """A block's fields in the order of FIELD_LABELS (stored JSON keeps no order of its own)."""
    return sorted(values.items(), key=lambda pair: FIELD_ORDER.get(pair[0], len(FIELD_ORDER)))


# What an address block carries besides the address a person reads.
NOT_READ_IN_ADDRESS = {"type"}


def postal_address(address) -> str:
    """An address block as it is written on an envelope: lines, city, state, PIN code
    (the country only when it is not India); blank for no block."""
    if not isinstance(address, dict):
        return ""
    parts = [
        str(value)
        for key, value in in_reading_order(address)
        if key not in NOT_READ_IN_ADDRESS
        and value not in (None, "")
        and (key, value) != ("country", "IN")
    ]
    return ", ".join(parts)


def described(name: str, value) -> str:
    """A block or row as labelled text: "Milestone date 25/11/2026, Amount due ₹500.00"."""
    if isinstance(value, list):
        return "; ".join(described(name, item) for item in value) or "-"
    if not isinstance(value, dict):
        return shown(name, value)
    parts = [
        f"{label_of(key)} {shown(key, sub)}"
        for key, sub in in_reading_order(value)
        if sub not in (None, "", {}, [])
    ]
    return ", ".join(parts) or "-"


def find_document(object_id: str):
    """The document of any family whose objectId is `object_id`, or None."""
    for family in FAMILIES:
        found = family.model.objects.filter(object_id=object_id).only("pk").first()
        if found is not None:
            return found
    return None


@dataclass
class Field:
    """One labelled value; `link` when it names a document we hold."""

    key: str
    label: str
    text: str
    link: str = ""


@dataclass
class Block:
    """One wire block: a list of fields, or for a list block, a table of rows."""

    key: str
    title: str
    fields: list[Field] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[Field]] = field(default_factory=list)


def _fields(values: dict) -> list[Field]:
    fields = []
    for key, value in in_reading_order(values):
        link = ""
        if key in DOCUMENT_FIELDS and value:
            found = find_document(str(value))
            link = document_url(found) if found is not None else ""
        elif key in URL_FIELDS and str(value).startswith(("https://", "http://")):
            link = str(value)
        fields.append(Field(key, label_of(key), shown(key, value), link))
    return fields


def block(key: str, value) -> Block:
    """The block `key` of a version's sections, labelled and formatted."""
    title = BLOCK_TITLES.get(key) or label_of(key)
    if isinstance(value, list):
        rows = [_fields(item if isinstance(item, dict) else {"value": item}) for item in value]
        columns = list(dict.fromkeys(f.key for row in rows for f in row))
        by_key = [{f.key: f for f in row} for row in rows]
        table = [[row.get(c) or Field(c, label_of(c), "-") for c in columns] for row in by_key]
        return Block(key, title, columns=[label_of(c) for c in columns], rows=table)
    if isinstance(value, dict):
        return Block(key, title, fields=_fields(value))
    return Block(key, title, fields=[Field(key, title, shown(key, value))])


def sections(values: dict) -> list[Block]:
    """Every block of `values`, the known ones in reading order, then any others."""
    order = [key for key in BLOCK_TITLES if key in values]
    order += [key for key in values if key not in BLOCK_TITLES]
    return [block(key, values[key]) for key in order]


# -- findings ----------------------------------------------------------------------------

# In a finding's message: an objectId of ours (prefix, then 20+ letters and digits), a
# decimal amount, an ISO date.
OBJECT_ID = re.compile(r"\b[A-Z]{2,5}[A-Za-z0-9]{20,}\b")
AMOUNT = re.compile(r"(?<![\w.%/-])-?\d+\.\d{2}(?![\d%])")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
TOKENS = re.compile(f"({OBJECT_ID.pattern})|({AMOUNT.pattern})|({ISO_DATE.pattern})")


def finding_message(message: str) -> SafeString:
    """A finding's message with ₹ amounts, DD/MM/YYYY dates and links to the documents it
    names (escaped; only the links are markup)."""
    out, last = [], 0
    for match in TOKENS.finditer(message):
        out.append(escape(message[last : match.start()]))
        token = match.group(0)
        if match.group(1):
            found = find_document(token)
            out.append(
                format_html('<a class="underline" href="{}">{}</a>', document_url(found), token)
                if found is not None
                else escape(token)
            )
        elif match.group(2):
            out.append(escape(indian.rupees(token)))
        else:
            out.append(escape(date_text(token) or token))
        last = match.end()
    out.append(escape(message[last:]))
    return format_html_join("", "{}", ((part,) for part in out))


@dataclass
class ShownFinding:
    code: str
    label: str
    message: SafeString
    where: str


def finding(document, found) -> ShownFinding:
    """One finding as the page shows it."""
    return ShownFinding(
        found.code, found.get_code_display(), finding_message(found.message), found.field
    )


def unchecked(version) -> list[str]:
    """What the checks could not look at on `version`, so "no findings" is not read as
    "all checked": a party without a GSTIN has no GSTIN, state or check digit to test."""
    missing = []
    for side in ("supplier", "buyer"):
        if hasattr(version, f"{side}_gstin") and not getattr(version, f"{side}_gstin"):
            missing.append(
                f"The {side} gave no GSTIN: its format, check digit and state could not be checked."
            )
    return missing
