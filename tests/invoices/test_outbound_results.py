# ruff: noqa: F811  (fixtures imported from other modules are test arguments here)
"""Our requests and the network's results of them, as an invoice lives them.

A refusal in a 200 returns the invoice to where it was; a result finds its request
wherever it carries our reqMsgId, or by the version pair we sent; a result that
finds none is kept and staff attach it; a request whose result is late is overdue,
sent again or given up; a late repeat of a result never rewrites the first; our
requests carry each business's GEOCODE. Calls go to the sandbox EnKash over HTTP.
"""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from b2bportal.network.delivery import RetryRefused, deliver, retry
from b2bportal.network.handling import Rejected
from b2bportal.network.models import InboundMessage, OutboundMessage
from invoices import services
from invoices.choices import Status
from tests.fixtures import invoices as data
from tests.network.conftest import enkash  # noqa: F401  (the sandbox EnKash, on a free port)

from .conftest import CONFIRM_RESULT, SEND_RESULT, WEBHOOK_TOKEN, decision_state, detail
from .test_supplier_side import ours  # noqa: F401  (our own CREATED invoice)

State = OutboundMessage.State
pytestmark = pytest.mark.django_db

ACCEPTED = {"statusTransition": {"currentStatus": "SENT_TO_BUYER", "newStatus": "ACCEPTED"}}


def history(invoice) -> list[tuple]:
    return list(
        invoice.status_changes.order_by("at", "id").values_list(
            "kind", "to_status", "source", "actor__username", "remarks"
        )
    )


def accept(invoice, staff) -> OutboundMessage:
    return services.confirm(
        invoice, "ACCEPT", "Goods received in full", actor=staff["reviewer"], expected_version=1
    )


def post_result(client, path: str, body: dict, headers: dict | None = None):
    return client.generic(
        "POST",
        path,
        json.dumps(body).encode(),
        content_type="application/json",
        headers={"X-Webhook-Token": WEBHOOK_TOKEN, **(headers or {})},
    )


def make_overdue(message, settings) -> None:
    settings.ENKASH_RESULT_OVERDUE_SECONDS = 3600
    late = timezone.now() - timedelta(seconds=3601)
    OutboundMessage.objects.filter(pk=message.pk).update(sent_at=late)


# -- 1. the answer is read from its envelope ----------------------------------------------


def test_a_refusal_in_a_200_leaves_the_invoice_as_it_was_and_staff_decide_again(
    received, staff, enkash
):
    message = accept(received, staff)
    enkash.faults.refuse_next(
        1,
        code="STALE_VERSION",
        detail="Version 1 is not the network's",
        field="invoiceConfirmation.objectVersion",
        status=200,
    )

    assert deliver(message.pk) == "failed"

    received.refresh_from_db()
    assert (received.status, received.pending_message_id, received.pending_status) == (
        Status.SENT_TO_BUYER,
        None,
        "",
    )
    assert not services.is_pending(received)
    assert (received.last_error_code, received.last_error_detail, received.last_error_field) == (
        "STALE_VERSION",
        "Version 1 is not the network's",
        "invoiceConfirmation.objectVersion",
    )
    assert history(received) == [
        ("applied", "SENT_TO_BUYER", "network", None, ""),
        ("requested", "ACCEPTED", "staff", "reviewer", "Goods received in full"),
        ("refused", "SENT_TO_BUYER", "network", "reviewer", "Version 1 is not the network's"),
    ]
    assert received.status_changes.get(kind="refused").outbound_message_id == message.pk
    again = services.confirm(
        received, "REJECT", "Rate differs from PO", actor=staff["reviewer"], expected_version=1
    )
    assert again.pk != message.pk


def test_no_answer_until_the_retry_horizon_returns_the_invoice(received, staff, enkash, settings):
    settings.ENKASH_RETRY_HORIZON_SECONDS = 0
    message = accept(received, staff)
    enkash.stop()

    assert deliver(message.pk) == "gave up"

    received.refresh_from_db()
    assert (received.status, received.pending_message_id, received.last_error_code) == (
        Status.SENT_TO_BUYER,
        None,
        "NO_ANSWER",
    )
    assert history(received)[-1][:3] == ("refused", "SENT_TO_BUYER", "network")


