"""Handlers for the eight invoice paths: validate the wire, call one service, reply.

As buyer we receive send, edit and status change; as supplier the buyer's
confirmation; the results of our own requests apply through `apply_network_result`.
"""

from rest_framework import serializers

from b2bportal.documents import handlers as shared
from b2bportal.documents.handlers import with_b2b_ids
from b2bportal.network.handling import Inbound, Reply
from b2bportal.network.wire import ObjectVersionSerializer, wire_text

from . import services
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


DECISIONS = shared.decision_serializers(SPEC, _ActionBlock, services.REMARKS_MAX)
# `req-send-invoice` / `req-edit-invoice` accept the internal shape as well.
SERIALIZERS = shared.request_serializers(SPEC, NetworkInvoiceSerializer, DECISIONS)
StatusChangeRequestSerializer = SERIALIZERS["invoice.status_change"]


# The pages spell the pairs of a reply `additionalInfo` for the invoice (seed 001's
# CreateInvoiceResponse) and `additionalInfos` for the confirmation (seed 000).
INFO_KEY = {"invoice": "additionalInfo"}


def _reply(received: services.Received, message: Inbound) -> Reply:
    return shared.reply(received, message, INFO_KEY)


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
    decision = shared.read_decision(SPEC, message, DECISIONS["invoice.confirm"])
    received = services.receive_confirmation(decision, inbound=message.record)
    return _reply(received, message)


def handle_status_change(message: Inbound) -> Reply:
    """The supplier cancels or deletes an invoice we received."""
    decision = shared.read_decision(SPEC, message, DECISIONS["invoice.status_change"])
    received = services.receive_status_change(decision, inbound=message.record)
    return _reply(received, message)


HANDLERS = shared.handler_table(
    SPEC, handle_send, handle_edit, handle_confirmation, handle_status_change
)
