"""Handlers for the eight purchase-order paths: validate the wire, call one service, reply.

As supplier we receive send, edit and status change (CANCEL, CLOSE); as buyer the
supplier's confirmation; the results of our own requests apply through
`apply_network_result`.
"""

from rest_framework import serializers

from b2bportal.documents.handlers import (
    Envelope,
    ResultSerializer,
    read_decision,
    with_b2b_ids,
)
from b2bportal.documents.handlers import handle_result as handle_any_result
from b2bportal.network.handling import Inbound, Reply
from b2bportal.network.wire import additional_infos, wire_text

from . import services
from .choices import BuyerAction, SupplierResponse
from .spec import SPEC
from .wire import PurchaseOrderActionBlock, PurchaseOrderSerializer


class PoConfirmationSerializer(PurchaseOrderActionBlock):
    """`poConfirmation`: the supplier's decision."""

    supplierResponse = serializers.ChoiceField(choices=SupplierResponse.choices)
    supplierRemarks = wire_text(services.REMARKS_MAX)


class PoStatusSerializer(PurchaseOrderActionBlock):
    """`poStatus`: the buyer cancels or closes."""

    buyerAction = serializers.ChoiceField(choices=BuyerAction.choices)
    buyerRemarks = wire_text(services.REMARKS_MAX)


class PurchaseOrderRequestSerializer(Envelope):
    """`purchase-order/req-send` / `req-edit`."""

    purchaseOrder = PurchaseOrderSerializer()


class PoConfirmationRequestSerializer(Envelope):
    """`purchase-order/req-confirm`."""

    poConfirmation = PoConfirmationSerializer()


class PoStatusRequestSerializer(Envelope):
    """`purchase-order/req-status-change`."""

    poStatus = PoStatusSerializer()


def _reply(received: services.Received, message: Inbound) -> Reply:
    """The reply to a request: its document block and name/value pairs echoed."""
    block = message.route.action.body_block
    extra = {block: message.body.get(block), "additionalInfos": additional_infos(message.body)}
    return Reply(document=received.purchase_order, duplicate=received.duplicate, extra=extra)


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
    decision = read_decision(SPEC, message, PoConfirmationSerializer)
    return _reply(services.receive_confirmation(decision, inbound=message.record), message)


def handle_status_change(message: Inbound) -> Reply:
    """The buyer cancels or closes a purchase order it sent us."""
    decision = read_decision(SPEC, message, PoStatusSerializer)
    return _reply(services.receive_status_change(decision, inbound=message.record), message)


def handle_result(message: Inbound) -> Reply:
    """The network's result of our send, confirm, edit or status change."""
    return handle_any_result(SPEC, message)


HANDLERS = {
    "purchase_order.send": handle_send,
    "purchase_order.edit": handle_edit,
    "purchase_order.confirm": handle_confirmation,
    "purchase_order.status_change": handle_status_change,
    "purchase_order.send.result": handle_result,
    "purchase_order.edit.result": handle_result,
    "purchase_order.confirm.result": handle_result,
    "purchase_order.status_change.result": handle_result,
}

SERIALIZERS = {
    "purchase_order.send": PurchaseOrderRequestSerializer,
    "purchase_order.edit": PurchaseOrderRequestSerializer,
    "purchase_order.confirm": PoConfirmationRequestSerializer,
    "purchase_order.status_change": PoStatusRequestSerializer,
    "purchase_order.send.result": ResultSerializer,
    "purchase_order.edit.result": ResultSerializer,
    "purchase_order.confirm.result": ResultSerializer,
    "purchase_order.status_change.result": ResultSerializer,
}
