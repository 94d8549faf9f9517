"""The inbox: every webhook delivery recorded, authenticated, checked, applied once, answered.

`receive` runs for each HTTP request on a catalogue path:

1. **Authenticate** (auth.py) before storing anything: a failure answers 401 and is
   only counted (`count_refusal`: one `InboundRejection` row per day, path, source
   and reason, with the size and first 200 bytes of the latest) and logged, so
   strangers cannot fill the database, whatever they send.
2. **Record.** An authenticated request becomes an `InboundMessage` (path, type,
   masked headers, raw bytes, source IP, time) committed on its own before anything
   else is checked, so nothing EnKash sent is ever lost, not even invalid JSON.
3. **Check the envelope**: Content-Type (415), size (413), JSON object (400), no
   NUL or lone surrogate in any string and at most MAX_NESTING levels (400, naming
   the field), the route's required top-level blocks (400 MISSING_FIELD naming the
   block), the main block's `objectVersion` when sent (400 naming the version).
   Outcome "invalid". The size limit is ENKASH_WEBHOOK_MAX_BODY_BYTES; the view reads
   at most limit + 1 bytes, so an oversize body is kept truncated to that (enough to
   tell what it was; the rest was never read).
4. **Process**, in its own transaction (`_process`): exactly once (below); for a
   result message, find the request of ours it answers (`outbox.match_result`;
   none: outcome "unmatched", acknowledged); then the handler of the message type
   (registry.py; none yet: outcome "awaiting_handler", acknowledged, reprocessed
   later). A handler's `Rejected` undoes everything it wrote and answers 400/409
   from the catalogue; any other error undoes it too and answers 500 ("failed",
   the sender retries, staff may reprocess). The reply sent is written onto the row.

Every stored row ends in an outcome, or in one `reprocess` takes: "failed",
"awaiting_handler", or "received" for longer than INTERRUPTED_AFTER (its processing
was cut short by a killed server or a lost database).

**What identifies a message** (its `fingerprint`): the `webhook-id` header when the
sender gives one (Standard Webhooks keeps it across retries), otherwise the path plus
the raw body: SHA-256 of either. Only a delivery that passed authentication and the
envelope checks gets a fingerprint. A delivery whose fingerprint matches a message
already answered (processed, duplicate, invalid, unmatched or awaiting handler)
gets exactly that message's reply (same status, same body), is recorded with
outcome "duplicate" and `duplicate_of`, and changes nothing. A "failed" message is
not answered yet, so its retry is processed afresh. Two copies arriving at once on
two server processes are serialised by a PostgreSQL advisory lock on the
fingerprint, taken inside the processing transaction before the re-check.
Version-based duplicates (same document, same version) are the handlers' business.
"""

import hashlib
import ipaddress
import json
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from . import auth, envelope, outbox, registry
from .handling import Inbound, Rejected, Reply
from .messages import RESULT, ROUTES, Route
from .models import InboundMessage, InboundRejection, OutboundMessage
from .wire import ObjectVersionSerializer, first_carried_req_msg_id

logger = logging.getLogger(__name__)

Outcome = InboundMessage.Outcome

# Outcomes of a message that has been given its final answer: a repeat gets that answer.
ANSWERED = (
    Outcome.PROCESSED,
    Outcome.DUPLICATE,
    Outcome.INVALID,
    Outcome.UNMATCHED,
    Outcome.AWAITING_HANDLER,
)
REPROCESSABLE = (Outcome.FAILED, Outcome.AWAITING_HANDLER)


class EnvelopeError(Exception):
    """The delivery is refused before processing: a catalogue code, detail and field."""

    def __init__(self, code: str, detail: str, field: str = ""):
        super().__init__(detail)
        self.code, self.detail, self.field = code, detail, field


def fingerprint(path: str, headers: Mapping, body: bytes) -> str:
    """What identifies a message: its webhook-id if sent, else its path and raw body."""
    webhook_id = auth.header(headers, "webhook-id")
    if webhook_id:
        return hashlib.sha256(b"webhook-id:" + webhook_id.encode()).hexdigest()
    return hashlib.sha256(path.encode() + b"\n" + body).hexdigest()


