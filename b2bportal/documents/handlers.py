"""What every family's `handlers.py` shares: the request envelope, the result
serializer, reading `b2bIds`, reading a counterparty's decision into its typed value
(`read_decision`), and the handler of the network's results.

Not a handlers module itself (the network app collects only apps' `handlers.py`, and
this package is no app): a family builds its handlers from these.
"""

from rest_framework import serializers

from b2bportal.network.handling import Inbound, Reply
from b2bportal.network.wire import (
    B2BIdsSerializer,
    DeviceSerializer,
    NameValueSerializer,
    RespSerializer,
    parse,
)

from . import services
from .errors import DocumentError
from .spec import FamilySpec
from .values import ReceivedDecision


class Envelope(serializers.Serializer):
    """What surrounds a request's document block: device, b2bIds, name/value pairs."""

    device = DeviceSerializer(required=False)
    b2bIds = B2BIdsSerializer()
    additionalInfos = NameValueSerializer(many=True, required=False)
    additionalInfo = NameValueSerializer(many=True, required=False)


class ResultSerializer(serializers.Serializer):
    """`resp-*`: the network's verdict on a request of ours."""

    b2bIds = B2BIdsSerializer(required=False)
    resp = RespSerializer()
    additionalInfos = NameValueSerializer(many=True, required=False)
    additionalInfo = NameValueSerializer(many=True, required=False)


def with_b2b_ids(message: Inbound) -> dict:
    """The message's body with its `b2bIds` validated."""
    body = dict(message.body)
    body["b2bIds"] = dict(parse(B2BIdsSerializer, body.get("b2bIds"), "b2bIds"))
    return body


def plain(value):
    """Validated data as plain JSON types (OrderedDicts and nested serializers flattened)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def read_decision(spec: FamilySpec, message: Inbound, serializer) -> ReceivedDecision:
    """The counterparty's confirmation or status change in `message`, validated with the
    family's block `serializer` and read into a typed decision (the services' input)."""
    message_type = message.route.message_type
    block_name = spec.received_actions[message_type].block
    body = with_b2b_ids(message)
    block = plain(parse(serializer, body.get(block_name), block_name))
    return ReceivedDecision.read(spec, message_type, block, body["b2bIds"])


def handle_result(spec: FamilySpec, message: Inbound) -> Reply:
    """The network's result of a request of ours, applied to the family's document."""
    body = dict(message.body)
    body["resp"] = dict(parse(RespSerializer, body.get("resp"), "resp"))
    if message.answers is None:
        raise DocumentError(
            "UNKNOWN_DOCUMENT", "No request of ours matches this result", "resp.reqMsgId"
        )
    received = services.apply_network_result(spec, message.answers, body, inbound=message.record)
    return Reply(document=received.document, duplicate=received.duplicate)
