"""The invoice family as the document layer sees it (`documents.spec.FamilySpec`)."""

from b2bportal.documents.findings import transition_checks
from b2bportal.documents.spec import FamilySpec, ReceivedAction
from b2bportal.network.messages import ACTIONS, RESULT_SUFFIX

from .choices import ACTION_STATUS, ALLOWED_FROM, RESPONSE_STATUS, Role, Status
from .models import (
    CONTENT_FIELDS,
    Finding,
    Invoice,
    InvoiceItem,
    InvoiceVersion,
    ParkedAction,
    StatusChange,
)

_ACTIONS = [action.name for action in ACTIONS if action.document == "invoice"]

SPEC = FamilySpec(
    name="invoice",
    label="invoice",
    article="an",
    id_prefix="INV",
    document_model=Invoice,
    version_model=InvoiceVersion,
    line_model=InvoiceItem,
    finding_model=Finding,
    history_model=StatusChange,
    parked_model=ParkedAction,
    parent_field="invoice",
    content_fields=tuple(CONTENT_FIELDS),
    number_field="supplier_invoice_number",
    number_wire_name="supplierInvoiceNumber",
    statuses=Status,
    allowed_from=ALLOWED_FROM,
    document_block="invoice",
    receiver_role=Role.BUYER,
    received_actions={
        "invoice.confirm": ReceivedAction(
            message_type="invoice.confirm",
            block="invoiceConfirmation",
            our_role=Role.SUPPLIER,
            choice_key="buyerResponse",
            remarks_key="buyerRemarks",
            label="confirm",
            statuses=RESPONSE_STATUS,
            checks=transition_checks,
        ),
        "invoice.status_change": ReceivedAction(
            message_type="invoice.status_change",
            block="invoiceStatus",
            our_role=Role.BUYER,
            choice_key="supplierAction",
            remarks_key="supplierRemarks",
            label="status",
            statuses=ACTION_STATUS,
            carried_wins=True,
        ),
    },
    result_blocks={
        "invoice.send": "invoice",
        "invoice.edit": "invoice",
        "invoice.confirm": "invoiceConfirmation",
        "invoice.status_change": "invoiceStatus",
    },
    message_types=tuple(_ACTIONS + [name + RESULT_SUFFIX for name in _ACTIONS]),
    decide_permission="invoices.decide_invoice",
)
