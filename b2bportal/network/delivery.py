"""Delivery of the outbox: one call of ours reaches EnKash once, whatever fails on the way.

`deliver(message_id)` is what the worker's job runs:

1. In a short transaction it locks the OutboundMessage. A message that is already
   sent, answered or failed is left alone. One marked SENDING less than a call's
   length ago may be mid-call in another worker: the job comes back when that call
   must have ended. Otherwise it is marked SENDING (attempt counted) and committed.
2. It POSTs outside any transaction (no row lock or connection held during the call).
3. In a second short transaction it records a DeliveryAttempt per HTTP exchange and
   decides: 2xx -> SENT (the ack payload kept, an id it returns kept in
   `network_message_id`); 4xx -> FAILED, final, shown to staff (408/425/429 excepted);
   no answer or 5xx -> PENDING with the next job scheduled after an exponential
   backoff with jitter, until `retry_until` (ENKASH_RETRY_HORIZON_SECONDS after the
   first attempt), then FAILED. The retry job is deferred in that same transaction.

Every attempt carries the same reqMsgId (header `X-Request-Id` and `additionalInfos`)
and the same body. A worker killed after step 1 leaves the message SENDING and its
job "doing": `recover_stalled()` (a periodic job) puts such jobs back in the queue and
re-defers any open message left without a job, and the call is made again with the
same reqMsgId. EnKash may then see one request twice (if the first got through before
the kill); the stable reqMsgId is what lets it (and us, on its result) de-duplicate.
That is the only case of a repeat at HTTP level; two live workers never send one
message at once (row lock + state, and one procrastinate lock per message).
"""

import json
import logging
import random
import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from .client import ClientConfig, Exchange, get_client
from .models import DeliveryAttempt, OutboundMessage
from .tasks import DELIVER_TASK, defer_delivery, delivery_lock

logger = logging.getLogger(__name__)
State = OutboundMessage.State

# Keys of an ack's payload that may carry EnKash's own id for our request, in order.
ACK_ID_KEYS = ("msgId", "messageId", "ackId", "refId", "id")


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


def deliver(message_id: int) -> str:
    """Deliver one OutboundMessage (the worker's job); returns what happened, for logs."""
    now = timezone.now()
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            return "missing"
        if message.state not in (State.PENDING, State.SENDING):
            return "already " + message.state
        if message.state == State.SENDING:
            busy_until = message.updated_at + timedelta(seconds=_call_budget())
            if busy_until > now:
                defer_delivery(message.pk, schedule_at=busy_until)
                return "busy"
        message.state = State.SENDING
        message.attempt_count += 1
        message.next_attempt_at = None
        message.retry_until = message.retry_until or now + timedelta(
            seconds=settings.ENKASH_RETRY_HORIZON_SECONDS
        )
        message.save(update_fields=["state", "attempt_count", "next_attempt_at", "retry_until",
                                    "updated_at"])  # fmt: skip
    exchange = _post(message)
    return _record_outcome(message.pk, exchange)


def _call_budget() -> float:
    return ClientConfig.from_settings().call_budget + 1


def _post(message: OutboundMessage) -> Exchange:
    """The HTTP call; a misconfiguration becomes an error to retry on, not a crash."""
    try:
        return get_client().post(message.path, message.body, req_msg_id=message.req_msg_id)
    except Exception as exc:  # a bad setting must not strand the message in SENDING
        if isinstance(exc, ImproperlyConfigured):
            logger.warning("Outbound message %s not sent: %s", message.pk, exc)
        else:
            logger.exception("Outbound message %s could not be sent", message.pk)
        return Exchange(
            url=settings.ENKASH_BASE_URL + message.path,
            request_headers={"X-Request-Id": message.req_msg_id},
            request_body=json.dumps(message.body, ensure_ascii=False),
            started_at=time.time(),
            error=f"{type(exc).__name__}: {exc}",
        )


def _record_outcome(message_id: int, exchange: Exchange) -> str:
    now = timezone.now()
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().get(pk=message_id)
        DeliveryAttempt.objects.bulk_create(
            DeliveryAttempt(
                message=message,
                started_at=datetime.fromtimestamp(each.started_at, tz=UTC),
                url=each.url,
                request_headers=each.request_headers,
                request_body=each.request_body,
                status_code=each.status_code,
                response_body=each.response_body,
                latency_ms=each.latency_ms,
                error=each.error,
            )
            for each in exchange.chain()
        )
        if message.state != State.SENDING:
            # The network's result overtook our call's answer (or staff acted): keep
            # that state, only note what the call returned.
            if exchange.ok:
                _store_ack(message, exchange, now)
            message.save()
            return "recorded after " + message.state
        if exchange.ok:
            message.state = State.SENT
            message.last_error = ""
            _store_ack(message, exchange, now)
            outcome = "sent"
        elif not exchange.retryable:
            message.state = State.FAILED
            _store_refusal(message, exchange)
            outcome = "failed"
        else:
            message.last_error = _describe_failure(exchange)
            if message.retry_until and now >= message.retry_until:
                message.state = State.FAILED
                message.last_error += " (retry horizon reached)"
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


