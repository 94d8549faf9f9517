"""The admin list of outbound messages: attempts inline, filters, read-only, retry now."""

import pytest
from django.urls import reverse

from b2bportal.network.delivery import deliver
from b2bportal.network.models import OutboundMessage

from .conftest import confirmation_body

pytestmark = pytest.mark.django_db

LIST = "admin:network_outboundmessage_changelist"


def test_the_list_filters_by_state_type_and_document(admin_client, enkash, decide):
    sent = decide(confirmation_body("INV" + "S" * 32))
    deliver(sent.pk)
    waiting = decide(confirmation_body("INV" + "W" * 32))

    def listed(**query):
        response = admin_client.get(reverse(LIST), query)
        assert response.status_code == 200
        return sorted(m.pk for m in response.context["cl"].result_list)

    assert listed() == sorted([sent.pk, waiting.pk])
    assert listed(state__exact="sent") == [sent.pk]
    assert listed(message_type="invoice.confirm") == sorted([sent.pk, waiting.pk])
    assert listed(message_type="invoice.send") == []
    assert listed(document="INV" + "W" * 32) == [waiting.pk]


def test_the_page_shows_the_attempts_and_is_read_only(admin_client, enkash, decide):
    message = decide()
    enkash.faults.fail_next(1)
    deliver(message.pk)
    deliver(message.pk)

    response = admin_client.get(reverse("admin:network_outboundmessage_change", args=[message.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("Bearer ****") == 2
    assert message.req_msg_id in page
    assert 'name="_save"' not in page
    assert admin_client.post(reverse("admin:network_outboundmessage_delete", args=[message.pk]))
    assert OutboundMessage.objects.filter(pk=message.pk).exists()


def test_retry_now_sends_a_failed_message_again(admin_client, enkash, decide):
    message = decide()
    enkash.faults.refuse_next(1, code="BUSY", detail="Try later")
    deliver(message.pk)

    response = admin_client.post(
        reverse(LIST), {"action": "retry_selected", "_selected_action": [message.pk]}
    )

    assert response.status_code == 302
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.PENDING
    assert deliver(message.pk) == "sent"
    first, second = enkash.received
    assert (first.status, second.status) == (400, 200)
    assert first.req_msg_id == second.req_msg_id == message.req_msg_id


def test_retry_now_leaves_a_sent_message_alone(admin_client, enkash, decide):
    message = decide()
    deliver(message.pk)

    admin_client.post(reverse(LIST), {"action": "retry_selected", "_selected_action": [message.pk]})

    message.refresh_from_db()
    assert message.state == OutboundMessage.State.SENT
    assert len(enkash.received) == 1


def test_retry_now_is_offered_only_on_a_message_that_can_be_retried(admin_client, enkash, decide):
    sent = decide(confirmation_body("INV" + "S" * 32))
    deliver(sent.pk)
    failed = decide(confirmation_body("INV" + "F" * 32))
    enkash.faults.refuse_next(1, code="BUSY", detail="Try later")
    deliver(failed.pk)
    retry_url = reverse("admin:network_outboundmessage_retry_this", args=[failed.pk])

    def page(message):
        url = reverse("admin:network_outboundmessage_change", args=[message.pk])
        return admin_client.get(url).content.decode()

    assert "Retry now" not in page(sent)
    assert "Retry now" in page(failed) and retry_url in page(failed)


def test_an_attempt_names_its_message_not_two_ids_read_as_a_count(enkash, decide):
    message = decide()
    deliver(message.pk)
    attempt = message.attempts.get()
    assert str(attempt) == (
        f"message #{message.pk}, call at {attempt.started_at:%H:%M:%S} UTC: {attempt.outcome}"
    )
