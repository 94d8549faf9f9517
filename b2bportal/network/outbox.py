"""The outbox: how a decision asks for a call to EnKash.

`enqueue` writes an OutboundMessage and defers its delivery job in the caller's
transaction, so a rolled-back decision leaves neither. Nothing is sent here.
"""

from collections.abc import Mapping

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from b2bportal.numbers import whole_number

from .jobs import defer_delivery
from .messages import ACTIONS_BY_NAME
from .models import OutboundMessage, new_req_msg_id
from .wire import carried_req_msg_ids


def enqueue(
    message_type: str,
    body: dict,
    *,
    document=None,
    object_id: str = "",
    object_version: int | None = None,
    buyer_b2b_id: str = "",
    supplier_b2b_id: str = "",
    created_by=None,
) -> OutboundMessage:
    """Record a call of `message_type` with `body` and defer its delivery (inside a transaction).

    The body gets our reqMsgId in `additionalInfos`, so the network's result can be matched.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("enqueue() must run inside the decision's transaction")
    action = ACTIONS_BY_NAME[message_type]
    req_msg_id = new_req_msg_id()
    body = dict(body)
    infos = [i for i in body.get("additionalInfos", []) if i.get("name") != "reqMsgId"]
    body["additionalInfos"] = [*infos, {"name": "reqMsgId", "value": req_msg_id}]
    message = OutboundMessage.objects.create(
        message_type=message_type,
        path=action.request_path,
        body=body,
        req_msg_id=req_msg_id,
        document=document,
        object_id=object_id,
        object_version=object_version,
        buyer_b2b_id=buyer_b2b_id,
        supplier_b2b_id=supplier_b2b_id,
        created_by=created_by,
    )
    # Deferred on Django's connection: the job commits or rolls back with the decision.
    defer_delivery(message.pk)
    return message


def match_result(action, body: dict, headers: Mapping | None = None) -> OutboundMessage | None:
    """The request of ours a `resp-*` message answers.

    Matched on a reqMsgId wherever the network carries one (`resp.reqMsgId`,
    `additionalInfos`/`additionalInfo`, the `X-Request-Id` header; our id, or one
    EnKash's ack returned), else on type + objectId + the version pair we sent
    (`currentVersion`/`newVersion` as the result echoes them, 0 included).
    """
    for req_msg_id in carried_req_msg_ids(body, headers or {}):
        by_id = OutboundMessage.objects.filter(
            Q(req_msg_id=req_msg_id) | Q(network_message_id=req_msg_id)
        )[:2]
        if found := list(by_id):
            # Our own id wins over an id some ack of EnKash's returned.
            return min(found, key=lambda message: message.req_msg_id != req_msg_id)
    block = body.get(action.body_block)
    if not isinstance(block, dict) or not block.get("objectId"):
        return None
    candidates = OutboundMessage.objects.filter(
        message_type=action.name, object_id=str(block["objectId"])
    )
    echoed = block.get("objectVersion")
    if isinstance(echoed, dict):
        sent = f"body__{action.body_block}__objectVersion__"
        for key in ("currentVersion", "newVersion"):
            if key not in echoed:
                continue
            number = _whole_number(echoed[key])
            if number is None:
                return None  # a version we cannot read matches no request: staff attach it
            candidates = candidates.filter(**{sent + key: number})
    # A request still awaiting its result before one already answered, newest first.
    awaiting = candidates.filter(state__in=OutboundMessage.AWAITING_RESULT)
    return awaiting.order_by("-created_at").first() or candidates.order_by("-created_at").first()


def _whole_number(value) -> int | None:
    """A version as the network wrote it (a number, or a number in a string), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return whole_number(value.strip())
    return None


def give_up(message: OutboundMessage, reason: str, *, actor=None) -> OutboundMessage:
    """Staff stop waiting for the network's result of `message` (its document says why).

    Marked GIVEN_UP: a result arriving later is kept on its inbound row only.
    """
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
        if message.state not in OutboundMessage.AWAITING_RESULT:
            raise ValueError(f"{message} is {message.state}: nothing to give up")
        message.state = OutboundMessage.State.GIVEN_UP
        message.next_attempt_at = None
        message.last_error = f"Given up by {actor}: {reason}" if actor else f"Given up: {reason}"
        message.save(update_fields=["state", "next_attempt_at", "last_error", "updated_at"])
    return message


def record_result(message: OutboundMessage, resp: dict) -> bool:
    """Store the network's verdict (`resp` block) on the request it answers; True if stored.

    Only a request still awaiting its result takes one: a late or repeated result (the
    same reqMsgId answered again after a retried call) never overwrites the first, nor
    a failure or a staff decision to give up; it stays on its inbound row alone.
    Locks the row and writes only the result's fields: the result may arrive while a
    worker is still recording our call's ack, and neither may overwrite the other
    (delivery keeps a message ANSWERED once it is).
    """
    with transaction.atomic():
        state = (
            OutboundMessage.objects.select_for_update()
            .filter(pk=message.pk)
            .values_list("state", flat=True)
            .first()
        )
        if state not in OutboundMessage.AWAITING_RESULT:
            return False
        message.state = OutboundMessage.State.ANSWERED
        message.answered_at = timezone.now()
        message.result = str(resp.get("result") or "")[:32]
        message.error_code = str(resp.get("errorCd") or "")[:64]
        message.error_detail = str(resp.get("errorDtl") or "")
        message.error_field = str(resp.get("errorField") or "")[:255]
        message.next_attempt_at = None
        message.save(update_fields=[*RESULT_FIELDS, "updated_at"])
    return True


RESULT_FIELDS = ("state", "answered_at", "result", "error_code", "error_detail", "error_field",
                 "next_attempt_at")  # fmt: skip
