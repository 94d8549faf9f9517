"""The outbox: a decision's call and its job commit or roll back together; results land on it."""

import pytest
from django.db import transaction
from procrastinate.contrib.django.models import ProcrastinateJob

from b2bportal.network import outbox
from b2bportal.network.delivery import RetryRefused, retry
from b2bportal.network.jobs import DELIVER_TASK, delivery_lock
from b2bportal.network.models import OutboundMessage
from b2bportal.network.wire import carried_req_msg_ids, first_carried_req_msg_id

from .conftest import confirmation_body

pytestmark = pytest.mark.django_db(transaction=True)


def jobs():
    return list(
        ProcrastinateJob.objects.filter(task_name=DELIVER_TASK).values_list(
            "args", "queue_name", "lock", "status"
        )
    )


@pytest.fixture(autouse=True)
def no_jobs():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")


class Abandoned(Exception):
    pass


def test_a_committed_decision_leaves_the_message_and_its_job():
    with transaction.atomic():
        message = outbox.enqueue("invoice.confirm", confirmation_body(), object_id="INV1")

    message.refresh_from_db()
    assert message.state == OutboundMessage.State.PENDING
    assert message.path == "/api/v0/invoice/req-confirm-invoice"
    assert len(message.req_msg_id) == 32
    assert message.body["additionalInfos"] == [{"name": "reqMsgId", "value": message.req_msg_id}]
    assert jobs() == [({"message_id": message.pk}, "outbound", delivery_lock(message.pk), "todo")]


def test_a_rolled_back_decision_leaves_neither_message_nor_job():
    with pytest.raises(Abandoned), transaction.atomic():
        outbox.enqueue("invoice.confirm", confirmation_body(), object_id="INV1")
        raise Abandoned

    assert OutboundMessage.objects.count() == 0
    assert jobs() == []


def test_enqueue_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        outbox.enqueue("invoice.confirm", confirmation_body())

    assert OutboundMessage.objects.count() == 0
    assert jobs() == []


def test_retry_is_for_failed_messages_only(decide):
    message = decide()

    with pytest.raises(RetryRefused):
        retry(message, actor=None)

    message.refresh_from_db()
    assert message.state == OutboundMessage.State.PENDING
    assert len(jobs()) == 1


def test_retry_of_a_failed_message_queues_it_again_with_the_same_id(decide):
    message = decide()
    OutboundMessage.objects.filter(pk=message.pk).update(
        state=OutboundMessage.State.FAILED, error_code="STALE", error_detail="old version"
    )
    retry(message, actor="reviewer")  # the first job stays; a new one is queued

    message.refresh_from_db()
    assert message.state == OutboundMessage.State.PENDING
    assert (message.error_code, message.error_detail) == ("", "")
    assert message.last_error == "Retry requested by reviewer"
    assert message.retry_until is not None
    assert [job[0] for job in jobs()] == [{"message_id": message.pk}] * 2


def result_body(req_msg_id: str, result: str = "SUCCESS", **error) -> dict:
    return {
        "resp": {
            "reqMsgId": req_msg_id,
            "result": result,
            "errorCd": error.get("code", ""),
            "errorDtl": error.get("detail", ""),
            "errorField": error.get("field", ""),
        },
        "invoiceConfirmation": confirmation_body()["invoiceConfirmation"],
    }


RESULT_PATH = "/api/v0/invoice/resp-confirm-invoice"


def test_a_success_result_lands_on_its_message(decide, post_webhook, handle):
    message = decide()
    handler = handle("invoice.confirm.result")

    response = post_webhook(RESULT_PATH, result_body(message.req_msg_id))

    assert response.status_code == 200
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.ANSWERED
    assert message.result == "SUCCESS"
    assert (message.error_code, message.error_detail, message.error_field) == ("", "", "")
    assert message.answered_at is not None
    assert [call.answers.pk for call in handler.calls] == [message.pk]
    assert list(message.results.values_list("outcome", flat=True)) == ["processed"]