def test_a_failed_request_of_an_invoice_is_not_retried_from_the_outbox(received, staff, enkash):
    message = accept(received, staff)
    enkash.faults.refuse_next(1, code="INVALID_FIELD")
    assert deliver(message.pk) == "failed"
    before = decision_state(received)

    with pytest.raises(RetryRefused):
        retry(OutboundMessage.objects.get(pk=message.pk), actor="admin")

    assert decision_state(received) == before
    assert OutboundMessage.objects.get(pk=message.pk).state == State.FAILED
    assert len(enkash.received) == 1


def test_an_edit_refused_in_a_200_keeps_the_applied_version(ours, staff, enkash, webhook):
    sent = services.send_invoice(ours, actor=staff["admin"])
    assert webhook(SEND_RESULT, data.result(sent.req_msg_id, "invoice", {})).status_code == 200
    ours.refresh_from_db()
    from .test_supplier_side import invoice_data

    message = services.edit_invoice(
        ours, invoice_data(supplier_invoice_number="KEW/INV/26-27/0012A"), actor=staff["admin"]
    )
    enkash.faults.garble_next(1, status=200, raw=b"<html>Maintenance</html>")

    assert deliver(message.pk) == "failed"

    ours.refresh_from_db()
    assert (ours.version, ours.supplier_invoice_number, ours.pending_message_id) == (
        1,
        "KEW/INV/26-27/0012",
        None,
    )
    assert list(ours.versions.values_list("number", "state")) == [(1, "applied"), (2, "refused")]
    assert (ours.last_error_code, ours.last_error_detail) == (
        "NOT_AN_ENVELOPE",
        "<html>Maintenance</html>",
    )


# -- 2. results always find their request ---------------------------------------------------


def test_a_result_carrying_our_id_only_in_the_x_request_id_header_is_matched(
    received, staff, enkash, client, webhook
):
    message = accept(received, staff)
    assert deliver(message.pk) == "sent"
    body = {"resp": {"result": "SUCCESS"}, "invoiceConfirmation": ACCEPTED}

    response = post_result(client, CONFIRM_RESULT, body, {"X-Request-Id": message.req_msg_id})

    assert response.status_code == 200, response.content
    received.refresh_from_db()
    assert (received.status, received.pending_message_id) == (Status.ACCEPTED, None)
    inbound = InboundMessage.objects.get(path=CONFIRM_RESULT)
    assert (inbound.outcome, inbound.answers_id) == ("processed", message.pk)


def test_a_result_carrying_our_id_only_in_additional_info_is_matched(
    received, staff, enkash, client, webhook
):
    message = accept(received, staff)
    assert deliver(message.pk) == "sent"
    body = {
        "resp": {"reqMsgId": "", "result": "SUCCESS"},
        "invoiceConfirmation": ACCEPTED,
        "additionalInfo": [{"name": "reqMsgId", "value": message.req_msg_id}],
    }

    assert post_result(client, CONFIRM_RESULT, body).status_code == 200

    received.refresh_from_db()
    assert received.status == Status.ACCEPTED
    message.refresh_from_db()
    assert (message.state, message.result) == (State.ANSWERED, "SUCCESS")


def test_a_send_result_without_our_id_is_matched_by_the_version_pair_we_sent(
    ours,
    staff,
    enkash,
    client,
    webhook,
):
    message = services.send_invoice(ours, actor=staff["admin"])
    assert message.body["invoice"]["objectVersion"] == {"currentVersion": 0, "newVersion": 1}
    assert deliver(message.pk) == "sent"
    body = {
        "resp": {"result": "SUCCESS"},
        "invoice": {
            "objectId": ours.object_id,
            "objectVersion": {"currentVersion": 0, "newVersion": 1},
            "statusTransition": {"currentStatus": "CREATED", "newStatus": "SENT_TO_BUYER"},
        },
    }

    assert post_result(client, SEND_RESULT, body).status_code == 200

    ours.refresh_from_db()
    assert (ours.status, ours.pending_message_id) == (Status.SENT_TO_BUYER, None)
    assert InboundMessage.objects.get(path=SEND_RESULT).answers_id == message.pk


