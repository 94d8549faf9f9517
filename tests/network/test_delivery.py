"""Delivery: each decision reaches the sandbox EnKash once, through failures and crashes."""

import json
import os
import signal
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from b2bportal.network import delivery, outbox
from b2bportal.network.delivery import deliver, requeue_stranded, retry_delay
from b2bportal.network.jobs import DELIVER_TASK
from b2bportal.network.models import DeliveryAttempt, OutboundMessage
from b2bportal.sandbox.server import SandboxRefusal
from tests.live import wait_until

from .conftest import CONFIRM_PATH, confirmation_body

State = OutboundMessage.State


def queued_jobs(message):
    return list(
        ProcrastinateJob.objects.filter(
            task_name=DELIVER_TASK, args={"message_id": message.pk}, status="todo"
        ).values_list("scheduled_at", flat=True)
    )


# --- the job, run in-process ---------------------------------------------------------


@pytest.mark.django_db
def test_delivery_posts_once_and_records_the_ack(enkash, decide):
    message = decide()

    assert deliver(message.pk) == "sent"

    [received] = enkash.received
    assert received.path == CONFIRM_PATH
    assert received.req_msg_id == message.req_msg_id
    assert enkash.token_valid(received.bearer)
    assert received.body == message.body
    assert received.body["additionalInfos"] == [{"name": "reqMsgId", "value": message.req_msg_id}]
    message.refresh_from_db()
    assert message.state == State.SENT
    assert message.attempt_count == 1
    assert message.sent_at is not None
    assert message.ack_payload["payload"]["reqMsgId"] == message.req_msg_id
    assert message.network_message_id == message.ack_payload["payload"]["msgId"]
    [attempt] = message.attempts.all()
    assert attempt.url == enkash.url + CONFIRM_PATH
    assert attempt.status_code == 200
    assert attempt.error == ""
    assert attempt.request_headers == {
        "Content-Type": "application/json",
        "X-Request-Id": message.req_msg_id,
        "Authorization": "Bearer ****",
    }
    assert json.loads(attempt.request_body) == message.body
    assert json.loads(attempt.response_body) == message.ack_payload
    assert attempt.latency_ms > 0
    # Run again (a duplicate job): nothing more is sent.
    assert deliver(message.pk) == "already sent"
    assert len(enkash.received) == 1


@pytest.mark.django_db(transaction=True)
def test_an_accepted_call_costs_three_statements(enkash, decide):
    """Claim, attempt, outcome: each one statement, committed on its own (no BEGIN/COMMIT)."""
    from django.test.utils import CaptureQueriesContext

    message = decide()
    get_token_first = deliver(decide(confirmation_body("INV" + "B0" * 16)).pk)  # token fetched

    with CaptureQueriesContext(connection) as queries:
        assert deliver(message.pk) == "sent"

    assert get_token_first == "sent"
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["WITH", "INSERT", "WITH"]
    message.refresh_from_db()
    assert (message.state, message.attempt_count, message.last_error) == (State.SENT, 1, "")
    assert message.network_message_id == message.ack_payload["payload"]["msgId"]
    [attempt] = message.attempts.all()
    assert (attempt.status_code, attempt.error) == (200, "")
    assert attempt.completed_at is not None
    assert [r.req_msg_id for r in enkash.received].count(message.req_msg_id) == 1


