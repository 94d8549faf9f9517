"""EnKash's answer to our call is read from its envelope, not only its HTTP status.

Against the sandbox EnKash over real HTTP: a 200 that refuses is a refusal, an answer
that is not the envelope is a refusal with its body kept, and 5xx is still retried.
"""

import json

import pytest
from procrastinate.contrib.django.models import ProcrastinateJob

from b2bportal.network import outbox
from b2bportal.network.delivery import deliver
from b2bportal.network.messages import ACTIONS_BY_NAME
from b2bportal.network.models import OutboundMessage
from b2bportal.network.tasks import DELIVER_TASK

State = OutboundMessage.State
pytestmark = pytest.mark.django_db


def queued_jobs(message) -> int:
    return ProcrastinateJob.objects.filter(
        task_name=DELIVER_TASK, args={"message_id": message.pk}, status="todo"
    ).count()


def test_http_200_with_a_non_zero_response_code_is_a_refusal(enkash, decide):
    message = decide()
    enkash.faults.refuse_next(
        1,
        code="STALE_VERSION",
        detail="Version 1 is not the network's",
        field="invoiceConfirmation.objectVersion",
        status=200,
    )
    jobs_before = queued_jobs(message)

    assert deliver(message.pk) == "failed"

    message.refresh_from_db()
    assert message.state == State.FAILED
    assert (message.error_code, message.error_detail, message.error_field) == (
        "STALE_VERSION",
        "Version 1 is not the network's",
        "invoiceConfirmation.objectVersion",
    )
    assert message.last_error == "HTTP 200: STALE_VERSION Version 1 is not the network's"
    assert message.sent_at is None and message.ack_payload is None
    assert queued_jobs(message) == jobs_before  # final: no retry
    assert [r.status for r in enkash.received] == [200]


def test_response_code_0_whose_resp_result_is_not_success_is_a_refusal(enkash, decide):
    message = decide()
    enkash.on_request = lambda received: {
        "resp": {"reqMsgId": received.req_msg_id, "result": "FAILURE", "errorCd": "B2B_ID_MISMATCH",
                 "errorDtl": "Buyer is not registered", "errorField": "b2bIds.buyerB2BId"},
    }  # fmt: skip

    assert deliver(message.pk) == "failed"

    message.refresh_from_db()
    assert (message.state, message.error_code, message.error_detail, message.error_field) == (
        State.FAILED,
        "B2B_ID_MISMATCH",
        "Buyer is not registered",
        "b2bIds.buyerB2BId",
    )


def test_an_answer_that_is_not_json_is_a_refusal_with_its_body_kept(enkash, decide):
    message = decide()
    enkash.faults.garble_next(1, status=200, raw=b"<html><h1>Gateway says hello</h1></html>")

    assert deliver(message.pk) == "failed"

    message.refresh_from_db()
    assert message.state == State.FAILED
    assert message.error_code == "NOT_AN_ENVELOPE"
    assert message.error_detail == "<html><h1>Gateway says hello</h1></html>"
    assert message.last_error == "HTTP 200: the answer is not EnKash's envelope"
    [attempt] = message.attempts.all()
    assert (attempt.status_code, attempt.response_body) == (
        200,
        "<html><h1>Gateway says hello</h1></html>",
    )
    assert attempt.completed_at is not None


def test_json_that_is_not_the_envelope_is_a_refusal_with_its_body_kept(enkash, decide):
    message = decide()
    enkash.faults.garble_next(1, status=200, raw=b'{"status": "ok"}')

    assert deliver(message.pk) == "failed"

    message.refresh_from_db()
    assert (message.state, message.error_code, message.error_detail) == (
        State.FAILED,
        "NOT_AN_ENVELOPE",
        '{"status": "ok"}',
    )


def test_a_5xx_that_is_not_json_is_still_retried(enkash, decide):
    message = decide()
    enkash.faults.garble_next(1, status=502, raw=b"Bad gateway")

    assert deliver(message.pk) == "retry"
    message.refresh_from_db()
    assert (message.state, message.last_error) == (State.PENDING, "HTTP 502")

    assert deliver(message.pk) == "sent"
    message.refresh_from_db()
    assert message.state == State.SENT
    assert [json.loads(a.request_body) for a in message.attempts.all()] == [message.body] * 2


# --- results find their request ------------------------------------------------------


def confirm_with_versions(current, new) -> dict:
    from .conftest import confirmation_body

    body = confirmation_body()
    body["invoiceConfirmation"]["objectVersion"] = {"currentVersion": current, "newVersion": new}
    return body


@pytest.mark.parametrize("echoed", [(0, 0), ("0", "0")])
def test_a_result_without_our_id_is_matched_by_the_version_pair_0_0(decide, echoed):
    other = decide(confirm_with_versions(1, 1))
    ours = decide(confirm_with_versions(0, 0), object_version=0)
    block = dict(ours.body["invoiceConfirmation"])
    block["objectVersion"] = {"currentVersion": echoed[0], "newVersion": echoed[1]}

    found = outbox.match_result(
        ACTIONS_BY_NAME["invoice.confirm"], {"resp": {}, "invoiceConfirmation": block}
    )

    assert found == ours != other


@pytest.mark.parametrize("echoed", [(2, 2), (1, 2), ("²", "²")])
def test_a_result_naming_a_version_pair_we_never_sent_matches_nothing(decide, echoed):
    sent = decide(confirm_with_versions(1, 1))
    block = dict(sent.body["invoiceConfirmation"])
    block["objectVersion"] = {"currentVersion": echoed[0], "newVersion": echoed[1]}

    found = outbox.match_result(
        ACTIONS_BY_NAME["invoice.confirm"], {"resp": {}, "invoiceConfirmation": block}
    )

    assert found is None


def test_a_late_result_never_overwrites_the_recorded_one(decide):
    message = decide()
    assert outbox.record_result(message, {"reqMsgId": message.req_msg_id, "result": "SUCCESS"})
    message.refresh_from_db()
    first = (message.state, message.result, message.answered_at)

    late = {"reqMsgId": message.req_msg_id, "result": "FAILURE", "errorCd": "DUPLICATE_REQUEST"}
    assert outbox.record_result(message, late) is False

    message.refresh_from_db()
    assert (message.state, message.result, message.answered_at, message.error_code) == (*first, "")


def test_the_sandbox_refuse_200_fault_refuses_inside_a_200(enkash, decide):
    from b2bportal.sandbox.faults import FaultPlan

    FaultPlan.parse("refuse_200=1").apply_to(enkash)
    message = decide()

    assert deliver(message.pk) == "failed"

    assert [r.status for r in enkash.received] == [200]
    message.refresh_from_db()
    assert (message.state, message.error_code, message.error_detail) == (
        State.FAILED,
        "INVALID_FIELD",
        "Refused by the sandbox",
    )