def test_an_unmatched_result_is_kept_listed_and_attached_by_staff(
    received, staff, enkash, client, webhook, login
):
    message = accept(received, staff)
    assert deliver(message.pk) == "sent"
    body = {"resp": {"reqMsgId": "0" * 32, "result": "SUCCESS"}, "invoiceConfirmation": ACCEPTED}

    assert post_result(client, CONFIRM_RESULT, body).status_code == 200

    inbound = InboundMessage.objects.get(path=CONFIRM_RESULT)
    assert (inbound.outcome, inbound.answers_id) == ("unmatched", None)
    received.refresh_from_db()
    assert received.pending_message_id == message.pk  # nothing applied yet
    admin = login("admin")
    assert '<strong class="unmatched-results">1</strong>' in admin.get("/admin/").content.decode()
    listed = admin.get("/admin/network/inboundmessage/?outcome__exact=unmatched")
    assert listed.status_code == 200
    assert f"/admin/network/inboundmessage/{inbound.pk}/change/" in listed.content.decode()

    attach_url = f"/admin/network/inboundmessage/{inbound.pk}/attach/"
    form = admin.get(attach_url)
    assert form.status_code == 200
    assert f'value="{message.pk}"' in form.content.decode()
    from .conftest import csrf_of

    response = admin.post(attach_url, {"request": message.pk, "csrfmiddlewaretoken": csrf_of(form)})

    assert response.status_code == 302
    inbound.refresh_from_db()
    assert (inbound.outcome, inbound.answers_id) == ("processed", message.pk)
    assert inbound.history[-1]["via"] == "attach" and inbound.history[-1]["by"] == "admin"
    received.refresh_from_db()
    assert (received.status, received.pending_message_id) == (Status.ACCEPTED, None)
    message.refresh_from_db()
    assert (message.state, message.result) == (State.ANSWERED, "SUCCESS")
    assert history(received)[-1] == (
        "applied",
        "ACCEPTED",
        "staff",
        "reviewer",
        "Goods received in full",
    )


def test_attaching_needs_the_reprocess_permission(received, staff, enkash, client, login):
    message = accept(received, staff)
    body = {"resp": {"reqMsgId": "0" * 32, "result": "SUCCESS"}}
    assert post_result(client, CONFIRM_RESULT, body).status_code == 200
    inbound = InboundMessage.objects.get(path=CONFIRM_RESULT)

    auditor = login("auditor")
    response = auditor.post(f"/admin/network/inboundmessage/{inbound.pk}/attach/",
                            {"request": message.pk})  # fmt: skip

    assert response.status_code == 403
    inbound.refresh_from_db()
    assert (inbound.outcome, inbound.answers_id) == ("unmatched", None)


# -- 3. overdue at the network: send again, give up ----------------------------------------


def test_an_overdue_request_is_listed_and_sent_again_with_the_same_req_msg_id(
    received, staff, enkash, settings
):
    message = accept(received, staff)
    assert deliver(message.pk) == "sent"
    settings.ENKASH_RESULT_OVERDUE_SECONDS = 3600
    assert list(OutboundMessage.objects.overdue()) == []
    make_overdue(message, settings)
    assert list(OutboundMessage.objects.overdue()) == [message]

    services.send_request_again(received, actor=staff["reviewer"])

    message.refresh_from_db()
    assert (message.state, message.sent_at) == (State.PENDING, None)
    assert deliver(message.pk) == "sent"
    first, second = enkash.received
    assert first.req_msg_id == second.req_msg_id == message.req_msg_id
    assert first.raw == second.raw
    assert list(OutboundMessage.objects.overdue()) == []
    received.refresh_from_db()
    assert received.pending_message_id == message.pk  # still waiting for the result