@dataclass
class Answer:
    """The HTTP answer to one delivery, and its stored record (None: refused, not stored)."""

    status: int
    body: dict
    record: InboundMessage | None


def receive(
    *,
    path: str,
    headers: Mapping,
    body: bytes,
    source_ip: str | None,
    method: str = "POST",
) -> Answer:
    """Authenticate, record, check and process one delivery; returns the answer to send.

    `body` is what was read from the request: at most ENKASH_WEBHOOK_MAX_BODY_BYTES + 1
    bytes. A delivery that fails authentication is counted (InboundRejection), not stored.
    """
    route = ROUTES[path]
    try:
        auth.authenticate(headers, body, source_ip)
    except auth.AuthenticationFailed as failure:
        count_refusal(route.path, source_ip, str(failure), body)
        # The reason stays on our side: telling a stranger which check failed helps them.
        return Answer(*envelope.error("AUTHENTICATION_FAILED"), record=None)
    record = InboundMessage.objects.create(
        method=method[:10],
        path=route.path,
        message_type=route.message_type,
        headers=auth.mask_headers(headers),
        body=body,
        body_size=len(body),
        source_ip=_valid_ip(source_ip),
    )
    _check_and_process(record, route, headers, body, via="http")
    return Answer(record.reply_status, record.reply_body, record)


COUNT_REFUSAL = """
INSERT INTO network_inboundrejection AS seen
    (day, path, source, reason, count, first_seen, last_seen, last_size, last_first_bytes)
SELECT %(day)s, %(path)s,
    CASE WHEN EXISTS (
            SELECT 1 FROM network_inboundrejection
            WHERE day = %(day)s AND path = %(path)s AND source = %(source)s
              AND reason = %(reason)s)
        OR (SELECT count(*) FROM network_inboundrejection WHERE day = %(day)s) < %(cap)s
    THEN %(source)s ELSE %(other)s END,
    %(reason)s, 1, %(now)s, %(now)s, %(size)s, %(first_bytes)s
ON CONFLICT (day, path, source, reason) DO UPDATE SET
    count = seen.count + 1, last_seen = EXCLUDED.last_seen,
    last_size = EXCLUDED.last_size, last_first_bytes = EXCLUDED.last_first_bytes
"""


def count_refusal(path: str, source_ip: str | None, reason: str, body: bytes) -> None:
    """Count and log a delivery refused before storing: one small row per day, path,
    source and reason, so a flood adds a bounded amount to the database."""
    source = _valid_ip(source_ip) or ""
    first_bytes = body[: InboundRejection.FIRST_BYTES]
    logger.warning(
        "Webhook refused before storing: %s on %s from %s, %d bytes, starting %r",
        reason, path, source or "unknown address", len(body), first_bytes[:64],
    )  # fmt: skip
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            COUNT_REFUSAL,
            {
                "day": now.date(), "path": path, "source": source, "reason": reason[:100],
                "cap": InboundRejection.MAX_SOURCES_PER_DAY,
                "other": InboundRejection.OTHER_SOURCES, "now": now, "size": len(body),
                "first_bytes": first_bytes,
            },
        )  # fmt: skip


INTERRUPTED_AFTER = timedelta(minutes=5)


def reprocessable() -> Q:
    """The rows `reprocess` takes: failed, awaiting a handler, or left "received" by an
    interrupted processing (server killed, database lost) for over INTERRUPTED_AFTER,
    longer than any request lasts, so none still in flight is taken."""
    return Q(outcome__in=REPROCESSABLE) | Q(
        outcome=Outcome.RECEIVED, received_at__lt=timezone.now() - INTERRUPTED_AFTER
    )


