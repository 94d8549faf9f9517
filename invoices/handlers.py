"""Handlers for the eight invoice paths: validate the wire, call one service, reply.

As buyer we receive send, edit and status change; as supplier the buyer's
confirmation; the results of our own requests apply through `apply_network_result`.
"""

from rest_framework import serializers

from b2bportal.network.handling import Inbound, Rejected, Reply
from b2bportal.network.wire import (
    B2BIdsSerializer,
    DeviceSerializer,
    NameValueSerializer,
    ObjectVersionSerializer,
    RespSerializer,
    additional_infos,
    parse,
    wire_text,
)

from . import services
from .choices import BuyerResponse, SupplierAction
from .wire import NetworkInvoiceSerializer, TransitionSerializer, validate_object_id


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


class _Envelope(serializers.Serializer):
    device = DeviceSerializer(required=False)
    b2bIds = B2BIdsSerializer()
    additionalInfos = NameValueSerializer(many=True, required=False)
    additionalInfo = NameValueSerializer(many=True, required=False)


class InvoiceRequestSerializer(_Envelope):
    """`req-send-invoice` / `req-edit-invoice` (the internal shape is accepted as well)."""

    invoice = NetworkInvoiceSerializer()


class ConfirmationRequestSerializer(_Envelope):
    """`req-confirm-invoice`."""

    invoiceConfirmation = InvoiceConfirmationSerializer()


class StatusChangeRequestSerializer(_Envelope):
    """`req-status-change-invoice`."""

    invoiceStatus = InvoiceStatusSerializer()


class ResultSerializer(serializers.Serializer):
    """`resp-*-invoice`: the network's verdict on a request of ours."""

    b2bIds = B2BIdsSerializer(required=False)
    resp = RespSerializer()
    additionalInfos = NameValueSerializer(many=True, required=False)
    additionalInfo = NameValueSerializer(many=True, required=False)


def _with_b2b_ids(message: Inbound) -> dict:
    body = dict(message.body)
    body["b2bIds"] = dict(parse(B2BIdsSerializer, body.get("b2bIds"), "b2bIds"))
    return body


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
    received = services.receive_invoice(_with_b2b_ids(message), inbound=message.record)
    return _reply(received, message)


def handle_edit(message: Inbound) -> Reply:
    """A supplier sends a new version of an invoice."""
    received = services.receive_edit(_with_b2b_ids(message), inbound=message.record)
    return _reply(received, message)


def handle_confirmation(message: Inbound) -> Reply:
    """The buyer accepts, rejects or returns an invoice we supplied."""
    body = _with_b2b_ids(message)
    block = parse(
        InvoiceConfirmationSerializer, body.get("invoiceConfirmation"), "invoiceConfirmation"
    )
    received = services.receive_confirmation(body, _plain(block), inbound=message.record)
    return _reply(received, message)


def handle_status_change(message: Inbound) -> Reply:
    """The supplier cancels or deletes an invoice we received."""
    body = _with_b2b_ids(message)
    block = parse(InvoiceStatusSerializer, body.get("invoiceStatus"), "invoiceStatus")
    received = services.receive_status_change(body, _plain(block), inbound=message.record)
    return _reply(received, message)


def handle_result(message: Inbound) -> Reply:
    """The network's result of our send, confirm, edit or status change."""
    body = dict(message.body)
    body["resp"] = dict(parse(RespSerializer, body.get("resp"), "resp"))
    if message.answers is None:
        raise Rejected(
            "UNKNOWN_DOCUMENT", "No request of ours matches this result", "resp.reqMsgId"
        )
    received = services.apply_network_result(message.answers, body, inbound=message.record)
    return Reply(document=received.invoice, duplicate=received.duplicate)


def _plain(value):
    """Validated data as plain JSON types (OrderedDicts and nested serializers flattened)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


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