def test_give_up_needs_a_reason_then_returns_the_invoice(received, staff, enkash, settings,
                                                          webhook):  # fmt: skip
    message = accept(received, staff)
    assert deliver(message.pk) == "sent"
    make_overdue(message, settings)
    before = decision_state(received)

    with pytest.raises(Rejected) as refused:
        services.give_up_request(received, "  ", actor=staff["reviewer"])

    assert (refused.value.code, refused.value.field) == ("MISSING_FIELD", "reason")
    assert decision_state(received) == before
    assert OutboundMessage.objects.get(pk=message.pk).state == State.SENT

    services.give_up_request(received, "No result in two days, EnKash asked", actor=staff["admin"])

    message.refresh_from_db()
    assert message.state == State.GIVEN_UP
    assert message.last_error == "Given up by admin: No result in two days, EnKash asked"
    received.refresh_from_db()
    assert (received.status, received.pending_message_id, received.last_error_code) == (
        Status.SENT_TO_BUYER,
        None,
        "GIVEN_UP",
    )
    assert history(received)[-1] == (
        "refused",
        "SENT_TO_BUYER",
        "staff",
        "admin",
        "No result in two days, EnKash asked",
    )
    # The network's result, arriving after all, changes nothing.
    late = data.result(message.req_msg_id, "invoiceConfirmation", ACCEPTED)
    assert webhook(CONFIRM_RESULT, late).status_code == 200
    received.refresh_from_db()
    assert (received.status, len(history(received))) == (Status.SENT_TO_BUYER, 3)
    message.refresh_from_db()
    assert (message.state, message.result) == (State.GIVEN_UP, "")
    assert InboundMessage.objects.get(path=CONFIRM_RESULT).outcome == "duplicate"


def test_a_request_not_overdue_is_neither_sent_again_nor_given_up(received, staff, enkash):
    message = accept(received, staff)
    assert deliver(message.pk) == "sent"
    before = decision_state(received)

    for act in (
        lambda: services.send_request_again(received, actor=staff["reviewer"]),
        lambda: services.give_up_request(received, "Too slow", actor=staff["reviewer"]),
    ):
        with pytest.raises(Rejected) as refused:
            act()
        assert refused.value.code == "NOT_OVERDUE"

    assert decision_state(received) == before
    assert OutboundMessage.objects.get(pk=message.pk).state == State.SENT
    assert len(enkash.received) == 1


