"""Handlers for the eight purchase-order paths: validate the wire, call one service, reply.

As supplier we receive send, edit and status change (CANCEL, CLOSE); as buyer the
supplier's confirmation; the results of our own requests apply through
`apply_network_result`.
"""

from b2bportal.documents.handlers import (
    decision_serializers,
    handler_table,
    read_decision,
    reply,
    request_serializers,
    with_b2b_ids,
)
from b2bportal.documents.handlers import handle_result as handle_any_result
from b2bportal.network.handling import Inbound, Reply

from . import services
from .spec import SPEC
from .wire import PurchaseOrderActionBlock, PurchaseOrderSerializer

DECISIONS = decision_serializers(SPEC, PurchaseOrderActionBlock, services.REMARKS_MAX)
SERIALIZERS = request_serializers(SPEC, PurchaseOrderSerializer, DECISIONS)


def _reply(received: services.Received, message: Inbound) -> Reply:
    return reply(received, message)


def handle_send(message: Inbound) -> Reply:
    """A buyer sends us a purchase order."""
    received = services.receive_purchase_order(with_b2b_ids(message), inbound=message.record)
    return _reply(received, message)


def handle_edit(message: Inbound) -> Reply:
    """A buyer sends a new version of a purchase order."""
    received = services.receive_edit(with_b2b_ids(message), inbound=message.record)
    return _reply(received, message)


def handle_confirmation(message: Inbound) -> Reply:
    """The supplier accepts, rejects or returns a purchase order we sent."""
    decision = read_decision(SPEC, message, DECISIONS["purchase_order.confirm"])
    return _reply(services.receive_confirmation(decision, inbound=message.record), message)


def handle_status_change(message: Inbound) -> Reply:
    """The buyer cancels or closes a purchase order it sent us."""
    decision = read_decision(SPEC, message, DECISIONS["purchase_order.status_change"])
    return _reply(services.receive_status_change(decision, inbound=message.record), message)


def handle_result(message: Inbound) -> Reply:
    """The network's result of our send, confirm, edit or status change."""
    return handle_any_result(SPEC, message)


HANDLERS = handler_table(
    SPEC, handle_send, handle_edit, handle_confirmation, handle_status_change, handle_result
)