@pytest.mark.django_db(transaction=True)
def test_a_batch_of_due_messages_costs_the_same_three_statements(enkash, decide, monkeypatch):
    """One job delivers its message and the due ones whose jobs no worker holds, at once."""
    from django.test.utils import CaptureQueriesContext

    first = decide(confirmation_body("INV" + "B0" * 16))
    deliver(first.pk)  # the token, fetched first
    ProcrastinateJob.objects.all().delete()  # its job, as a worker does (and earlier tests')
    own, *others = [decide(confirmation_body(f"INV{n:032d}")) for n in range(6)]
    running, later, beyond = decide(), decide(), decide()
    # A job of `running` is being run by a worker; `later` waits for its retry time.
    ProcrastinateJob.objects.filter(args={"message_id": running.pk}).update(status="doing")
    ProcrastinateJob.objects.filter(args={"message_id": later.pk}).update(
        scheduled_at=timezone.now() + timedelta(minutes=5)
    )
    enkash.clear()
    monkeypatch.setattr(delivery, "_statistics_refreshed_at", time.monotonic())  # not due

    with CaptureQueriesContext(connection) as queries:
        assert deliver(own.pk, batch_size=6) == "sent"

    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["WITH", "INSERT", "WITH"]
    batch = [own, *others]
    assert sorted(r.req_msg_id for r in enkash.received) == sorted(m.req_msg_id for m in batch)
    for message in batch:
        message.refresh_from_db()
        assert (message.state, message.attempt_count, message.last_error) == (State.SENT, 1, "")
        assert message.network_message_id == message.ack_payload["payload"]["msgId"]
        [attempt] = message.attempts.all()
        assert (attempt.status_code, attempt.error) == (200, "")
        assert json.loads(attempt.response_body) == message.ack_payload
        assert attempt.completed_at is not None
    # The others' jobs went with the batch (the own job is the worker's to finish).
    assert [queued_jobs(message) for message in others] == [[]] * 5
    # Left to their own jobs: the one running, the one not due, the one past the batch.
    assert [state_of(m) for m in (running, later, beyond)] == [State.PENDING] * 3
    assert len(queued_jobs(later)) == 1
    assert len(queued_jobs(beyond)) == 1


@pytest.mark.django_db
def test_a_batch_sends_each_message_once_and_records_each_outcome(enkash, decide):
    """A refusal and a 5xx in a batch take the locked path; the accepted ones are SENT."""
    own, refused, failing, accepted = [decide(confirmation_body(f"INV{n:032d}")) for n in range(4)]
    by_id = {own.req_msg_id: "ok", refused.req_msg_id: "refuse", failing.req_msg_id: "fail",
             accepted.req_msg_id: "ok"}  # fmt: skip

    def answer(received):
        if by_id[received.req_msg_id] == "refuse":
            raise SandboxRefusal("INVALID_OBJECT", "No such invoice", "objectId")
        if by_id[received.req_msg_id] == "fail":
            raise SandboxRefusal("DOWN", "Try later", status=503)
        return None

    enkash.on_request = answer

    assert deliver(own.pk, batch_size=10) == "sent"

    assert sorted(r.req_msg_id for r in enkash.received) == sorted(by_id)
    assert [state_of(m) for m in (own, refused, failing, accepted)] == [
        State.SENT, State.FAILED, State.PENDING, State.SENT
    ]  # fmt: skip
    refused.refresh_from_db()
    assert (refused.error_code, refused.error_field) == ("INVALID_OBJECT", "objectId")
    assert len(queued_jobs(failing)) == 1  # its retry, scheduled after a backoff
    assert queued_jobs(failing)[0] > timezone.now()
    assert deliver(own.pk, batch_size=10) == "already sent"
    assert len(enkash.received) == 4


@pytest.mark.django_db
def test_5xx_is_retried_later_with_the_same_request(enkash, decide):
    message = decide()
    enkash.faults.fail_next(1, status=503)

    assert deliver(message.pk) == "retry"

    message.refresh_from_db()
    assert message.state == State.PENDING
    assert message.last_error == "HTTP 503"
    assert message.next_attempt_at > timezone.now()
    assert queued_jobs(message)[-1] == message.next_attempt_at

    assert deliver(message.pk) == "sent"

    first, second = enkash.received
    assert (first.status, second.status) == (503, 200)
    assert first.req_msg_id == second.req_msg_id == message.req_msg_id
    assert first.raw == second.raw
    message.refresh_from_db()
    assert (message.state, message.attempt_count, message.last_error) == (State.SENT, 2, "")
    assert list(message.attempts.values_list("status_code", flat=True)) == [503, 200]


