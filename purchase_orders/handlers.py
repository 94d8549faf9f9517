"""Handlers for the eight purchase-order paths: validate the wire, call one service, reply.

As supplier we receive send, edit and status change (CANCEL, CLOSE); as buyer the
supplier's confirmation; the results of our own requests apply through
`apply_network_result`.
"""

from b2bportal.documents import handlers as shared
from b2bportal.network.handling import Inbound, Reply

from . import services
from .spec import SPEC
from .wire import PurchaseOrderActionBlock, PurchaseOrderSerializer

DECISIONS = shared.decision_serializers(SPEC, PurchaseOrderActionBlock, services.REMARKS_MAX)
SERIALIZERS = shared.request_serializers(SPEC, PurchaseOrderSerializer, DECISIONS)


def _reply(received: services.Received, message: Inbound) -> Reply:
    return shared.reply(received, message)


def handle_send(message: Inbound) -> Reply:
    """A buyer sends us a purchase order."""
    received = services.receive_purchase_order(shared.with_b2b_ids(message), inbound=message.record)
    return _reply(received, message)


def handle_edit(message: Inbound) -> Reply:
    """A buyer sends a new version of a purchase order."""
    received = services.receive_edit(shared.with_b2b_ids(message), inbound=message.record)
    return _reply(received, message)


def handle_confirmation(message: Inbound) -> Reply:
    """The supplier accepts, rejects or returns a purchase order we sent."""
    decision = shared.read_decision(SPEC, message, DECISIONS["purchase_order.confirm"])
    return _reply(services.receive_confirmation(decision, inbound=message.record), message)


def handle_status_change(message: Inbound) -> Reply:
    """The buyer cancels or closes a purchase order it sent us."""
    decision = shared.read_decision(SPEC, message, DECISIONS["purchase_order.status_change"])
    return _reply(services.receive_status_change(decision, inbound=message.record), message)


HANDLERS = shared.handler_table(
    SPEC, handle_send, handle_edit, handle_confirmation, handle_status_change
)
