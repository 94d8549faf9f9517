"""Delivery of the outbox: one call of ours reaches EnKash once, whatever fails on the way.

`deliver(message_id)` is what the worker's job runs:

1. It claims the OutboundMessage in one statement under the row's lock. A message that
   is already sent, answered or failed is left alone. One marked SENDING less than a
   call's length ago may be mid-call in another worker: the job comes back when that
   call must have ended. Otherwise it is marked SENDING (attempt counted), and its
   DeliveryAttempt is written (start, request); both are committed before the call.
2. It POSTs outside any transaction (no row lock or connection held during the call).
3. It completes the attempt (one more per 401 repeat) and decides (an accepted call
   of a message still SENDING in one statement, anything else in a short transaction
   under the row lock): a 2xx whose envelope accepts (`client.envelope_refusal`) -> SENT (the
   ack payload kept, an id it returns kept in `network_message_id`); a 4xx, or a 2xx
   that refuses or is not the envelope -> FAILED, final, shown to staff (408/425/429
   excepted); no answer or 5xx -> PENDING with the next job scheduled after an
   exponential backoff with jitter, until `retry_until` (ENKASH_RETRY_HORIZON_SECONDS
   after the first attempt), then FAILED. The retry job is deferred in that same
   transaction. A FAILED message's document is told in that transaction too (`_fail`).

Every attempt carries the same reqMsgId (header `X-Request-Id` and `additionalInfos`)
and the same body. A worker killed after step 1 leaves the message SENDING and its
job "doing": `recover_stalled()` (a periodic job) puts such jobs back in the queue and
re-defers any open message left without a job, and the call is made again with the
same reqMsgId (the killed call's open attempt is then closed as interrupted). EnKash
may then see one request twice (if the first got through before the kill); the stable
reqMsgId is what lets it (and us, on its result) de-duplicate.
That is the only case of a repeat at HTTP level; two live workers never send one
message at once (row lock + state, and one procrastinate lock per message).
"""

import json
import logging
import random
import re
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from b2bportal import rows

from . import envelope, jsonnumbers, registry
from .client import Call, ClientConfig, Exchange, envelope_refusal, get_client
from .handling import Inbound, Rejected
from .jobs import DELIVER_TASK, DELIVERY_LOCK_PREFIX, QUEUE, defer_delivery, delivery_lock
from .messages import ACTIONS_BY_NAME, ROUTES
from .models import INTERRUPTED, DeliveryAttempt, OutboundMessage

logger = logging.getLogger(__name__)
State = OutboundMessage.State

# Keys of an ack's payload that may carry EnKash's own id for our request, in order.
ACK_ID_KEYS = ("msgId", "messageId", "ackId", "refId", "id")
# Longest errorDtl kept from an answer (the wire's `resp.errorDtl` limit).
ERROR_DETAIL_MAX = 2000


