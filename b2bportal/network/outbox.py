"""The outbox: how a decision asks for a call to EnKash.

`enqueue` writes an OutboundMessage and defers its delivery job in the caller's
transaction, so a rolled-back decision leaves neither. Nothing is sent here.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .messages import ACTIONS_BY_NAME
from .models import OutboundMessage, new_req_msg_id


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
    from .tasks import defer_delivery

    defer_delivery(message.pk)
    return message


def match_result(action, body: dict) -> OutboundMessage | None:
    """The request of ours a `resp-*` message answers.

    Matched on `resp.reqMsgId` (our id, or one EnKash's ack returned), then on
    objectId + version + message type.
    """
    resp = body.get("resp") if isinstance(body.get("resp"), dict) else {}
    req_msg_id = str(resp.get("reqMsgId") or "")
    if req_msg_id:
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
        message_type=action.name, object_id=block["objectId"]
    )
    version = block.get("objectVersion")
    if isinstance(version, dict) and version.get("currentVersion") is not None:
        candidates = candidates.filter(object_version=version["currentVersion"])
    return candidates.order_by("-created_at").first()


def record_result(message: OutboundMessage, resp: dict) -> OutboundMessage:
    """Store the network's verdict (`resp` block) on the request it answers.

    Locks the row and writes only the result's fields: the result may arrive while a
    worker is still recording our call's ack, and neither may overwrite the other
    (delivery keeps a message ANSWERED once it is).
    """
    with transaction.atomic():
        OutboundMessage.objects.select_for_update().filter(pk=message.pk).first()
        message.state = OutboundMessage.State.ANSWERED
        message.answered_at = timezone.now()
        message.result = str(resp.get("result") or "")[:32]
        message.error_code = str(resp.get("errorCd") or "")[:64]
        message.error_detail = str(resp.get("errorDtl") or "")
        message.error_field = str(resp.get("errorField") or "")[:255]
        message.next_attempt_at = None
        message.save(update_fields=[*RESULT_FIELDS, "updated_at"])
    return message


RESULT_FIELDS = ("state", "answered_at", "result", "error_code", "error_detail", "error_field",
                 "next_attempt_at")  # fmt: skip
