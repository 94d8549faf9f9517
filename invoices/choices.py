"""Invoice statuses, roles, responses, and the local rule table (PROTOCOL.md §4) as data."""

from django.db import models

from b2bportal.documents.choices import ChangeKind, Role, Source, VersionState

__all__ = ["ChangeKind", "Role", "Source", "VersionState"]  # shared by every family


class Status(models.TextChoices):
    """The network's invoice statuses."""

    CREATED = "CREATED", "Created"
    SENT_TO_BUYER = "SENT_TO_BUYER", "Sent to buyer"
    ACCEPTED = "ACCEPTED", "Accepted"
    REJECTED = "REJECTED", "Rejected"
    UNDER_REVIEW = "UNDER_REVIEW", "Under review (returned)"
    CANCELLED = "CANCELLED", "Cancelled"
    DELETED = "DELETED", "Deleted"
    PARTIALLY_PAID = "PARTIALLY_PAID", "Partially paid"
    FULLY_PAID = "FULLY_PAID", "Fully paid"
    CLOSED = "CLOSED", "Closed"
    ABANDONED = "ABANDONED", "Abandoned"
    PAYMENT_INITIATED = "PAYMENT_INITIATED", "Payment initiated"
    PARTIALLY_PAID_AND_PAYMENT_INITIATED = (
        "PARTIALLY_PAID_AND_PAYMENT_INITIATED",
        "Partially paid, payment initiated",
    )


class BuyerResponse(models.TextChoices):
    """The buyer's decision on an invoice (`invoiceConfirmation.buyerResponse`)."""

    ACCEPT = "ACCEPT", "Accept"
    REJECT = "REJECT", "Reject"
    RETURN = "RETURN", "Return for review"


class SupplierAction(models.TextChoices):
    """`invoiceStatus.supplierAction` (values undocumented; PROTOCOL.md §3 decision)."""

    CANCEL = "CANCEL", "Cancel"
    DELETE = "DELETE", "Delete"


class Shape(models.TextChoices):
    """Which wire shape a version was read from (PROTOCOL.md §3)."""

    NETWORK = "network", "Network invoice"
    INTERNAL = "internal", "EnKash internal invoice"
    LOCAL = "local", "Created here"


# What the buyer's response makes of the invoice, when the message names no newStatus.
RESPONSE_STATUS = {
    BuyerResponse.ACCEPT: Status.ACCEPTED,
    BuyerResponse.REJECT: Status.REJECTED,
    BuyerResponse.RETURN: Status.UNDER_REVIEW,
}
ACTION_STATUS = {SupplierAction.CANCEL: Status.CANCELLED, SupplierAction.DELETE: Status.DELETED}

# The local rule table: the statuses from which WE may take each action. Checked before
# anything is sent; messages from the network carry their own authoritative transition.
_NOT_EDITABLE = {
    Status.PARTIALLY_PAID,
    Status.FULLY_PAID,
    Status.CLOSED,
    Status.CANCELLED,
    Status.DELETED,
    Status.PAYMENT_INITIATED,
    Status.PARTIALLY_PAID_AND_PAYMENT_INITIATED,
    Status.ABANDONED,
}
ALLOWED_FROM: dict[str, dict[str, frozenset]] = {
    # action: {our role required: statuses allowed}
    "confirm": {Role.BUYER: frozenset({Status.SENT_TO_BUYER, Status.UNDER_REVIEW})},
    "send": {Role.SUPPLIER: frozenset({Status.CREATED})},
    "edit": {Role.SUPPLIER: frozenset(set(Status) - _NOT_EDITABLE)},
    "cancel": {Role.SUPPLIER: frozenset(set(Status) - _NOT_EDITABLE)},
}


class FindingCode(models.TextChoices):
    """What a received version may have wrong with it."""

    LINE_AMOUNT = "LINE_AMOUNT", "Line amount is not quantity x unit price"
    LINE_TAX = "LINE_TAX", "Line tax is not rate x assessable value"
    TOTALS = "TOTALS", "Totals are not the sum of the lines"
    TAX_TYPE = "TAX_TYPE", "Wrong tax type for the place of supply"
    GSTIN_FORMAT = "GSTIN_FORMAT", "GSTIN malformed"
    GSTIN_CHECK_DIGIT = "GSTIN_CHECK_DIGIT", "GSTIN check digit wrong"
    GSTIN_STATE = "GSTIN_STATE", "GSTIN state prefix differs from state code"
    BUYER_NOT_OURS = "BUYER_NOT_OURS", "Buyer is not one of our businesses"
    DUPLICATE_NUMBER = "DUPLICATE_NUMBER", "Supplier invoice number already received"
    DUE_BEFORE_INVOICE = "DUE_BEFORE_INVOICE", "Due date before invoice date"
    BANK_CHANGED = "BANK_CHANGED", "Supplier bank account differs from the one we know"
    TRANSITION = "TRANSITION", "Carried status contradicts the response"
    LINE_UNREADABLE = "LINE_UNREADABLE", "A line could not be read"
    TAX_MISSING = "TAX_MISSING", "A line's tax is not stated"
    ROUNDING = "ROUNDING", "Rounding to paise changed a total"
    # The match against the purchase order the invoice names (purchase_orders.matching)
    PO_UNKNOWN = "PO_UNKNOWN", "Purchase order named is not one we hold"
    PO_NOT_ACCEPTED = "PO_NOT_ACCEPTED", "Purchase order is not accepted"
    PO_PARTY = "PO_PARTY", "Party differs from the purchase order's"
    PO_LINE = "PO_LINE", "Line is on no line of the purchase order"
    PO_PRICE = "PO_PRICE", "Unit price above the purchase order's"
    PO_QUANTITY = "PO_QUANTITY", "Quantity beyond what remains on the order line"
    PO_VALUE = "PO_VALUE", "Total beyond the purchase order's remaining value"


# The findings of the match against the purchase order (shown as the invoice's order).
ORDER_FINDINGS = frozenset(code for code in FindingCode if code.name.startswith("PO_"))