def test_the_invoice_page_shows_overdue_and_its_buttons_work(
    received, staff, enkash, settings, login
):
    from .conftest import csrf_of

    message = accept(received, staff)
    assert deliver(message.pk) == "sent"
    make_overdue(message, settings)
    reviewer = login("reviewer")
    page = reviewer.get(detail(received))
    html = page.content.decode()
    assert 'id="overdue-at-network"' in html
    assert f"/admin/invoices/invoice/{received.pk}/send-again/" in html
    assert f"/admin/invoices/invoice/{received.pk}/give-up/" in html
    admin = login("admin")
    assert '<strong class="overdue-at-network">1</strong>' in admin.get("/admin/").content.decode()
    listed = admin.get("/admin/network/outboundmessage/?overdue=yes").content.decode()
    assert f"/admin/network/outboundmessage/{message.pk}/change/" in listed

    # Without a reason: refused, the field named, nothing changed.
    token = csrf_of(page)
    refused = reviewer.post(
        f"/admin/invoices/invoice/{received.pk}/give-up/",
        {"reason": "", "csrfmiddlewaretoken": token},
        follow=True,
    )
    assert "Nothing done. reason: Remarks are required" in refused.content.decode()
    assert OutboundMessage.objects.get(pk=message.pk).state == State.SENT

    response = reviewer.post(
        f"/admin/invoices/invoice/{received.pk}/send-again/", {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert OutboundMessage.objects.get(pk=message.pk).state == State.PENDING


def test_an_auditor_can_neither_send_again_nor_give_up(received, staff, enkash, settings, login):
    message = accept(received, staff)
    assert deliver(message.pk) == "sent"
    make_overdue(message, settings)
    before = decision_state(received)
    auditor = login("auditor")
    assert 'id="overdue-at-network"' in auditor.get(detail(received)).content.decode()

    for path in ("send-again", "give-up"):
        response = auditor.post(
            f"/admin/invoices/invoice/{received.pk}/{path}/", {"reason": "Auditor tries"}
        )
        assert response.status_code == 403

    assert decision_state(received) == before
    assert OutboundMessage.objects.get(pk=message.pk).state == State.SENT
    assert len(enkash.received) == 1


# -- 4. a late duplicate result never rewrites history ------------------------------------


def test_a_late_result_of_a_repeated_call_never_rewrites_the_first(
    received, staff, enkash, webhook
):
    message = accept(received, staff)
    assert deliver(message.pk) == "sent"
    first = data.result(message.req_msg_id, "invoiceConfirmation", ACCEPTED)
    assert webhook(CONFIRM_RESULT, first).status_code == 200
    message.refresh_from_db()
    recorded = (message.state, message.result, message.answered_at, message.error_code)
    assert recorded[:2] == (State.ANSWERED, "SUCCESS")
    trail = history(received)

    # The network's late answer to the killed call, repeated with the same reqMsgId.
    error = ("DUPLICATE_REQUEST", "reqMsgId seen before", "resp.reqMsgId")
    late = data.result(message.req_msg_id, ok=False, error=error)
    assert webhook(CONFIRM_RESULT, late).status_code == 200

    message.refresh_from_db()
    assert (message.state, message.result, message.answered_at, message.error_code) == recorded
    received.refresh_from_db()
    assert received.status == Status.ACCEPTED and received.last_error_code == ""
    assert history(received) == trail
    original, repeat = InboundMessage.objects.filter(path=CONFIRM_RESULT).order_by("id")
    assert (original.outcome, repeat.outcome) == ("processed", "duplicate")
    assert repeat.answers_id == message.pk
    assert json.loads(bytes(repeat.body))["resp"]["errorCd"] == "DUPLICATE_REQUEST"


def test_a_result_after_the_call_failed_for_good_changes_nothing(received, staff, enkash, webhook):
    message = accept(received, staff)
    enkash.faults.refuse_next(1, code="INVALID_FIELD", field="invoiceConfirmation.buyerRemarks")
    assert deliver(message.pk) == "failed"
    received.refresh_from_db()
    trail = history(received)

    late = data.result(message.req_msg_id, "invoiceConfirmation", ACCEPTED)
    assert webhook(CONFIRM_RESULT, late).status_code == 200

    message.refresh_from_db()
    assert (message.state, message.result, message.error_code) == (
        State.FAILED,
        "",
        "INVALID_FIELD",
    )
    received.refresh_from_db()
    assert received.status == Status.SENT_TO_BUYER
    assert history(received) == trail


# -- 5. device.tag GEOCODE per business ----------------------------------------------------


@pytest.mark.parametrize(
    ("own", "fallback", "sent"),
    [
        ("12.9716,77.5946", "19.0760,72.8777", "12.9716,77.5946"),
        ("", "19.0760,72.8777", "19.0760,72.8777"),
    ],
)
def test_the_business_geocode_is_sent_with_the_setting_as_fallback(
    received, staff, settings, own, fallback, sent
):
    settings.ENKASH_DEVICE_GEOCODE = fallback
    received.business.geocode = own
    received.business.save()

    message = accept(received, staff)

    assert message.body["device"] == {"tag": {"name": "GEOCODE", "value": sent}}


def test_our_own_invoice_send_carries_the_business_geocode(ours, staff, settings):
    settings.ENKASH_DEVICE_GEOCODE = ""
    ours.business.geocode = "12.9716,77.5946"
    ours.business.save()

    message = services.send_invoice(ours, actor=staff["admin"])

    assert message.body["device"] == {"tag": {"name": "GEOCODE", "value": "12.9716,77.5946"}}