@pytest.mark.django_db
def test_4xx_fails_for_good_and_is_shown(enkash, decide):
    message = decide()
    enkash.faults.refuse_next(1, code="STALE_VERSION", detail="Version 1 is not current",
                              field="invoiceConfirmation.objectVersion")  # fmt: skip
    jobs_before = queued_jobs(message)

    assert deliver(message.pk) == "failed"

    message.refresh_from_db()
    assert message.state == State.FAILED
    assert message.error_code == "STALE_VERSION"
    assert message.error_detail == "Version 1 is not current"
    assert message.error_field == "invoiceConfirmation.objectVersion"
    assert message.last_error == "HTTP 400: STALE_VERSION Version 1 is not current"
    assert queued_jobs(message) == jobs_before  # no retry queued
    assert deliver(message.pk) == "already failed"
    assert len(enkash.received) == 1


@pytest.mark.django_db
def test_no_answer_past_the_horizon_fails(enkash, decide, settings):
    settings.ENKASH_RETRY_HORIZON_SECONDS = 0
    message = decide()
    enkash.stop()

    assert deliver(message.pk) == "gave up"

    message.refresh_from_db()
    assert message.state == State.FAILED
    assert message.last_error.startswith("token endpoint unreachable: ConnectError")
    assert message.last_error.endswith("(retry horizon reached)")
    [attempt] = message.attempts.all()
    assert attempt.status_code is None


@pytest.mark.django_db
def test_a_message_being_sent_elsewhere_is_left_alone(enkash, decide):
    message = decide()
    OutboundMessage.objects.filter(pk=message.pk).update(state=State.SENDING)

    assert deliver(message.pk) == "busy"

    assert enkash.received == []
    message.refresh_from_db()
    assert message.state == State.SENDING
    assert len(queued_jobs(message)) == 2  # the decision's, and one for after that call


@pytest.mark.django_db
def test_a_stranded_message_is_deferred_again(decide, settings):
    stranded, queued = decide(), decide()
    with connection.cursor() as cursor:  # its job is lost (e.g. deleted by hand)
        cursor.execute(
            "DELETE FROM procrastinate_jobs WHERE args->>'message_id' = %s", [str(stranded.pk)]
        )
    long_ago = timezone.now() - timedelta(minutes=5)
    OutboundMessage.objects.filter(pk__in=[stranded.pk, queued.pk]).update(updated_at=long_ago)

    assert requeue_stranded() == [stranded.pk]
    assert len(queued_jobs(stranded)) == 1
    assert len(queued_jobs(queued)) == 1


@pytest.mark.django_db
def test_stranded_messages_are_found_in_one_query(decide):
    """However many are stranded: one locking query finds them, then one job each."""
    from django.test.utils import CaptureQueriesContext

    stranded = [decide(confirmation_body(f"INV{n:032d}")) for n in range(4)]
    fresh, queued, done = decide(), decide(), decide()
    ProcrastinateJob.objects.exclude(args={"message_id": queued.pk}).delete()
    long_ago = timezone.now() - timedelta(minutes=5)
    OutboundMessage.objects.exclude(pk=fresh.pk).update(updated_at=long_ago)
    OutboundMessage.objects.filter(pk=stranded[1].pk).update(state=State.SENDING)
    OutboundMessage.objects.filter(pk=done.pk).update(state=State.SENT)

    with CaptureQueriesContext(connection) as queries:
        requeued = requeue_stranded()

    assert requeued == [m.pk for m in stranded]
    reads = [q["sql"] for q in queries.captured_queries if "network_outboundmessage" in q["sql"]]
    assert len(reads) == 1
    assert [len(queued_jobs(m)) for m in (*stranded, fresh, queued, done)] == [1] * 4 + [0, 1, 0]
    assert requeue_stranded() == []  # their jobs are queued now


