"""The purchase-order family as the document layer sees it (`documents.spec.FamilySpec`)."""

from b2bportal.documents.findings import transition_checks
from b2bportal.documents.spec import FamilySpec, ReceivedAction
from b2bportal.network.messages import ACTIONS, RESULT_SUFFIX

from .choices import ACTION_STATUS, ALLOWED_FROM, RESPONSE_STATUS, Role, Status
from .models import (
    CONTENT_FIELDS,
    PurchaseOrder,
    PurchaseOrderFinding,
    PurchaseOrderLine,
    PurchaseOrderParkedAction,
    PurchaseOrderStatusChange,
    PurchaseOrderVersion,
)

_ACTIONS = [action.name for action in ACTIONS if action.document == "purchase_order"]

SPEC = FamilySpec(
    name="purchase_order",
    label="purchase order",
    article="a",
    id_prefix="POR",
    document_model=PurchaseOrder,
    version_model=PurchaseOrderVersion,
    line_model=PurchaseOrderLine,
    finding_model=PurchaseOrderFinding,
    history_model=PurchaseOrderStatusChange,
    parked_model=PurchaseOrderParkedAction,
    parent_field="purchase_order",
    content_fields=tuple(CONTENT_FIELDS),
    number_field="po_number",
    number_wire_name="buyerPONumber",
    statuses=Status,
    allowed_from=ALLOWED_FROM,
    document_block="purchaseOrder",
    # A purchase order arriving from a counterparty is a buyer's: we are its supplier.
    receiver_role=Role.SUPPLIER,
    received_actions={
        "purchase_order.confirm": ReceivedAction(
            message_type="purchase_order.confirm",
            block="poConfirmation",
            our_role=Role.BUYER,
            choice_key="supplierResponse",
            remarks_key="supplierRemarks",
            label="confirm",
            statuses=RESPONSE_STATUS,
            checks=transition_checks,
        ),
        "purchase_order.status_change": ReceivedAction(
            message_type="purchase_order.status_change",
            block="poStatus",
            our_role=Role.SUPPLIER,
            choice_key="buyerAction",
            remarks_key="buyerRemarks",
            label="status",
            statuses=ACTION_STATUS,
            carried_wins=True,
        ),
    },
    result_blocks={
        "purchase_order.send": "purchaseOrder",
        "purchase_order.edit": "purchaseOrder",
        "purchase_order.confirm": "poConfirmation",
        "purchase_order.status_change": "poStatus",
    },
    message_types=tuple(_ACTIONS + [name + RESULT_SUFFIX for name in _ACTIONS]),
    decide_permission="purchase_orders.decide_purchaseorder",
    transition_key="poStatusTransition",
)
