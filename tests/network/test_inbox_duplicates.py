"""Exactly once: a repeated delivery answers as the first did and changes nothing."""

import json
import time

import pytest
from django.contrib.auth.models import Group

from b2bportal.network import inbox
from b2bportal.network.handling import Rejected, Reply
from b2bportal.network.models import InboundMessage

from .conftest import WIDGET_SEND, RecordingHandler, minimal_body, post_copies_at_once

Outcome = InboundMessage.Outcome


def apply_once(message):
    Group.objects.create(name=f"applied {message.record.pk}")
    return Reply(document=None)


@pytest.mark.django_db
def test_a_repeated_delivery_gets_the_first_reply_and_changes_nothing(post_webhook, handle):
    handler = handle("test_widget.send", RecordingHandler(effect=apply_once))
    body = minimal_body(WIDGET_SEND)

    first = post_webhook(WIDGET_SEND, body)
    second = post_webhook(WIDGET_SEND, body)
    third = post_webhook(WIDGET_SEND, body)

    assert first.status_code == second.status_code == third.status_code == 200
    assert first.content == second.content == third.content
    assert len(handler.calls) == 1
    assert Group.objects.count() == 1
    original, *repeats = InboundMessage.objects.order_by("id")
    assert original.outcome == Outcome.PROCESSED
    assert [(r.outcome, r.duplicate_of_id) for r in repeats] == [
        (Outcome.DUPLICATE, original.pk),
        (Outcome.DUPLICATE, original.pk),
    ]
    assert {r.fingerprint for r in repeats} == {original.fingerprint}


@pytest.mark.django_db
def test_the_webhook_id_identifies_the_message_when_sent(post_webhook, handle):
    handler = handle("test_widget.send")
    body = minimal_body(WIDGET_SEND)
    compact = json.dumps(body, separators=(",", ":")).encode()
    spaced = json.dumps(body, indent=2).encode()

    post_webhook(WIDGET_SEND, compact, headers={"webhook-id": "msg_42"})
    repeat = post_webhook(WIDGET_SEND, spaced, headers={"webhook-id": "msg_42"})
    other = post_webhook(WIDGET_SEND, compact, headers={"webhook-id": "msg_43"})

    assert repeat.status_code == other.status_code == 200
    assert len(handler.calls) == 2
    assert list(InboundMessage.objects.order_by("id").values_list("outcome", flat=True)) == [
        Outcome.PROCESSED,
        Outcome.DUPLICATE,
        Outcome.PROCESSED,
    ]


@pytest.mark.django_db
def test_without_webhook_id_the_same_body_on_another_path_is_another_message(post_webhook, handle):
    handle("test_widget.send")
    handle("test_widget.edit")
    body = minimal_body(WIDGET_SEND)

    post_webhook(WIDGET_SEND, body)
    post_webhook("/api/v0/test-widget/req-edit", body)

    assert set(InboundMessage.objects.values_list("outcome", flat=True)) == {Outcome.PROCESSED}


@pytest.mark.django_db
def test_a_repeat_of_a_refused_message_gets_the_same_refusal(post_webhook, handle):
    def refuse(message):
        raise Rejected("INVALID_FIELD", "bad", "widget.subject")

    handler = handle("test_widget.send", RecordingHandler(effect=refuse))
    body = minimal_body(WIDGET_SEND)

    first = post_webhook(WIDGET_SEND, body)
    second = post_webhook(WIDGET_SEND, body)

    assert first.status_code == second.status_code == 400
    assert first.json() == second.json()
    assert len(handler.calls) == 1
    assert InboundMessage.objects.order_by("id").last().outcome == Outcome.DUPLICATE


@pytest.mark.django_db
def test_a_repeat_of_an_awaiting_message_is_acknowledged_and_reprocessing_applies_once(
    post_webhook, handle
):
    body = minimal_body(WIDGET_SEND)
    first = post_webhook(WIDGET_SEND, body)
    second = post_webhook(WIDGET_SEND, body)
    assert first.json() == second.json()

    handler = handle("test_widget.send")
    original = InboundMessage.objects.order_by("id").first()
    inbox.reprocess(original)
    assert original.outcome == Outcome.PROCESSED
    assert len(handler.calls) == 1
    # The repeat was answered as a duplicate; it is not reprocessed on its own.
    assert InboundMessage.objects.order_by("id").last().outcome == Outcome.DUPLICATE


@pytest.mark.django_db
def test_a_handler_duplicate_is_acknowledged_as_duplicate(post_webhook, handle):
    handle("test_widget.send", RecordingHandler(Reply(duplicate=True)))

    response = post_webhook(WIDGET_SEND, minimal_body(WIDGET_SEND))

    assert response.status_code == 200
    record = InboundMessage.objects.get()
    assert (record.outcome, record.duplicate_of) == (Outcome.DUPLICATE, None)


def slow_apply(message):
    # Long enough that every copy arrives while the first is still being applied.
    time.sleep(0.3)
    Group.objects.create(name=f"applied {message.record.pk}")
    return Reply()


@pytest.mark.django_db(transaction=True)
def test_copies_arriving_at_the_same_instant_apply_once(live_server, webhook_auth, handle):
    handler = handle("test_widget.send", RecordingHandler(effect=slow_apply))
    raw = json.dumps(minimal_body(WIDGET_SEND)).encode()
    copies = 6
    replies = post_copies_at_once(live_server.url, WIDGET_SEND, raw, copies)

    assert [r.status_code for r in replies] == [200] * copies
    assert len({r.content for r in replies}) == 1
    assert len(handler.calls) == 1
    assert Group.objects.count() == 1
    outcomes = list(InboundMessage.objects.values_list("outcome", flat=True))
    assert sorted(outcomes) == sorted([Outcome.PROCESSED] + [Outcome.DUPLICATE] * (copies - 1))
    original = InboundMessage.objects.get(outcome=Outcome.PROCESSED)
    assert set(
        InboundMessage.objects.filter(outcome=Outcome.DUPLICATE).values_list(
            "duplicate_of", flat=True
        )
    ) == {original.pk}