def reprocess(record: InboundMessage) -> InboundMessage:
    """Process a failed, awaiting-handler or interrupted message again from its stored bytes."""
    if not InboundMessage.objects.filter(reprocessable(), pk=record.pk).exists():
        raise ValueError(
            f"{record} is {record.outcome}; only failed, awaiting or interrupted ones are redone"
        )
    _check_and_process(record, ROUTES[record.path], record.headers, bytes(record.body),
                       via="reprocess")  # fmt: skip
    return record


def _check_and_process(
    record: InboundMessage, route: Route, headers: Mapping, body: bytes, via: str
) -> None:
    """Check the envelope, identify the message and process it; the outcome is on the row.

    Whatever goes wrong on our side leaves the row "failed" (reprocessable); if even
    that cannot be written (the database is gone), it stays "received", which
    `reprocessable()` takes once it is old enough.
    """
    history = list(record.history)
    try:
        parsed = parse(route, headers, body)
        _identify(record, route, headers, parsed)
        # Saved with the outcome, in the processing transaction: one write less per message.
        record.fingerprint = fingerprint(route.path, headers, body)
    except EnvelopeError as refused:
        status, reply = envelope.error(refused.code, refused.detail, refused.field)
        _close(record, Outcome.INVALID, status, reply, code=refused.code,
               detail=refused.detail, field=refused.field, via=via)  # fmt: skip
        return
    except Exception as exc:
        _fail(record, history, exc, via)
        return
    _process(record, route, parsed, via=via)


def parse(route: Route, headers: Mapping, body: bytes) -> dict:
    """The JSON object of a delivery, or EnvelopeError with the catalogue code."""
    content_type = auth.header(headers, "Content-Type").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise EnvelopeError("UNSUPPORTED_MEDIA_TYPE", f"Content-Type {content_type!r}")
    limit = settings.ENKASH_WEBHOOK_MAX_BODY_BYTES
    if len(body) > limit:
        raise EnvelopeError("PAYLOAD_TOO_LARGE", f"body larger than {limit} bytes")
    # Only a number with a 3-digit exponent or 300 digits can overflow to infinity; checking
    # each float in Python costs more than the parse itself, so only such bodies pay for it.
    parse_float = _finite_float if _HUGE_NUMBER.search(body) else None
    try:
        parsed = json.loads(
            body.decode("utf-8"), parse_constant=_refuse_constant, parse_float=parse_float
        )
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError too
        raise EnvelopeError("INVALID_JSON", f"not valid UTF-8 JSON: {exc}"[:300])
    if not isinstance(parsed, dict):
        raise EnvelopeError("INVALID_JSON", "the body must be a JSON object")
    # What PostgreSQL cannot keep (NUL, a lone surrogate) or what would exhaust Python's
    # stack further on (deep nesting) is the sender's mistake: refused here, not a 500 later.
    if problem := _unstorable(parsed, body):
        detail, field = problem
        raise EnvelopeError("INVALID_JSON", detail, field)
    for block in route.action.required_blocks(route.kind):
        value = parsed.get(block)
        if value is None:
            raise EnvelopeError("MISSING_FIELD", f"{block} is required", block)
        if not isinstance(value, dict | list):
            raise EnvelopeError("INVALID_FIELD", f"{block} must be an object", block)
    _check_object_version(route, parsed)
    return parsed


def _check_object_version(route: Route, parsed: dict) -> None:
    """The main block's `objectVersion`, when sent, holds whole numbers a database integer
    can keep: results are matched on it before any handler validates the message.

    Each version is checked by the wire serializer's own field (no serializer is built
    per message: that costs more than the whole parse).
    """
    block_name = route.action.body_block
    block = parsed.get(block_name)
    version = block.get("objectVersion") if isinstance(block, dict) else None
    if version is None:
        return
    path = f"{block_name}.objectVersion"
    if not isinstance(version, dict):
        raise EnvelopeError("INVALID_FIELD", "An object is required", path)
    for name, field in _VERSION_FIELDS.items():
        if version.get(name) is None:
            continue
        try:
            field.run_validation(version[name])
        except ValidationError as refused:
            raise EnvelopeError("INVALID_FIELD", str(refused.detail[0]), f"{path}.{name}")