# The fast path's statements (see `deliver`); each one round trip, atomic on its own.
# The claim takes, besides the job's own message, up to %(more)s other messages whose
# delivery jobs are due and free (no job of theirs running): those jobs are deleted
# and their messages marked SENDING in the same statement, so one job delivers a batch
# and no other worker can fetch them. A taken job whose message is not claimable comes
# back as a row with a NULL path (see `_claim`).
CLAIM_SQL = """
WITH taken AS (
    DELETE FROM procrastinate_jobs WHERE id = ANY(ARRAY(
        SELECT jobs.id FROM procrastinate_jobs AS jobs
        WHERE jobs.status = 'todo' AND jobs.queue_name = %(queue)s
          AND jobs.task_name = %(task)s AND jobs.lock IS DISTINCT FROM %(own_lock)s
          AND (jobs.scheduled_at IS NULL OR jobs.scheduled_at <= %(now)s)
          AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs AS running
                          WHERE running.lock = jobs.lock AND running.status = 'doing')
        ORDER BY jobs.priority DESC, jobs.id
        LIMIT %(more)s
        FOR UPDATE SKIP LOCKED
    ))
    RETURNING (args->>'message_id')::bigint AS message_id
),
before AS (
    SELECT id, state FROM network_outboundmessage
    WHERE id = ANY(ARRAY(SELECT message_id FROM taken) || %(id)s::bigint)
    ORDER BY id
    FOR UPDATE
),
claimed AS (
    UPDATE network_outboundmessage AS claimed SET
        state = %(sending)s, attempt_count = claimed.attempt_count + 1,
        next_attempt_at = NULL, updated_at = %(now)s,
        retry_until = COALESCE(claimed.retry_until, %(horizon)s)
    FROM before
    WHERE claimed.id = before.id
      AND claimed.id = ANY(ARRAY(SELECT id FROM before))  -- an index look-up, not a scan
      AND (before.state = %(pending)s
           OR (before.state = %(sending)s AND claimed.updated_at <= %(stale)s))
    RETURNING claimed.id, claimed.path, claimed.body, claimed.req_msg_id, before.state
)
SELECT id, path, body, req_msg_id, state FROM claimed
UNION ALL
SELECT message_id, NULL::varchar, NULL::jsonb, NULL::varchar, NULL::varchar
FROM (SELECT DISTINCT message_id FROM taken) AS stray
WHERE message_id NOT IN (SELECT id FROM claimed)
"""
# Accepted calls' outcomes, one row per message of the JSON array: attempt completed
# (its request was written with it), message SENT.
RECORD_SENT_SQL = """
WITH outcome AS (
    SELECT * FROM jsonb_to_recordset(%(rows)s::jsonb)
        AS o(message_id bigint, attempt_id bigint, ack jsonb, ack_id text,
             started_at timestamptz, status_code int, response_body text, latency_ms float8)
),
sent AS (
    UPDATE network_outboundmessage AS message SET
        state = %(sent)s, last_error = '', updated_at = %(now)s,
        sent_at = COALESCE(message.sent_at, %(now)s), ack_payload = o.ack,
        network_message_id = CASE WHEN message.network_message_id = ''
                                  THEN o.ack_id ELSE message.network_message_id END
    FROM outcome AS o
    WHERE message.id = o.message_id AND message.state = %(sending)s
      AND message.id = ANY(%(message_ids)s::bigint[])  -- an index look-up, not a scan
    RETURNING message.id
)
UPDATE network_deliveryattempt AS attempt SET
    started_at = o.started_at, status_code = o.status_code, response_body = o.response_body,
    latency_ms = o.latency_ms, error = '', completed_at = %(now)s
FROM outcome AS o
WHERE attempt.id = o.attempt_id AND o.message_id IN (SELECT id FROM sent)
  AND attempt.id = ANY(%(attempt_ids)s::bigint[])
RETURNING o.message_id
"""


class RetryRefused(Exception):
    """Staff asked to retry a message that is not failed."""


def retry_delay(attempt: int) -> float:
    """Seconds before retry number `attempt` (1, 2, ...): exponential, capped, jittered."""
    ceiling = min(
        settings.ENKASH_RETRY_MAX_DELAY_SECONDS,
        settings.ENKASH_RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0),
    )
    # "Equal jitter": half fixed, half random, so workers that failed together spread out.
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def deliver(message_id: int, *, batch_size: int = 1) -> str:
    """Deliver one OutboundMessage (the worker's job), and with it up to `batch_size - 1`
    other due ones; returns what happened to `message_id`, for logs.

    The bookkeeping is a few statements per batch, each atomic on its own, because at
    hundreds of deliveries a second the round trips to PostgreSQL are what costs: the
    claim (one statement taking the batch's jobs and marking its messages SENDING), the
    attempts (one multi-row INSERT), both committed before the calls, then the outcome
    of the accepted calls (one statement completing their attempts and marking their
    messages SENT). The calls of a batch are made at once (`EnKashClient.post_all`:
    each from a thread of the client's pool, within its own timeouts),
    so every one ends within a call's length of the claim (as a lone call does), which
    is what the claim's "SENDING for longer than a call" test relies on. Anything out of
    the ordinary (a message busy, missing or done; a refusal; a retry) takes the
    locked path below, message by message.
    """
    now = timezone.now()
    claimed, strays = _claim(message_id, now, more=max(batch_size - 1, 0))
    outcomes = _send(claimed, now) if claimed else {}
    for stray in strays:
        # Its job was taken but the message is busy or done: as its own job would.
        _not_claimed(stray, now)
    if len(claimed) > 1:
        logger.info("Delivered a batch of %s outbound messages: %s", len(claimed),
                    dict(Counter(outcomes.values())))  # fmt: skip
    if batch_size > 1 and len(claimed) + len(strays) >= batch_size:
        refresh_queue_statistics()
    if message_id in outcomes:
        return outcomes[message_id]
    return _not_claimed(message_id, now)


# Seconds between two refreshes of the job table's statistics by one worker process.
QUEUE_STATISTICS_INTERVAL = 30.0
_statistics_refreshed_at: float | None = None  # time.monotonic() of this process's last


