"""A sender's mistake is a 4xx naming the field, and every stored row ends where
reprocessing can reach it (issue 9, item 3)."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from b2bportal.network import inbox
from b2bportal.network.models import InboundMessage, OutboundMessage
from b2bportal.parties.models import Business
from tests.fixtures import invoices as data

from .conftest import WIDGET_SEND, minimal_body

pytestmark = pytest.mark.django_db
Outcome = InboundMessage.Outcome

CONFIRM_RESULT = "/api/v0/invoice/resp-confirm-invoice"
SEND = "/api/v0/invoice/req-send-invoice"
EDIT = "/api/v0/invoice/req-edit-invoice"


def refusal(response) -> tuple:
    body = response.json()
    resp = body["payload"]["resp"]
    return response.status_code, body["response_message"], resp["errorField"], resp["errorDtl"]


def assert_kept_invalid(raw: bytes, code: str, field: str) -> InboundMessage:
    record = InboundMessage.objects.get()
    assert bytes(record.body) == raw
    assert (record.outcome, record.error_code, record.error_field, record.reply_status) == (
        Outcome.INVALID, code, field, 400,
    )  # fmt: skip
    return record


def test_a_lone_surrogate_in_a_result_is_a_400_naming_the_field(post_webhook):
    body = minimal_body(CONFIRM_RESULT)
    body["resp"]["reqMsgId"] = "LONE"
    raw = json.dumps(body).encode().replace(b'"LONE"', b'"\\udfff"')

    response = post_webhook(CONFIRM_RESULT, raw)

    assert refusal(response) == (
        400, "INVALID_JSON", "resp.reqMsgId",
        "strings must not contain a lone surrogate (\\udfff)",
    )  # fmt: skip
    assert_kept_invalid(raw, "INVALID_JSON", "resp.reqMsgId")
    assert not OutboundMessage.objects.exists()


def test_a_lone_surrogate_in_a_key_names_the_object_holding_it(post_webhook):
    raw = json.dumps(minimal_body(WIDGET_SEND)).encode()[:-1] + b', "x\\ud800": 1}'

    response = post_webhook(WIDGET_SEND, raw)

    assert refusal(response)[:3] == (400, "INVALID_JSON", "")
    assert_kept_invalid(raw, "INVALID_JSON", "")


def test_a_valid_surrogate_pair_is_accepted(post_webhook, handle):
    handler = handle("test_widget.send")
    raw = json.dumps(minimal_body(WIDGET_SEND, note="\U0001f600"), ensure_ascii=True).encode()
    assert b"\\ud83d\\ude00" in raw

    assert post_webhook(WIDGET_SEND, raw).status_code == 200
    assert handler.calls[0].body["note"] == "\U0001f600"


def nested(depth: int, innermost: bytes = b"1") -> bytes:
    return b'{"a":' * depth + innermost + b"}" * depth


@pytest.mark.parametrize("depth", [900, 10_000])
def test_deep_nesting_with_nul_is_a_400(post_webhook, depth):
    # The NUL comes after the deep part, so finding it means walking all of it.
    raw = json.dumps(minimal_body(WIDGET_SEND)).encode()[:-1] + b', "deep": ' + nested(depth)
    raw += b', "note": "\\u0000"}'

    response = post_webhook(WIDGET_SEND, raw)

    status, code, _, detail = refusal(response)
    assert (status, code) == (400, "INVALID_JSON")
    record = InboundMessage.objects.get()
    assert (record.outcome, record.reply_status) == (Outcome.INVALID, 400)
    if depth == 900:  # within what the JSON parser takes: found by our own walk
        assert detail in ("nested deeper than 64 levels", "strings must not contain NUL (\\u0000)")


def test_nesting_deeper_than_the_limit_is_a_400_naming_where(post_webhook, handle):
    handler = handle("test_widget.send")
    raw = json.dumps(minimal_body(WIDGET_SEND)).encode()[:-1] + b', "deep": ' + nested(64) + b"}"

    response = post_webhook(WIDGET_SEND, raw)

    assert refusal(response) == (
        400, "INVALID_JSON", "deep" + ".a" * 63, "nested deeper than 64 levels",
    )  # fmt: skip
    assert handler.calls == []
    # One level less is within the limit (the body itself is the first level).
    InboundMessage.objects.all().delete()
    raw = json.dumps(minimal_body(WIDGET_SEND)).encode()[:-1] + b', "deep": ' + nested(62) + b"}"
    assert post_webhook(WIDGET_SEND, raw).status_code == 200
    assert len(handler.calls) == 1


@pytest.fixture
def our_business(db):
    return Business.objects.create(
        b2b_id=data.BUYER_B2B_ID, gstin=data.BUYER_GSTIN, legal_name=data.BUYER["legal_name"],
        trade_name=data.BUYER["trade_name"], state_code="29", address={"city": "Bengaluru"},
        email="payables@kaveriengineering.in",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("path", "version", "field"),
    [
        (SEND, (0, 2**31), "invoice.objectVersion.newVersion"),
        (SEND, (2**31, 1), "invoice.objectVersion.currentVersion"),
        (SEND, (0, 10**30), "invoice.objectVersion.newVersion"),
    ],
)
def test_a_version_beyond_a_database_integer_is_a_400_naming_it(
    post_webhook, our_business, path, version, field
):
    from invoices.models import Invoice

    body = data.network_invoice(version=version)

    response = post_webhook(path, body)

    status, code, error_field, detail = refusal(response)
    assert (status, code, error_field) == (400, "INVALID_FIELD", field)
    assert detail == "Ensure this value is less than or equal to 2147483647."
    assert InboundMessage.objects.get().outcome == Outcome.INVALID
    assert not Invoice.objects.exists()


def test_the_largest_database_integer_is_a_valid_version(post_webhook, our_business):
    from invoices.models import Invoice

    response = post_webhook(SEND, data.network_invoice(version=(0, 2**31 - 1)))

    assert response.status_code == 200, response.content
    assert Invoice.objects.get().versions.get().number == 2**31 - 1


def test_a_handler_reply_the_database_cannot_keep_leaves_the_row_failed(post_webhook, handle):
    from b2bportal.network.handling import Reply

    handle("test_widget.send", lambda message: Reply(extra={"note": "\x00"}))

    response = post_webhook(WIDGET_SEND, minimal_body(WIDGET_SEND))

    assert response.status_code == 500
    record = InboundMessage.objects.get()
    assert (record.outcome, record.reply_status, record.error_code) == (
        Outcome.FAILED, 500, "INTERNAL_ERROR",
    )  # fmt: skip
    fixed = handle("test_widget.send")
    call_command("reprocess_inbound", "--failed")
    record.refresh_from_db()
    assert record.outcome == Outcome.PROCESSED
    assert len(fixed.calls) == 1


def stored(path: str, raw: bytes, outcome: str, age: timedelta) -> InboundMessage:
    """A row as an earlier version, a crash or a lost database left it."""
    return InboundMessage.objects.create(
        method="POST", path=path, message_type="test_widget.send",
        headers={"Content-Type": "application/json", "X-Webhook-Token": "***"}, body=raw,
        body_size=len(raw), outcome=outcome, received_at=timezone.now() - age,
    )  # fmt: skip


def test_reprocessing_reaches_an_interrupted_row_but_not_one_in_flight(handle):
    handler = handle("test_widget.send")
    raw = json.dumps(minimal_body(WIDGET_SEND)).encode()
    interrupted = stored(WIDGET_SEND, raw, Outcome.RECEIVED, inbox.INTERRUPTED_AFTER * 2)
    in_flight = stored(WIDGET_SEND, raw + b" ", Outcome.RECEIVED, timedelta(seconds=5))

    call_command("reprocess_inbound", "--interrupted")

    interrupted.refresh_from_db()
    in_flight.refresh_from_db()
    assert (interrupted.outcome, interrupted.reply_status) == (Outcome.PROCESSED, 200)
    assert interrupted.fingerprint == inbox.fingerprint(WIDGET_SEND, {}, raw)
    assert interrupted.req_msg_id == "a" * 32
    assert [(h["via"], h["outcome"]) for h in interrupted.history] == [("reprocess", "processed")]
    assert in_flight.outcome == Outcome.RECEIVED
    assert len(handler.calls) == 1
    with pytest.raises(ValueError, match="only failed, awaiting or interrupted"):
        inbox.reprocess(in_flight)


def test_a_failed_row_now_refused_as_the_senders_mistake_ends_invalid(handle):
    handler = handle("test_widget.send")
    raw = (
        json.dumps(minimal_body(WIDGET_SEND, note="LONE")).encode().replace(b'"LONE"', b'"\\udc00"')
    )
    failed = stored(WIDGET_SEND, raw, Outcome.FAILED, timedelta(days=1))

    call_command("reprocess_inbound", "--all")

    failed.refresh_from_db()
    assert (failed.outcome, failed.reply_status, failed.error_field) == (
        Outcome.INVALID, 400, "note",
    )  # fmt: skip
    assert handler.calls == []


def test_reprocess_all_takes_every_non_final_state(handle):
    handler = handle("test_widget.send")
    rows = [
        stored(
            WIDGET_SEND,
            json.dumps(minimal_body(WIDGET_SEND, n=n)).encode(),
            outcome,
            timedelta(hours=1),
        )
        for n, outcome in enumerate([Outcome.FAILED, Outcome.AWAITING_HANDLER, Outcome.RECEIVED])
    ]

    call_command("reprocess_inbound", "--all")

    assert [InboundMessage.objects.get(pk=row.pk).outcome for row in rows] == [
        Outcome.PROCESSED
    ] * 3
    assert [call.body["n"] for call in handler.calls] == [0, 1, 2]


@pytest.mark.parametrize("version", [2**31, 10**30, "one", -1, 1.5, [1]])
def test_a_result_with_an_impossible_version_is_a_400_naming_it(post_webhook, version):
    body = minimal_body(CONFIRM_RESULT)
    body["resp"]["reqMsgId"] = ""  # matched on objectId and version instead
    body["invoiceConfirmation"] = {
        "objectId": data.OBJECT_ID,
        "objectVersion": {"currentVersion": version, "newVersion": 1},
    }
    raw = json.dumps(body).encode()

    response = post_webhook(CONFIRM_RESULT, raw)

    status, code, field, _ = refusal(response)
    assert (status, code, field) == (
        400, "INVALID_FIELD", "invoiceConfirmation.objectVersion.currentVersion",
    )  # fmt: skip
    assert_kept_invalid(raw, "INVALID_FIELD", "invoiceConfirmation.objectVersion.currentVersion")