def test_retry_delay_grows_and_is_capped(settings):
    settings.ENKASH_RETRY_BASE_SECONDS = 5
    settings.ENKASH_RETRY_MAX_DELAY_SECONDS = 1800
    for attempt, ceiling in [(1, 5), (2, 10), (3, 20), (10, 1800), (30, 1800)]:
        delays = [retry_delay(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1  # jittered


# --- real workers --------------------------------------------------------------------


def sent(*messages):
    states = OutboundMessage.objects.filter(pk__in=[m.pk for m in messages]).values_list(
        "state", flat=True
    )
    return set(states) == {State.SENT}


def state_of(message):
    return OutboundMessage.objects.values_list("state", flat=True).get(pk=message.pk)


class Abandoned(Exception):
    pass


def test_a_worker_delivers_a_decision_and_never_a_rolled_back_one(workers, enkash, decide):
    from procrastinate.contrib.django.models import ProcrastinateWorker

    workers()
    # The suite's first worker may take a while to start on a loaded machine: the
    # delivery is what is timed below, not the start.
    wait_until(lambda: ProcrastinateWorker.objects.exists(), 60)
    with pytest.raises(Abandoned), transaction.atomic():
        outbox.enqueue("invoice.confirm", confirmation_body("INV" + "R" * 32))
        raise Abandoned
    message = decide()

    wait_until(lambda: sent(message))

    time.sleep(0.5)
    [received] = enkash.received
    assert received.req_msg_id == message.req_msg_id
    assert received.body == message.body
    assert OutboundMessage.objects.count() == 1


def test_5xx_then_success_delivers_once(workers, enkash, decide):
    enkash.faults.fail_next(2, status=503)
    workers()
    message = decide()

    wait_until(lambda: sent(message))

    assert [r.status for r in enkash.received] == [503, 503, 200]
    assert {r.req_msg_id for r in enkash.received} == {message.req_msg_id}
    assert len({r.raw for r in enkash.received}) == 1
    assert DeliveryAttempt.objects.filter(message=message).count() == 3


def test_4xx_fails_without_retry(workers, enkash, decide):
    enkash.faults.refuse_next(1, code="INVALID_FIELD", field="invoiceConfirmation.buyerRemarks")
    workers()
    message = decide()

    wait_until(lambda: state_of(message) == State.FAILED)
    time.sleep(1.5)  # several retry delays: nothing more is sent

    assert [r.status for r in enkash.received] == [400]
    message.refresh_from_db()
    assert (message.error_code, message.error_field) == (
        "INVALID_FIELD",
        "invoiceConfirmation.buyerRemarks",
    )


def test_enkash_down_for_a_while_then_up_delivers_once(workers, enkash, decide):
    enkash.stop()
    workers()
    message = decide()
    # Three calls answered by nobody, and waiting to try again (an attempt is written
    # before its call, so the count alone may include one in flight).
    done = DeliveryAttempt.objects.filter(message=message, completed_at__isnull=False)
    # (60 s: a worker starts slowly on a busy machine.)
    wait_until(lambda: done.count() >= 3 and state_of(message) == State.PENDING, timeout=60)

    enkash.start()
    wait_until(lambda: sent(message))

    [received] = enkash.received
    assert (received.req_msg_id, received.status) == (message.req_msg_id, 200)


def test_a_worker_killed_mid_call_is_recovered_with_the_same_req_msg_id(
    workers, enkash, decide, settings
):
    settings.ENKASH_READ_TIMEOUT = 3.0  # the first worker waits; it is killed meanwhile
    first = workers(concurrency=1)
    enkash.faults.delay = 30.0
    message = decide()
    enkash.wait_for(1, timeout=20)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    enkash.faults.delay = 0.0
    assert state_of(message) == State.SENDING
    # The call in flight was recorded before it was made, and is still open.
    [in_flight] = message.attempts.all()
    assert (in_flight.status_code, in_flight.error, in_flight.completed_at) == (None, "", None)
    assert in_flight.outcome == "in flight"
    assert json.loads(in_flight.request_body) == message.body
    assert in_flight.request_headers["X-Request-Id"] == message.req_msg_id

    workers(concurrency=1)
    wait_until(lambda: sent(message), timeout=40)

    killed_call, recovered_call = enkash.received
    assert killed_call.req_msg_id == recovered_call.req_msg_id == message.req_msg_id
    assert killed_call.raw == recovered_call.raw
    assert recovered_call.status == 200
    message.refresh_from_db()
    assert message.attempt_count == 2
    # The killed call never came back: it shows as interrupted, the recovered one as 200.
    assert list(message.attempts.values_list("status_code", "error")) == [
        (None, "interrupted (no answer recorded)"),
        (200, ""),
    ]
    assert all(attempt.completed_at for attempt in message.attempts.all())


def test_two_workers_deliver_each_message_once(workers, enkash, decide):
    workers(concurrency=4)
    workers(concurrency=4)
    messages = [decide(confirmation_body(f"INV{n:032d}")) for n in range(40)]

    wait_until(lambda: sent(*messages), timeout=30)

    time.sleep(0.5)
    ids = [r.req_msg_id for r in enkash.received]
    assert sorted(ids) == sorted(m.req_msg_id for m in messages)
    assert DeliveryAttempt.objects.count() == 40


@pytest.mark.django_db
def test_an_expired_token_costs_one_refresh_and_both_exchanges_are_recorded(enkash, decide):
    first, second = decide(), decide()
    deliver(first.pk)
    enkash.expire_tokens()

    assert deliver(second.pk) == "sent"

    assert list(second.attempts.values_list("status_code", flat=True)) == [401, 200]
    assert enkash.tokens_issued == 2


@pytest.mark.django_db(transaction=True)
def test_a_result_that_overtakes_the_ack_is_kept(enkash, decide):
    """EnKash's resp-* may arrive before our call returns: the message stays answered."""
    from django.db import connection as thread_connection

    message = decide()

    def answer_before_acknowledging(received):
        try:  # runs in the sandbox's thread, on its own database connection
            outbox.record_result(message, {"reqMsgId": received.req_msg_id, "result": "SUCCESS"})
        finally:
            thread_connection.close()
        return {"msgId": "ENK-1"}

    enkash.on_request = answer_before_acknowledging

    assert deliver(message.pk) == "recorded after answered"

    message.refresh_from_db()
    assert (message.state, message.result) == (State.ANSWERED, "SUCCESS")
    assert message.network_message_id == "ENK-1"
    assert message.sent_at is not None
    assert list(message.attempts.values_list("status_code", flat=True)) == [200]


@pytest.mark.django_db
def test_without_a_base_url_the_message_waits_for_one(decide, settings):
    settings.ENKASH_BASE_URL = ""
    message = decide()

    assert deliver(message.pk) == "retry"

    message.refresh_from_db()
    assert message.state == State.PENDING
    assert message.last_error == "ImproperlyConfigured: ENKASH_BASE_URL is not set."


@pytest.mark.django_db
def test_the_jobs_waiting_or_running_are_indexed_by_lock():
    """procrastinate's fetch looks up each candidate's lock among the open jobs: indexed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes "
            "WHERE tablename = 'procrastinate_jobs' AND indexname = 'network_job_lock_open_idx'"
        )
        [(definition,)] = cursor.fetchall()
    assert definition.endswith(
        "(lock) WHERE (status = ANY (ARRAY['todo'::procrastinate_job_status, "
        "'doing'::procrastinate_job_status]))"
    )


@pytest.mark.django_db
def test_the_body_sent_is_the_stored_body_with_its_exact_digits():
    """`wire_text` writes what the exact (slow) encoder writes, from PostgreSQL's text."""
    from decimal import Decimal

    from b2bportal.network import jsonnumbers
    from b2bportal.network.delivery import wire_text

    body = {
        "amounts": [Decimal("12345678.90"), Decimal("0.00000015"), Decimal("-1.50"), 7, 10**20],
        "text": 'quote " backslash \\ newline \n tab \t bell \x07 rupee ₹ नमस्ते',
        "looks like a marker": ['"\\u00001.5\\u0000"', "ends \\u0000", "\\u0000 starts"],
        "nested": {"flag": True, "none": None, "empty": [], "obj": {}, "float": Decimal("1E+3")},
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::jsonb::text", [jsonnumbers.dumps(body)])
        [(stored,)] = cursor.fetchall()

    assert wire_text(stored) == jsonnumbers.dumps(jsonnumbers.loads(stored))
    assert '"amounts":[12345678.90,0.00000015,-1.50,7,100000000000000000000]' in wire_text(stored)
    assert jsonnumbers.loads(wire_text(stored)) == body


@pytest.mark.django_db(transaction=True)
def test_two_batches_claimed_at_once_share_the_due_messages_and_send_each_once(enkash, decide):
    """Each of two jobs run together takes its own message and others no one holds."""
    import threading

    deliver(decide(confirmation_body("INV" + "B0" * 16)).pk)  # the token, fetched first
    ProcrastinateJob.objects.all().delete()
    messages = [decide(confirmation_body(f"INV{n:032d}")) for n in range(8)]
    first, second = messages[0], messages[-1]
    for message in (first, second):  # their jobs fetched by two workers, as a worker does
        ProcrastinateJob.objects.filter(args={"message_id": message.pk}).update(status="doing")
    enkash.clear()
    enkash.faults.delay = 0.3  # both batches' calls in flight together
    outcomes = {}

    def job(message):
        try:
            outcomes[message.pk] = deliver(message.pk, batch_size=4)
        finally:
            connection.close()

    threads = [threading.Thread(target=job, args=(m,)) for m in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes == {first.pk: "sent", second.pk: "sent"}
    assert sorted(r.req_msg_id for r in enkash.received) == sorted(m.req_msg_id for m in messages)
    assert [state_of(m) for m in messages] == [State.SENT] * 8
    assert [m.attempts.count() for m in messages] == [1] * 8
    # Every other message's job went with one batch or the other (the own jobs stay).
    others = messages[1:-1]
    assert [queued_jobs(m) for m in others] == [[]] * 6


@pytest.mark.django_db(transaction=True)
def test_a_full_batch_refreshes_the_job_tables_statistics_at_most_every_30_s(
    enkash, decide, monkeypatch
):
    """A deep queue gets the job fetch planned for what is queued, not an empty table."""
    deliver(decide(confirmation_body("INV" + "B0" * 16)).pk)  # the token, fetched first
    ProcrastinateJob.objects.all().delete()
    messages = [decide(confirmation_body(f"INV{n:032d}")) for n in range(12)]
    monkeypatch.setattr(delivery, "_statistics_refreshed_at", None)
    enkash.clear()

    def jobs_by_statistics():
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'procrastinate_jobs'")
            return cursor.fetchone()[0]

    assert deliver(messages[0].pk, batch_size=4) == "sent"  # a full batch: 3 jobs taken
    assert jobs_by_statistics() == 9
    assert deliver(messages[4].pk, batch_size=4) == "sent"  # again, within 30 s
    assert jobs_by_statistics() == 9
    monkeypatch.setattr(delivery, "_statistics_refreshed_at", time.monotonic() - 31)
    assert deliver(messages[8].pk, batch_size=2) == "sent"  # 30 s later
    assert jobs_by_statistics() == 5
    assert deliver(messages[10].pk, batch_size=4) == "sent"  # within 30 s of that one
    assert jobs_by_statistics() == 5
    assert [state_of(m) for m in messages] == [State.SENT] * 11 + [State.PENDING]
    assert sorted(r.req_msg_id for r in enkash.received) == sorted(
        m.req_msg_id for m in messages[:11]
    )
