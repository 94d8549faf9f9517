"""Handlers for the eight invoice paths: validate the wire, call one service, reply.

As buyer we receive send, edit and status change; as supplier the buyer's
confirmation; the results of our own requests apply through `apply_network_result`.
"""

from rest_framework import serializers

from b2bportal.documents.handlers import Envelope, ResultSerializer, read_decision, with_b2b_ids
from b2bportal.documents.handlers import handle_result as handle_any_result
from b2bportal.network.handling import Inbound, Reply
from b2bportal.network.wire import ObjectVersionSerializer, additional_infos, wire_text

from . import services
from .choices import BuyerResponse, SupplierAction
from .spec import SPEC
from .wire import (
    NetworkInvoiceSerializer,
    TransitionSerializer,
    received_content,
    validate_object_id,
)


class _ActionBlock(serializers.Serializer):
    objectId = serializers.CharField(validators=[validate_object_id])
    supplierInvoiceNumber = wire_text(50)
    objectVersion = ObjectVersionSerializer()
    statusTransition = TransitionSerializer(required=False)


class InvoiceConfirmationSerializer(_ActionBlock):
    """`invoiceConfirmation`: the buyer's decision."""

    buyerResponse = serializers.ChoiceField(choices=BuyerResponse.choices)
    buyerRemarks = wire_text(services.REMARKS_MAX)


class InvoiceStatusSerializer(_ActionBlock):
    """`invoiceStatus`: the supplier cancels or deletes."""

    supplierAction = serializers.ChoiceField(choices=SupplierAction.choices)
    supplierRemarks = wire_text(services.REMARKS_MAX)


class InvoiceRequestSerializer(Envelope):
    """`req-send-invoice` / `req-edit-invoice` (the internal shape is accepted as well)."""

    invoice = NetworkInvoiceSerializer()


class ConfirmationRequestSerializer(Envelope):
    """`req-confirm-invoice`."""

    invoiceConfirmation = InvoiceConfirmationSerializer()


class StatusChangeRequestSerializer(Envelope):
    """`req-status-change-invoice`."""

    invoiceStatus = InvoiceStatusSerializer()


# The pages spell the pairs of a reply `additionalInfo` for the invoice (seed 001's
# CreateInvoiceResponse) and `additionalInfos` for the confirmation (seed 000).
INFO_KEY = {"invoice": "additionalInfo"}


def _reply(received: services.Received, message: Inbound) -> Reply:
    """The reply to a request: the pages mark its payload's document block and its
    name/value pairs required, so both are echoed as the sender gave them (the pairs
    of either spelling, under the spelling the page uses for this reply)."""
    block = message.route.action.body_block
    extra = {
        block: message.body.get(block),
        INFO_KEY.get(block, "additionalInfos"): additional_infos(message.body),
    }
    return Reply(document=received.invoice, duplicate=received.duplicate, extra=extra)


def handle_send(message: Inbound) -> Reply:
    """A supplier sends us an invoice."""
    body = with_b2b_ids(message)
    content = received_content(body)
    received = services.receive_invoice(content, body["b2bIds"], inbound=message.record)
    return _reply(received, message)


def handle_edit(message: Inbound) -> Reply:
    """A supplier sends a new version of an invoice."""
    body = with_b2b_ids(message)
    content = received_content(body)
    received = services.receive_edit(content, body["b2bIds"], inbound=message.record)
    return _reply(received, message)


def handle_confirmation(message: Inbound) -> Reply:
    """The buyer accepts, rejects or returns an invoice we supplied."""
    decision = read_decision(SPEC, message, InvoiceConfirmationSerializer)
    received = services.receive_confirmation(decision, inbound=message.record)
    return _reply(received, message)


def handle_status_change(message: Inbound) -> Reply:
    """The supplier cancels or deletes an invoice we received."""
    decision = read_decision(SPEC, message, InvoiceStatusSerializer)
    received = services.receive_status_change(decision, inbound=message.record)
    return _reply(received, message)


def handle_result(message: Inbound) -> Reply:
    """The network's result of our send, confirm, edit or status change."""
    return handle_any_result(SPEC, message)


HANDLERS = {
    "invoice.send": handle_send,
    "invoice.edit": handle_edit,
    "invoice.confirm": handle_confirmation,
    "invoice.status_change": handle_status_change,
    "invoice.send.result": handle_result,
    "invoice.edit.result": handle_result,
    "invoice.confirm.result": handle_result,
    "invoice.status_change.result": handle_result,
}

SERIALIZERS = {
    "invoice.send": InvoiceRequestSerializer,
    "invoice.edit": InvoiceRequestSerializer,
    "invoice.confirm": ConfirmationRequestSerializer,
    "invoice.status_change": StatusChangeRequestSerializer,
    "invoice.send.result": ResultSerializer,
    "invoice.edit.result": ResultSerializer,
    "invoice.confirm.result": ResultSerializer,
    "invoice.status_change.result": ResultSerializer,
}