_VERSION_FIELDS = ObjectVersionSerializer().fields


_HUGE_NUMBER = re.compile(rb"[eE][+-]?\d{3}|\d{300}")


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} out of range")
    return value


MAX_NESTING = 64  # EnKash's messages nest a few levels; far below Python's recursion limit
_TEXT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")  # \u0000 and surrogate escapes
_UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")


def _unstorable(parsed: dict, body: bytes) -> tuple[str, str] | None:
    """(detail, JSON path) of the first value PostgreSQL or our code could not handle, or None.

    Walked without recursion, so no depth makes it fail. A NUL or a lone surrogate can
    only arrive as a `\\u` escape, and depth is measured first without keeping paths
    (`_nested_deeper`), so most bodies skip the walk. Each entry carries its trail
    (parent trail, key) and the path is spelt out only for the value refused.
    """
    check_text = _TEXT_ESCAPE.search(body) is not None
    too_deep = body.count(b"[") + body.count(b"{") > MAX_NESTING and _nested_deeper(
        parsed, MAX_NESTING
    )
    if not (check_text or too_deep):
        return None
    stack = [(parsed, 1, None)]
    while stack:
        value, depth, trail = stack.pop()
        if isinstance(value, str):
            if check_text and (found := _UNSTORABLE_TEXT.search(value)):
                return _text_refusal(found.group()), _json_path(trail)
            continue
        if isinstance(value, dict):
            children = value.items()
            if check_text:
                for key in value:
                    if found := _UNSTORABLE_TEXT.search(key):
                        return _text_refusal(found.group()), _json_path(trail)
        elif isinstance(value, list):
            children = enumerate(value)
        else:
            continue
        if depth > MAX_NESTING:
            return f"nested deeper than {MAX_NESTING} levels", _json_path(trail)
        if not check_text:  # only depth to check: plain values need no visit
            children = ((key, child) for key, child in children if type(child) in (dict, list))
        stack.extend((child, depth + 1, (trail, key)) for key, child in children)
    return None


def _nested_deeper(parsed: dict, levels: int) -> bool:
    """True when objects or lists nest more than `levels` deep in `parsed`: a walk level by
    level, visiting only objects and lists, that keeps no paths."""
    level = [parsed]
    for _ in range(levels):
        level = [
            child
            for value in level
            for child in (value.values() if type(value) is dict else value)
            if type(child) in (dict, list)
        ]
        if not level:
            return False
    return True


def _json_path(trail) -> str:
    """`a.b[2].c` from a trail of (parent trail, key or index) pairs."""
    parts = []
    while trail is not None:
        trail, key = trail
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    return "".join(reversed(parts)).lstrip(".")


def _text_refusal(character: str) -> str:
    if character == "\x00":
        return "strings must not contain NUL (\\u0000)"
    return f"strings must not contain a lone surrogate (\\u{ord(character):04x})"


def _valid_ip(source_ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(source_ip or ""))
    except ValueError:
        return None


def _text(value, length: int) -> str:
    return str(value)[:length] if isinstance(value, str | int) else ""


def _identify(record: InboundMessage, route: Route, headers: Mapping, body: dict) -> None:
    """Copy the wire identifiers (B2B IDs, objectId, reqMsgId) onto the row, for filtering."""
    b2b_ids = body.get("b2bIds")
    if isinstance(b2b_ids, dict):
        record.buyer_b2b_id = _text(b2b_ids.get("buyerB2BId"), 100)
        record.supplier_b2b_id = _text(b2b_ids.get("supplierB2BId"), 100)
    block = body.get(route.action.body_block)
    if isinstance(block, dict):
        # EnKash's internal invoice shape names the network's objectId nbblInvoiceId.
        record.object_id = _text(block.get("objectId") or block.get("nbblInvoiceId"), 64)
    record.req_msg_id = _text(first_carried_req_msg_id(body, headers), 64)