def refresh_queue_statistics() -> bool:
    """ANALYZE the job table when a batch found the queue deep (at most every 30 s a process).

    The job table is nearly empty most of the time, and that is what its statistics say
    until autovacuum looks again (a minute or more). procrastinate's fetch of the next
    job is then planned for a handful of rows: it checks the lock of every queued job
    and sorts them all, for each job fetched (measured: 28 ms a fetch with 1,800 jobs
    queued, most of the database's time during a burst). Fresh statistics give it its
    index in queue order, stopping at the first free job (0.05 ms). Returns whether it ran.
    """
    global _statistics_refreshed_at
    now = time.monotonic()
    if (
        _statistics_refreshed_at is not None
        and now - _statistics_refreshed_at < QUEUE_STATISTICS_INTERVAL
    ):
        return False
    _statistics_refreshed_at = now
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE procrastinate_jobs")
    return True


class Claimed(NamedTuple):
    """A message claimed for a call: its id, the call to make, whether it was SENDING before."""

    pk: int
    call: Call
    was_sending: bool


def _claim(message_id: int, now, *, more: int) -> tuple[list[Claimed], list[int]]:
    """Mark the batch SENDING (attempts counted), in one statement.

    A PENDING message may be sent now; a SENDING one only when it was marked longer than
    a call's length ago (its worker died mid-call). Returns the messages claimed, in id
    order, and the ids of the other messages whose jobs were taken but which could not
    be claimed.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            CLAIM_SQL,
            {
                "id": message_id,
                "own_lock": delivery_lock(message_id),
                "more": more,
                "queue": QUEUE,
                "task": DELIVER_TASK,
                "now": now,
                "sending": State.SENDING,
                "pending": State.PENDING,
                "stale": now - timedelta(seconds=_call_budget()),
                "horizon": now + timedelta(seconds=settings.ENKASH_RETRY_HORIZON_SECONDS),
            },
        )  # fmt: skip
        rows = cursor.fetchall()
    claimed, strays = [], []
    for pk, path, body, req_msg_id, state_before in rows:
        if path is None:
            strays.append(pk)
            continue
        call = Call(path, wire_text(body), req_msg_id)
        claimed.append(Claimed(pk, call, state_before == State.SENDING))
    claimed.sort()
    return claimed, strays


def wire_text(stored) -> str:
    """A stored body (jsonb, as PostgreSQL writes it) as the compact JSON we send.

    The same text as `jsonnumbers.dumps(jsonnumbers.loads(stored))` (every number with
    the digits PostgreSQL kept, non-ASCII kept) for a fraction of its cost: each number
    with a fraction is read as its own text between two NUL markers, which the C
    encoder writes as `"\\u0000...\\u0000"` and which are then unquoted. No stored
    string can hold a NUL (jsonb refuses `\\u0000`), so a marker is never anything else
    (a text's own backslash before `u0000` is written doubled, see MARKED_NUMBER).
    """
    if not isinstance(stored, str):  # already parsed (money as Decimal): the slow, exact way
        return jsonnumbers.dumps(stored)
    text = json.dumps(json.loads(stored, parse_float=_marked), ensure_ascii=False,
                      separators=(",", ":"))  # fmt: skip
    return MARKED_NUMBER.sub(r"\1", text)


def _marked(number: str) -> str:
    return f"\x00{number}\x00"


# A marked number as the encoder writes it. Only a NUL's escape has one backslash
# before `u0000` right after a quote (a backslash of the text is written doubled).
MARKED_NUMBER = re.compile(r'"\\u0000([^"\\]*)\\u0000"')


def _send(claimed: list[Claimed], now) -> dict[int, str]:
    """Write the batch's attempts, make its calls, record them; the outcome per message id."""
    interrupted = [each.pk for each in claimed if each.was_sending]
    if interrupted:
        # The worker that marked them SENDING died mid-call: say so on their attempts.
        DeliveryAttempt.objects.filter(message_id__in=interrupted, completed_at=None).update(
            completed_at=now, error=INTERRUPTED
        )
    config = _config()
    # Written before the calls: a worker killed during a call leaves its attempt
    # behind, open, instead of no trace at all. (Killed between the claim and this
    # insert, it leaves SENDING messages with no attempt and no call made: they are
    # sent again after the call budget, as any SENDING message.)
    attempt_ids = _insert_attempts(claimed, config, now)
    exchanges = _post_all([each.call for each in claimed], config)
    batch = [(each, attempt_ids[each.pk], exchange)
             for each, exchange in zip(claimed, exchanges, strict=True)]  # fmt: skip
    sent = _record_sent([(each, attempt_id, exchange) for each, attempt_id, exchange in batch
                         if exchange.accepted and exchange.previous is None])  # fmt: skip
    return {
        each.pk: "sent" if each.pk in sent else _record_outcome(each.pk, attempt_id, exchange)
        for each, attempt_id, exchange in batch
    }


def _insert_attempts(claimed: list[Claimed], config: ClientConfig, now) -> dict[int, int]:
    """The batch's attempts (start, request with the token masked), in one statement.

    Returns the attempt id of each message id.
    """
    attempts = [
        DeliveryAttempt(message_id=each.pk, started_at=now, **config.recorded_request(*each.call))
        for each in claimed
    ]
    rows.insert(attempts)
    return {attempt.message_id: attempt.pk for attempt in attempts}


def _post_all(calls: list[Call], config: ClientConfig) -> list[Exchange]:
    """The batch's calls, all made at once (see `deliver`), in the order given.

    A misconfiguration (no base URL) or a bug becomes an error to retry on, not a crash:
    it must not strand the batch in SENDING.
    """
    try:
        return get_client().post_all(calls)
    except Exception as exc:
        if isinstance(exc, ImproperlyConfigured):
            logger.warning("Outbound messages %s not sent: %s",
                           [call.req_msg_id for call in calls], exc)  # fmt: skip
        else:
            logger.exception("Outbound messages %s could not be sent",
                             [call.req_msg_id for call in calls])  # fmt: skip
        return [
            Exchange(
                **config.recorded_request(*call),
                started_at=time.time(),
                error=f"{type(exc).__name__}: {exc}",
            )  # fmt: skip
            for call in calls
        ]


def _not_claimed(message_id: int, now) -> str:
    """Why a message could not be claimed: missing, done, or busy in another worker."""
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            return "missing"
        if message.state not in (State.PENDING, State.SENDING):
            return "already " + message.state
        if message.state == State.SENDING:
            # One marked SENDING less than a call's length ago may be mid-call in
            # another worker: come back when that call must have ended.
            busy_until = message.updated_at + timedelta(seconds=_call_budget())
            defer_delivery(message.pk, schedule_at=max(busy_until, now))
            return "busy"
    # PENDING again between the claim and this look (staff retried it): try once more.
    return deliver(message_id)


def _record_sent(accepted: list[tuple[Claimed, int, Exchange]]) -> set[int]:
    """Accepted calls' outcomes in one statement: attempts completed, messages SENT.

    Only for messages still SENDING; the ids of those recorded. The others are left to
    the locked path (the network's result may have overtaken the ack).
    """
    if not accepted:
        return set()
    rows = [
        {
            "message_id": each.pk,
            "attempt_id": attempt_id,
            "ack": exchange.payload,
            "ack_id": _ack_id(exchange.payload, each.call.req_msg_id) or "",
            "started_at": datetime.fromtimestamp(exchange.started_at, tz=UTC).isoformat(),
            "status_code": exchange.status_code,
            "response_body": exchange.response_body,
            "latency_ms": exchange.latency_ms,
        }
        for each, attempt_id, exchange in accepted
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            RECORD_SENT_SQL,
            {
                "rows": json.dumps(rows),
                "message_ids": [row["message_id"] for row in rows],
                "attempt_ids": [row["attempt_id"] for row in rows],
                "now": timezone.now(),
                "sent": State.SENT,
                "sending": State.SENDING,
            },
        )  # fmt: skip
        return {message_id for (message_id,) in cursor.fetchall()}


def _config() -> ClientConfig:
    return ClientConfig.from_settings()


def _call_budget() -> float:
    return _config().call_budget + 1


def _attempt_fields(exchange: Exchange, now) -> dict:
    return {
        "started_at": datetime.fromtimestamp(exchange.started_at, tz=UTC),
        "url": exchange.url,
        "request_headers": exchange.request_headers,
        "request_body": exchange.request_body,
        "status_code": exchange.status_code,
        "response_body": exchange.response_body,
        "latency_ms": exchange.latency_ms,
        "error": exchange.error,
        "completed_at": now,
    }


def _record_attempts(message: OutboundMessage, attempt_id: int, exchange: Exchange, now) -> None:
    """Complete the attempt written before the call; a 401's repeat adds one more."""
    first, *repeats = exchange.chain()
    DeliveryAttempt.objects.filter(pk=attempt_id).update(**_attempt_fields(first, now))
    DeliveryAttempt.objects.bulk_create(
        DeliveryAttempt(message=message, **_attempt_fields(each, now)) for each in repeats
    )


def _record_outcome(message_id: int, attempt_id: int, exchange: Exchange) -> str:
    now = timezone.now()
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().get(pk=message_id)
        _record_attempts(message, attempt_id, exchange, now)
        if message.state != State.SENDING:
            # The network's result overtook our call's answer (or staff acted): keep
            # that state, only note what the call returned.
            if exchange.accepted:
                _store_ack(message, exchange, now)
            message.save()
            return "recorded after " + message.state
        if exchange.accepted:
            message.state = State.SENT
            message.last_error = ""
            _store_ack(message, exchange, now)
            outcome = "sent"
        elif exchange.ok or not exchange.retryable:
            # A 4xx, or a 2xx whose envelope refuses: final.
            _store_refusal(message, exchange)
            _fail(message)
            outcome = "failed"
        else:
            message.last_error = _describe_failure(exchange)
            if message.retry_until and now >= message.retry_until:
                message.error_code = "NO_ANSWER"
                message.error_detail = message.last_error
                message.last_error += " (retry horizon reached)"
                _fail(message)
                outcome = "gave up"
            else:
                next_at = now + timedelta(seconds=retry_delay(message.attempt_count))
                if message.retry_until:
                    next_at = min(next_at, message.retry_until)
                message.state = State.PENDING
                message.next_attempt_at = next_at
                defer_delivery(message.pk, schedule_at=next_at)
                outcome = "retry"
        message.save()
        return outcome


def _fail(message: OutboundMessage) -> None:
    """Mark the message failed for good and tell its document it is no longer waiting.

    The document hears it through the handler of the request's result, with a FAILURE
    `resp` carrying our error: the same service that applies the network's own refusal.
    """
    message.state = State.FAILED
    message.save()
    if message.document_id is None:
        return
    action = ACTIONS_BY_NAME[message.message_type]
    handler = registry.handler_for(action.result_type)
    if handler is None or action.result_path is None:
        return
    resp = envelope.resp_block(
        message.req_msg_id, envelope.FAILURE, message.error_code,
        message.error_detail[:ERROR_DETAIL_MAX], message.error_field,
    )  # fmt: skip
    try:
        with transaction.atomic():
            handler(Inbound(record=None, route=ROUTES[action.result_path], body={"resp": resp},
                            answers=message))  # fmt: skip
    except Rejected as refused:  # e.g. the document is gone: the message stays failed
        logger.warning("Outbound message %s failed; its document said: %s", message.pk, refused)


def _store_ack(message: OutboundMessage, exchange: Exchange, now) -> None:
    message.sent_at = message.sent_at or now
    message.ack_payload = exchange.payload
    if not message.network_message_id:
        message.network_message_id = _ack_id(exchange.payload, message.req_msg_id) or ""


def _ack_id(payload: dict | None, req_msg_id: str) -> str | None:
    """EnKash's own id for our request, when its ack's payload carries one."""
    inner = (payload or {}).get("payload")
    if not isinstance(inner, dict):
        return None
    for key in ACK_ID_KEYS:
        value = inner.get(key)
        if isinstance(value, str | int) and str(value) and str(value) != req_msg_id:
            return str(value)[:100]
    return None


def _error_block(exchange: Exchange) -> dict:
    """The resp/error block of a refusal, wherever in the envelope EnKash put it."""
    data = exchange.payload or {}
    inner = data.get("payload") if isinstance(data.get("payload"), dict) else {}
    for candidate in (inner.get("resp"), data.get("resp"), inner, data):
        if isinstance(candidate, dict) and (candidate.get("errorCd") or candidate.get("errorDtl")):
            return candidate
    return {}


def _store_refusal(message: OutboundMessage, exchange: Exchange) -> None:
    """The network's errorCd/errorDtl/errorField; an answer that says none keeps its body."""
    error = _error_block(exchange)
    data = exchange.payload or {}
    refusal = envelope_refusal(exchange.payload) if exchange.ok else None
    if exchange.payload is None or "response_code" not in data:
        fallback = "NOT_AN_ENVELOPE"
    elif not exchange.ok:
        fallback = f"HTTP_{exchange.status_code}"
    else:
        fallback = str(data.get("response_message") or refusal or "REFUSED")
    message.error_code = str(error.get("errorCd") or fallback)[:64]
    message.error_detail = str(
        error.get("errorDtl")
        or data.get("response_message")
        or exchange.response_body[:ERROR_DETAIL_MAX]
        or refusal
        or ""
    )
    message.error_field = str(error.get("errorField") or "")[:255]
    message.last_error = _describe_failure(exchange)


def _describe_failure(exchange: Exchange) -> str:
    if exchange.status_code is None:
        return exchange.error
    error = _error_block(exchange)
    detail = " ".join(str(error.get(k) or "") for k in ("errorCd", "errorDtl")).strip()
    if exchange.ok:
        detail = detail or envelope_refusal(exchange.payload) or ""
    return f"HTTP {exchange.status_code}" + (f": {detail}" if detail else "")


def retry(message: OutboundMessage, actor) -> OutboundMessage:
    """Staff's "retry now" for a failed message: same reqMsgId and body, a new retry window."""

    def may_retry(message: OutboundMessage) -> None:
        if message.state != State.FAILED:
            raise RetryRefused(f"Only failed messages can be retried; this one is {message.state}.")
        if message.document_id is not None:
            # Its document stopped waiting when it failed and may have moved on since.
            raise RetryRefused(
                "This call was made for a document, which is no longer waiting for it: "
                "decide again on the document's page."
            )

    note = f"Retry requested by {actor}" if actor else "Retry requested"
    return _deliver_again(message, may_retry, note, next_attempt_at=None, error_code="",
                          error_detail="", error_field="")  # fmt: skip


def send_again(message: OutboundMessage, *, actor=None) -> OutboundMessage:
    """Deliver a request the network took but never answered once more (same reqMsgId).

    For a request overdue at the network: a new delivery with a new retry window; the
    acknowledgement it gets restarts the wait for the result.
    """

    def may_send_again(message: OutboundMessage) -> None:
        if message.state != State.SENT:
            raise RetryRefused(f"Only a request awaiting its result is sent again; this one is "
                               f"{message.state}.")  # fmt: skip

    note = f"Sent again by {actor}" if actor else "Sent again"
    return _deliver_again(message, may_send_again, note, sent_at=None)


def _deliver_again(message: OutboundMessage, check, note: str, **fields) -> OutboundMessage:
    """Back to PENDING with a new retry window and a delivery job, if `check` allows it.

    Under the row lock: `check(message)` raises RetryRefused when the message may not
    be delivered again; `fields` are the other columns the caller resets.
    """
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
        check(message)
        logger.info("Outbound message %s: %s", message.pk, note)
        message.state = State.PENDING
        message.retry_until = timezone.now() + timedelta(
            seconds=settings.ENKASH_RETRY_HORIZON_SECONDS
        )
        message.last_error = note
        for name, value in fields.items():
            setattr(message, name, value)
        message.save()
        defer_delivery(message.pk)
    return message


# Open messages untouched since the cutoff that no queued or running job will deliver,
# locked (skipping those a worker holds) until the re-deferring transaction ends.
STRANDED_SQL = """
SELECT message.id FROM network_outboundmessage AS message
WHERE message.state IN (%(pending)s, %(sending)s) AND message.updated_at < %(cutoff)s
  AND NOT EXISTS (
      SELECT 1 FROM procrastinate_jobs AS job
      WHERE job.task_name = %(task)s AND job.status IN ('todo', 'doing')
        AND job.lock = %(lock_prefix)s || message.id
  )
ORDER BY message.id
LIMIT %(limit)s
FOR UPDATE OF message SKIP LOCKED
"""


def requeue_stranded(limit: int = 1000) -> list[int]:
    """Re-defer open messages that no queued or running job will deliver; returns their ids.

    A message is stranded when its job died with it (a crash after the job was marked
    failed, jobs deleted by hand, a batch's worker killed mid-call: the batch took the
    other messages' jobs). Only messages untouched for the stalled-worker delay are
    considered, so a job that is just starting is never doubled; one still being sent
    by a live batch is then found busy by its new job, which comes back later.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.ENKASH_STALLED_AFTER_SECONDS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            STRANDED_SQL,
            {
                "pending": State.PENDING,
                "sending": State.SENDING,
                "cutoff": cutoff,
                "task": DELIVER_TASK,
                "lock_prefix": DELIVERY_LOCK_PREFIX,
                "limit": limit,
            },
        )  # fmt: skip
        requeued = [pk for (pk,) in cursor.fetchall()]
        for pk in requeued:
            defer_delivery(pk)
    if requeued:
        logger.warning("Re-deferred stranded outbound messages: %s", requeued)
    return requeued
