"""Purchase-order statuses, the counterparties' decisions, finding codes, and the local
rule table (PROTOCOL.md §4) as data."""

from django.db import models

from b2bportal.documents.choices import ChangeKind, Role, Source, VersionState

__all__ = ["ChangeKind", "Role", "Source", "VersionState"]  # shared by every family


class Status(models.TextChoices):
    """The network's purchase-order statuses. Invoicing against an order is shown as
    figures (ordered / invoiced / remaining); the status is only what messages carry."""

    CREATED = "CREATED", "Created"
    SENT_TO_SUPPLIER = "SENT_TO_SUPPLIER", "Sent to supplier"
    ACCEPTED = "ACCEPTED", "Accepted"
    REJECTED = "REJECTED", "Rejected"
    UNDER_REVIEW = "UNDER_REVIEW", "Under review (returned)"
    PARTIALLY_INVOICED = "PARTIALLY_INVOICED", "Partially invoiced"
    FULLY_INVOICED = "FULLY_INVOICED", "Fully invoiced"
    CANCELLED = "CANCELLED", "Cancelled"
    CLOSED = "CLOSED", "Closed"


class SupplierResponse(models.TextChoices):
    """The supplier's decision on a purchase order (`poConfirmation.supplierResponse`)."""

    ACCEPT = "ACCEPT", "Accept"
    REJECT = "REJECT", "Reject"
    RETURN = "RETURN", "Return for review"


class BuyerAction(models.TextChoices):
    """The buyer's status change of a purchase order (`poStatus.buyerAction`)."""

    CANCEL = "CANCEL", "Cancel"
    CLOSE = "CLOSE", "Close"


# What the supplier's response makes of the order, when the message names no newStatus.
RESPONSE_STATUS = {
    SupplierResponse.ACCEPT: Status.ACCEPTED,
    SupplierResponse.REJECT: Status.REJECTED,
    SupplierResponse.RETURN: Status.UNDER_REVIEW,
}
ACTION_STATUS = {BuyerAction.CANCEL: Status.CANCELLED, BuyerAction.CLOSE: Status.CLOSED}

# The local rule table: the statuses from which WE may take each action. Checked before
# anything is sent; messages from the network carry their own authoritative transition.
ALLOWED_FROM: dict[str, dict[str, frozenset]] = {
    # action: {our role required: statuses allowed}
    "confirm": {Role.SUPPLIER: frozenset({Status.SENT_TO_SUPPLIER, Status.UNDER_REVIEW})},
    "send": {Role.BUYER: frozenset({Status.CREATED})},
    "edit": {
        Role.BUYER: frozenset(
            set(Status) - {Status.CANCELLED, Status.CLOSED, Status.FULLY_INVOICED}
        )
    },
    "cancel": {
        Role.BUYER: frozenset(
            {
                Status.CREATED,
                Status.SENT_TO_SUPPLIER,
                Status.ACCEPTED,
                Status.REJECTED,
                Status.UNDER_REVIEW,
            }
        )
    },
    "close": {
        Role.BUYER: frozenset({Status.ACCEPTED, Status.PARTIALLY_INVOICED, Status.FULLY_INVOICED})
    },
}


class FindingCode(models.TextChoices):
    """What a received purchase-order version may have wrong with it."""

    LINE_AMOUNT = "LINE_AMOUNT", "Line amount is not quantity x unit price"
    LINE_TAX = "LINE_TAX", "Line tax is not rate x assessable value"
    TOTALS = "TOTALS", "Totals are not the sum of the lines"
    TAX_TYPE = "TAX_TYPE", "Wrong tax type for the place of supply"
    TAX_MISSING = "TAX_MISSING", "A line's tax is not stated"
    LINE_UNREADABLE = "LINE_UNREADABLE", "A line could not be read"
    ROUNDING = "ROUNDING", "Rounding to paise changed a total"
    GSTIN_FORMAT = "GSTIN_FORMAT", "GSTIN malformed"
    GSTIN_CHECK_DIGIT = "GSTIN_CHECK_DIGIT", "GSTIN check digit wrong"
    GSTIN_STATE = "GSTIN_STATE", "GSTIN state prefix differs from state code"
    DUPLICATE_NUMBER = "DUPLICATE_NUMBER", "Buyer PO number already received"
    DELIVERY_BEFORE_ORDER = "DELIVERY_BEFORE_ORDER", "Delivery date before order date"
    TRANSITION = "TRANSITION", "Carried status contradicts the response"
