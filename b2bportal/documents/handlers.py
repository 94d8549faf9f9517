"""What every family's `handlers.py` shares: the request envelope, the result
serializer, reading `b2bIds`, reading a counterparty's decision into its typed value
(`read_decision`), and the handler of the network's results.

Not a handlers module itself (the network app collects only apps' `handlers.py`, and
this package is no app): a family builds its handlers from these.
"""

import functools

from rest_framework import serializers

from b2bportal.network.handling import Inbound, Reply
from b2bportal.network.wire import (
    B2BIdsSerializer,
    DeviceSerializer,
    NameValueSerializer,
    RespSerializer,
    additional_infos,
    parse,
    wire_text,
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


def decision_serializers(spec: FamilySpec, action_block, remarks_max: int) -> dict[str, type]:
    """The block serializer of each action a counterparty sends us, by message type: the
    family's `action_block` plus the action's choice (the keys of its status map) and
    its remarks, under the names the spec gives them."""
    return {
        message_type: type(action_block)(
            f"{action.block[0].upper()}{action.block[1:]}Serializer",
            (action_block,),
            {
                "__module__": __name__,
                action.choice_key: serializers.ChoiceField(
                    choices=[(choice.value, choice.label) for choice in action.statuses]
                ),
                action.remarks_key: wire_text(remarks_max),
            },
        )
        for message_type, action in spec.received_actions.items()
    }


def _envelope(block: str, serializer) -> type[Envelope]:
    name = f"{block[0].upper()}{block[1:]}RequestSerializer"
    return type(Envelope)(name, (Envelope,), {"__module__": __name__, block: serializer()})


def request_serializers(spec: FamilySpec, document_serializer, decisions: dict) -> dict:
    """A family's `SERIALIZERS` by message type: send and edit carry its document block
    (`document_serializer`), each received action its block (`decisions`), every result
    the `ResultSerializer`."""
    document = _envelope(spec.document_block, document_serializer)
    table = {f"{spec.name}.send": document, f"{spec.name}.edit": document}
    for message_type, block_serializer in decisions.items():
        table[message_type] = _envelope(spec.received_actions[message_type].block, block_serializer)
    return table | {f"{message_type}.result": ResultSerializer for message_type in table}


def handler_table(spec: FamilySpec, send, edit, confirm, status_change) -> dict:
    """A family's `HANDLERS` by message type: its four received actions, then the
    network's results of its four requests (`handle_result`)."""
    handlers = {"send": send, "edit": edit, "confirm": confirm, "status_change": status_change}
    table = {f"{spec.name}.{action}": handler for action, handler in handlers.items()}
    result = functools.partial(handle_result, spec)
    return table | {f"{message_type}.result": result for message_type in table}


def reply(received, message: Inbound, info_keys: dict | None = None) -> Reply:
    """The reply to a request: the pages mark its payload's document block and its
    name/value pairs required, so both are echoed as the sender gave them (the pairs
    of either spelling, under `info_keys[block]` if the family names one for the block,
    else `additionalInfos`)."""
    block = message.route.action.body_block
    extra = {
        block: message.body.get(block),
        (info_keys or {}).get(block, "additionalInfos"): additional_infos(message.body),
    }
    return Reply(document=received.document, duplicate=received.duplicate, extra=extra)