# Two statements sent as one (the driver binds parameters on our side, so one round trip
# carries both): in READ COMMITTED each statement reads a snapshot of its own, so the
# look-up, started once the lock is held, sees what a copy that held it before committed.
LOCK_AND_FIND_ORIGINAL = (
    "SELECT pg_advisory_xact_lock(%s);"
    "SELECT id, reply_status, reply_body FROM network_inboundmessage "
    "WHERE fingerprint = %s AND outcome = ANY(%s) AND duplicate_of_id IS NULL "
    "AND id <> %s ORDER BY id LIMIT 1"
)


def _lock_and_find_original(record: InboundMessage):
    """Take the message's lock, then find the delivery that answered it: (id, status, reply).

    The advisory lock serialises every processing of one fingerprint across processes
    until the transaction ends; the look-up runs after it, so it sees what a copy that
    held the lock before us committed. Plain SQL, one round trip: this runs for every
    message.
    """
    key = int.from_bytes(bytes.fromhex(record.fingerprint[:16]), "big", signed=True)
    # Only an original counts: its repeats carry its (possibly older) answer.
    outcomes = [str(outcome) for outcome in ANSWERED]
    with connection.cursor() as cursor:
        cursor.execute(LOCK_AND_FIND_ORIGINAL, [key, record.fingerprint, outcomes, record.pk])
        cursor.nextset()  # past the lock's own result
        found = cursor.fetchone()
    if found and isinstance(found[2], str):
        found = (found[0], found[1], json.loads(found[2]))
    return found


def _process(record: InboundMessage, route: Route, body: dict, via: str) -> None:
    """Apply the message once, in its own transaction; any error of ours leaves it "failed"."""
    history = list(record.history)
    try:
        with transaction.atomic():
            original = _lock_and_find_original(record)
            # Another reprocess of this very row may have finished while we waited.
            if (
                via != "http"
                and not InboundMessage.objects.filter(reprocessable(), pk=record.pk).exists()
            ):
                record.refresh_from_db()
                return
            if original is not None:
                record.duplicate_of_id, status, reply = original
                _close(record, Outcome.DUPLICATE, status, reply, via=via)
                return
            _dispatch(record, route, body, via)
    except Exception as exc:
        _fail(record, history, exc, via)


def _fail(record: InboundMessage, history: list, exc: Exception, via: str) -> None:
    """Our own error: the processing transaction is undone; the raw row and the failure stay."""
    logger.exception("Processing inbound message %s failed", record.pk, exc_info=exc)
    record.history = history
    record.document_type, record.document_id = None, None
    status, reply = envelope.error("INTERNAL_ERROR", req_msg_id=record.req_msg_id)
    detail = _UNSTORABLE_TEXT.sub("\ufffd", f"{type(exc).__name__}: {exc}")
    _close(record, Outcome.FAILED, status, reply, code="INTERNAL_ERROR", detail=detail,
           via=via)  # fmt: skip


def _dispatch(record: InboundMessage, route: Route, body: dict, via: str) -> None:
    answers = None
    if route.kind == RESULT:
        answers = outbox.match_result(route.action, body, record.headers)
        if answers is None:
            _close(record, Outcome.UNMATCHED, 200, _ack(record, body), via=via)
            return
        record.answers = answers
    handler = registry.handler_for(route.message_type)
    if handler is None:
        _close(record, Outcome.AWAITING_HANDLER, 200, _ack(record, body), via=via)
        return
    try:
        # A savepoint: a refusal undoes whatever the handler wrote before refusing.
        with transaction.atomic():
            reply = handler(Inbound(record=record, route=route, body=body, answers=answers))
            if answers is not None:
                outbox.record_result(answers, body["resp"])
    except Rejected as rejected:
        if rejected.document is not None:
            record.document = rejected.document
        status, payload = envelope.error(
            rejected.code, rejected.detail, rejected.field, record.req_msg_id,
            extra=_b2b_ids(record, body),
        )  # fmt: skip
        _close(record, Outcome.INVALID, status, payload, code=rejected.code,
               detail=rejected.detail, field=rejected.field, via=via)  # fmt: skip
        return
    if reply.document is not None:
        record.document = reply.document
    outcome = Outcome.DUPLICATE if reply.duplicate else Outcome.PROCESSED
    _close(record, outcome, 200, _ack(record, body, reply.result, reply.extra), via=via)