def _store_ack(message: OutboundMessage, exchange: Exchange, now) -> None:
    message.sent_at = message.sent_at or now
    message.ack_payload = exchange.payload
    inner = (exchange.payload or {}).get("payload")
    if isinstance(inner, dict) and not message.network_message_id:
        for key in ACK_ID_KEYS:
            value = inner.get(key)
            if isinstance(value, str | int) and str(value) and str(value) != message.req_msg_id:
                message.network_message_id = str(value)[:100]
                break


def _error_block(exchange: Exchange) -> dict:
    """The resp/error block of a refusal, wherever in the envelope EnKash put it."""
    data = exchange.payload or {}
    inner = data.get("payload") if isinstance(data.get("payload"), dict) else {}
    for candidate in (inner.get("resp"), data.get("resp"), inner, data):
        if isinstance(candidate, dict) and (candidate.get("errorCd") or candidate.get("errorDtl")):
            return candidate
    return {}


def _store_refusal(message: OutboundMessage, exchange: Exchange) -> None:
    error = _error_block(exchange)
    message.error_code = str(error.get("errorCd") or f"HTTP_{exchange.status_code}")[:64]
    message.error_detail = str(
        error.get("errorDtl")
        or (exchange.payload or {}).get("response_message")
        or exchange.response_body[:500]
    )
    message.error_field = str(error.get("errorField") or "")[:255]
    message.last_error = _describe_failure(exchange)


def _describe_failure(exchange: Exchange) -> str:
    if exchange.status_code is None:
        return exchange.error
    error = _error_block(exchange)
    detail = " ".join(str(error.get(k) or "") for k in ("errorCd", "errorDtl")).strip()
    return f"HTTP {exchange.status_code}" + (f": {detail}" if detail else "")


def retry(message: OutboundMessage, actor) -> OutboundMessage:
    """Staff's "retry now" for a failed message: same reqMsgId and body, a new retry window."""
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
        if message.state != State.FAILED:
            raise RetryRefused(f"Only failed messages can be retried; this one is {message.state}.")
        logger.info("Outbound message %s retried by %s", message.pk, actor)
        message.state = State.PENDING
        message.retry_until = timezone.now() + timedelta(
            seconds=settings.ENKASH_RETRY_HORIZON_SECONDS
        )
        message.next_attempt_at = None
        message.error_code = message.error_detail = message.error_field = ""
        message.last_error = f"Retry requested by {actor}" if actor else "Retry requested"
        message.save()
        defer_delivery(message.pk)
    return message


def requeue_stranded() -> list[int]:
    """Re-defer open messages that no queued or running job will deliver; returns their ids.

    A message is stranded when its job died with it (a crash after the job was marked
    failed, jobs deleted by hand, ...). Only messages untouched for the stalled-worker
    delay are considered, so a job that is just starting is never doubled.
    """
    from procrastinate.contrib.django.models import ProcrastinateJob

    cutoff = timezone.now() - timedelta(seconds=settings.ENKASH_STALLED_AFTER_SECONDS)
    candidates = list(
        OutboundMessage.objects.filter(
            state__in=(State.PENDING, State.SENDING), updated_at__lt=cutoff
        ).values_list("pk", flat=True)[:1000]
    )
    if not candidates:
        return []
    live = set(
        ProcrastinateJob.objects.filter(
            task_name=DELIVER_TASK,
            status__in=("todo", "doing"),
            lock__in=[delivery_lock(pk) for pk in candidates],
        ).values_list("lock", flat=True)
    )
    requeued = []
    for pk in candidates:
        if delivery_lock(pk) in live:
            continue
        with transaction.atomic():
            message = (
                OutboundMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, state__in=(State.PENDING, State.SENDING), updated_at__lt=cutoff)
                .first()
            )
            if message is None:
                continue
            defer_delivery(message.pk)
            requeued.append(message.pk)
    if requeued:
        logger.warning("Re-deferred stranded outbound messages: %s", requeued)
    return requeued