def test_a_failure_result_lands_on_its_message(decide, post_webhook, handle):
    message = decide()
    handle("invoice.confirm.result")
    body = result_body(message.req_msg_id, "FAILURE", code="INVALID_STATE",
                       detail="Invoice is not awaiting the buyer",
                       field="invoiceConfirmation.statusTransition")  # fmt: skip

    response = post_webhook(RESULT_PATH, body)

    assert response.status_code == 200
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.ANSWERED
    assert message.result == "FAILURE"
    assert message.error_code == "INVALID_STATE"
    assert message.error_detail == "Invoice is not awaiting the buyer"
    assert message.error_field == "invoiceConfirmation.statusTransition"


def test_a_result_is_matched_by_object_and_version_without_req_msg_id(decide):
    message = decide()
    from b2bportal.network.messages import ACTIONS_BY_NAME

    body = result_body("")
    found = outbox.match_result(ACTIONS_BY_NAME["invoice.confirm"], body)
    outbox.record_result(found, body["resp"])

    assert found.pk == message.pk
    message.refresh_from_db()
    assert (message.state, message.result) == (OutboundMessage.State.ANSWERED, "SUCCESS")


def test_a_result_is_matched_by_the_id_enkash_acknowledged_and_our_own_id_wins(decide):
    from b2bportal.network.messages import ACTIONS_BY_NAME

    action = ACTIONS_BY_NAME["invoice.confirm"]
    first, second = decide(), decide()
    OutboundMessage.objects.filter(pk=first.pk).update(network_message_id="ENK-77")
    # EnKash's ack id finds the first; the second's own reqMsgId finds the second, even
    # when (by a coincidence of ids) the first was acknowledged under that same id.
    assert outbox.match_result(action, result_body("ENK-77")).pk == first.pk
    OutboundMessage.objects.filter(pk=first.pk).update(network_message_id=second.req_msg_id)
    assert outbox.match_result(action, result_body(second.req_msg_id)).pk == second.pk
    assert outbox.match_result(action, {"resp": {"reqMsgId": "nobody"}}) is None


def test_retry_outbound_command_queues_failed_messages_again(decide):
    from io import StringIO

    from django.core.management import call_command

    failed, pending = decide(), decide()
    OutboundMessage.objects.filter(pk=failed.pk).update(state=OutboundMessage.State.FAILED)
    out = StringIO()

    call_command("retry_outbound", "--all-failed", "--type", "invoice.confirm", stdout=out)

    assert out.getvalue() == "Queued 1 message(s) again.\n"
    failed.refresh_from_db()
    pending.refresh_from_db()
    assert (failed.state, pending.state) == (OutboundMessage.State.PENDING,) * 2
    assert failed.last_error == "Retry requested by retry_outbound command"


def test_retry_outbound_command_names_ids_that_do_not_exist(decide):
    from django.core.management import CommandError, call_command

    message = decide()
    OutboundMessage.objects.filter(pk=message.pk).update(state=OutboundMessage.State.FAILED)

    with pytest.raises(CommandError, match=r"No outbound message with id \[999999\]"):
        call_command("retry_outbound", str(message.pk), "999999")

    message.refresh_from_db()
    assert message.state == OutboundMessage.State.FAILED  # nothing queued


def test_the_carried_req_msg_ids_are_read_in_one_order():
    """The resp block's, then additionalInfos' (either spelling), then the header's; each once."""
    body = {
        "resp": {"reqMsgId": "r" * 32},
        "additionalInfo": [{"name": "reqMsgId", "value": "a" * 32}],
    }
    headers = {"x-request-id": "h" * 32}

    assert carried_req_msg_ids(body, headers) == ["r" * 32, "a" * 32, "h" * 32]
    assert first_carried_req_msg_id(body, headers) == "r" * 32
    assert carried_req_msg_ids({"resp": {"reqMsgId": 7}}, {"X-Request-Id": "7"}) == ["7"]
    assert carried_req_msg_ids({"resp": {"reqMsgId": "x" * 150}}, {}) == ["x" * 100]
    assert carried_req_msg_ids({"resp": "not a block", "additionalInfos": [{"name": "reqMsgId",
                                "value": ""}]}, {}) == []  # fmt: skip
    assert first_carried_req_msg_id({}, {}) == ""