def _b2b_ids(record: InboundMessage, body: dict) -> dict:
    if not isinstance(body.get("b2bIds"), dict):
        return {}
    return {"b2bIds": {"buyerB2BId": record.buyer_b2b_id, "supplierB2BId": record.supplier_b2b_id}}


def _ack(record, body: dict, result: str = envelope.SUCCESS, extra: dict | None = None) -> dict:
    payload = {**_b2b_ids(record, body), **(extra or {})}
    payload["resp"] = envelope.resp_block(record.req_msg_id, result)
    return envelope.ack(payload)


def _close(
    record: InboundMessage,
    outcome: str,
    status: int,
    reply: dict,
    *,
    code: str = "",
    detail: str = "",
    field: str = "",
    via: str,
) -> None:
    """Write the outcome and the reply onto the row, and append it to the row's history."""
    now = timezone.now()
    record.outcome = outcome
    record.reply_status = status
    record.reply_body = envelope.to_json(reply)
    # A handler's code or field may be longer than the columns: kept, cut to fit.
    record.error_code, record.error_detail, record.error_field = code[:64], detail, field[:255]
    record.processed_at = now
    record.history = [
        *record.history,
        {"at": now.isoformat(), "via": via, "outcome": outcome, "status": status,
         "errorCd": code},
    ]  # fmt: skip
    record.save(
        update_fields=[
            "outcome", "reply_status", "reply_body", "error_code", "error_detail",
            "error_field", "processed_at", "history", "duplicate_of", "answers",
            "document_type", "document_id", "fingerprint", "req_msg_id", "object_id",
            "buyer_b2b_id", "supplier_b2b_id",
        ]
    )  # fmt: skip


class AttachRefused(Exception):
    """An inbound message that cannot be attached to that request (wrong kind or type)."""


def attach_result(record: InboundMessage, message: OutboundMessage, *, actor=None):
    """Staff attach an unmatched result to the request of ours it answers, and apply it.

    The result goes through the same handler and `record_result` as one the inbox
    matched itself. The inbound row then answers `message` and is processed (or a
    duplicate, when the request no longer waited for a result), a line in its history
    saying who attached it. A document's `Rejected` undoes everything and propagates.
    """
    route = ROUTES[record.path]
    if route.kind != RESULT or route.action.name != message.message_type:
        raise AttachRefused(f"{record} is not a result of a {message.message_type} request")
    with transaction.atomic():
        record = InboundMessage.objects.select_for_update().get(pk=record.pk)
        if record.outcome != InboundMessage.Outcome.UNMATCHED:
            raise AttachRefused(f"{record} is {record.outcome}: only unmatched results attach")
        body = parse(route, record.headers, bytes(record.body))
        handler = registry.handler_for(route.message_type)
        reply = Reply()
        if handler is not None:
            reply = handler(Inbound(record=record, route=route, body=body, answers=message))
        outbox.record_result(message, body["resp"])
        record.answers = message
        if reply.document is not None:
            record.document = reply.document
        Outcome = InboundMessage.Outcome
        record.outcome = Outcome.DUPLICATE if reply.duplicate else Outcome.PROCESSED
        record.processed_at = timezone.now()
        record.history = [*record.history, {
            "at": record.processed_at.isoformat(), "via": "attach", "outcome": record.outcome,
            "answers": message.pk, "by": str(actor or ""),
        }]  # fmt: skip
        record.save(update_fields=["answers", "document_type", "document_id", "outcome",
                                   "processed_at", "history"])  # fmt: skip
    return record
