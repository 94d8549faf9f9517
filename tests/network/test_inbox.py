"""The inbox: every path answers and records; malformed bodies refused and kept; handlers."""

import json

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from b2bportal.network import inbox, registry
from b2bportal.network.handling import Rejected, Reply
from b2bportal.network.messages import REQUEST, RESULT, ROUTES
from b2bportal.network.models import InboundMessage, OutboundMessage

from .conftest import WIDGET_SEND, RecordingHandler, minimal_body

pytestmark = pytest.mark.django_db
Outcome = InboundMessage.Outcome

REQUEST_PATHS = [path for path, route in ROUTES.items() if route.kind == REQUEST]
RESULT_PATHS = [path for path, route in ROUTES.items() if route.kind == RESULT]


def ack(payload):
    return {"response_code": 0, "response_message": "SUCCESS", "payload": payload}


def resp(req_msg_id="", result="SUCCESS", code="", detail="", field=""):
    return {"reqMsgId": req_msg_id, "result": result, "errorCd": code, "errorDtl": detail,
            "errorField": field}  # fmt: skip


B2B_IDS = {"buyerB2BId": "BUYER-B2B-1", "supplierB2BId": "SUPPLIER-B2B-1"}


@pytest.mark.parametrize("path", REQUEST_PATHS)
def test_each_request_path_answers_records_and_dispatches(post_webhook, handle, path):
    route = ROUTES[path]
    handler = handle(route.message_type)
    body = minimal_body(path)
    raw = json.dumps(body).encode()

    response = post_webhook(path, raw)

    assert response.status_code == 200
    expected_payload = {"resp": resp("a" * 32)}
    if route.action.needs_b2b_ids:
        expected_payload["b2bIds"] = B2B_IDS
    assert response.json() == ack(expected_payload)
    record = InboundMessage.objects.get()
    assert (record.path, record.message_type, record.method) == (path, route.message_type, "POST")
    assert bytes(record.body) == raw
    assert record.source_ip == "127.0.0.1"
    assert record.outcome == Outcome.PROCESSED
    assert record.reply_status == 200
    assert record.reply_body == response.json()
    assert record.headers["X-Webhook-Token"] == "***"
    assert record.headers["Content-Type"] == "application/json"
    assert record.req_msg_id == "a" * 32
    assert len(record.fingerprint) == 64
    assert [call.body for call in handler.calls] == [body]
    assert handler.calls[0].record.pk == record.pk


@pytest.mark.parametrize("path", RESULT_PATHS)
def test_each_result_path_answers_and_keeps_an_unmatched_result(post_webhook, handle, path):
    route = ROUTES[path]
    handler = handle(route.message_type)

    response = post_webhook(path, minimal_body(path))

    assert response.status_code == 200
    assert response.json()["payload"]["resp"] == resp("f" * 32)
    record = InboundMessage.objects.get()
    assert (record.path, record.message_type) == (path, route.message_type)
    assert record.outcome == Outcome.UNMATCHED
    assert record.answers is None
    assert handler.calls == []


@pytest.mark.parametrize("path", list(ROUTES))
def test_an_empty_object_is_refused_on_every_path(post_webhook, handle, path):
    route = ROUTES[path]
    handler = handle(route.message_type)

    response = post_webhook(path, b"{}")

    first_block = route.action.required_blocks(route.kind)[0]
    assert response.status_code == 400
    body = response.json()
    assert body["response_code"] == 400
    assert body["response_message"] == "MISSING_FIELD"
    assert body["payload"]["resp"] == resp(
        "", "FAILURE", "MISSING_FIELD", f"{first_block} is required", first_block
    )
    record = InboundMessage.objects.get()
    assert record.outcome == Outcome.INVALID
    assert (record.error_code, record.error_field) == ("MISSING_FIELD", first_block)
    assert bytes(record.body) == b"{}"
    assert record.fingerprint == ""
    assert handler.calls == []


MALFORMED = [
    # (body bytes, content type, status, code, field)
    (b'{"b2bIds": ', "application/json", 400, "INVALID_JSON", ""),
    (b"[1, 2]", "application/json", 400, "INVALID_JSON", ""),
    (b'"text"', "application/json", 400, "INVALID_JSON", ""),
    (b"42", "application/json", 400, "INVALID_JSON", ""),
    (b"", "application/json", 400, "INVALID_JSON", ""),
    (b'{"a": NaN}', "application/json", 400, "INVALID_JSON", ""),
    (b'{"a": 1e999}', "application/json", 400, "INVALID_JSON", ""),
    (b"{\"a\": 1" + b"0" * 400 + b".5}", "application/json", 400, "INVALID_JSON", ""),
    (b'{"a": "\\u0000"}', "application/json", 400, "INVALID_JSON", "a"),
    (b'{"a": "\xff\xfe"}', "application/json", 400, "INVALID_JSON", ""),
    (b"[" * 100_000 + b"]" * 100_000, "application/json", 400, "INVALID_JSON", ""),
    (b'{"widget": {}}', "application/json", 400, "MISSING_FIELD", "b2bIds"),
    (b'{"b2bIds": {}, "widget": "x"}', "application/json", 400, "INVALID_FIELD",
     "widget"),
    (b'{"b2bIds": {}, "widget": null}', "application/json", 400, "MISSING_FIELD",
     "widget"),
    (b'{"b2bIds": {}, "widget": {}}', "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE", ""),
    (b'{"b2bIds": {}, "widget": {}}', "application/x-www-form-urlencoded", 415,
     "UNSUPPORTED_MEDIA_TYPE", ""),
    (b'{"b2bIds": {}, "widget": {}}', "", 415, "UNSUPPORTED_MEDIA_TYPE", ""),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "content_type", "status", "code", "field"), MALFORMED)
def test_malformed_bodies_get_their_4xx_and_are_kept_raw(
    post_webhook, handle, raw, content_type, status, code, field
):
    handler = handle("test_widget.send")

    # The test client sets no Content-Type for an empty body; a sender might.
    extra = {"CONTENT_TYPE": content_type} if not raw else {}
    response = post_webhook(WIDGET_SEND, raw, content_type=content_type, **extra)

    assert response.status_code == status
    body = response.json()
    assert (body["response_code"], body["response_message"]) == (status, code)
    assert body["payload"]["resp"]["result"] == "FAILURE"
    assert body["payload"]["resp"]["errorCd"] == code
    assert body["payload"]["resp"]["errorField"] == field
    record = InboundMessage.objects.get()
    assert bytes(record.body) == raw
    assert (record.outcome, record.error_code, record.reply_status) == (
        Outcome.INVALID,
        code,
        status,
    )
    assert handler.calls == []


def test_a_body_over_the_limit_gets_413_and_its_first_bytes_are_kept(post_webhook, settings):
    settings.ENKASH_WEBHOOK_MAX_BODY_BYTES = 100
    raw = json.dumps(minimal_body(WIDGET_SEND, padding="x" * 200)).encode()

    response = post_webhook(WIDGET_SEND, raw)

    assert response.status_code == 413
    assert response.json()["response_message"] == "PAYLOAD_TOO_LARGE"
    record = InboundMessage.objects.get()
    assert bytes(record.body) == raw[:101]
    assert record.outcome == Outcome.INVALID


def test_a_body_at_the_limit_is_accepted(post_webhook, settings):
    raw = json.dumps(minimal_body(WIDGET_SEND)).encode()
    settings.ENKASH_WEBHOOK_MAX_BODY_BYTES = len(raw)

    assert post_webhook(WIDGET_SEND, raw).status_code == 200


def test_other_methods_get_405_and_unknown_paths_404_in_the_envelope(client, webhook_auth):
    for method in ("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"):
        response = client.generic(method, WIDGET_SEND)
        assert response.status_code == 405
        assert response["Allow"] == "POST"
        if method != "HEAD":
            assert response.json()["response_message"] == "METHOD_NOT_ALLOWED"
    for path in ("/api/v0/invoice/req-nothing", WIDGET_SEND + "/", "/api/v0/"):
        response = client.post(path, b"{}", content_type="application/json")
        assert response.status_code == 404
        assert response.json()["response_message"] == "NOT_FOUND"
    assert not InboundMessage.objects.exists()


def test_rejected_by_the_handler_undoes_its_writes_and_answers_400_with_the_field(
    post_webhook, handle
):
    document = Group.objects.create(name="the document")

    def refuse(message):
        Group.objects.create(name="written before refusing")
        raise Rejected("INVALID_FIELD", "too long", "widget.buyerRemarks", document=document)

    handle("test_widget.send", refuse)
    response = post_webhook(WIDGET_SEND, minimal_body(WIDGET_SEND))

    assert response.status_code == 400
    assert response.json() == {
        "response_code": 400,
        "response_message": "INVALID_FIELD",
        "payload": {
            "b2bIds": B2B_IDS,
            "resp": resp(
                "a" * 32, "FAILURE", "INVALID_FIELD", "too long", "widget.buyerRemarks"
            ),  # fmt: skip
        },
    }
    assert list(Group.objects.values_list("name", flat=True)) == ["the document"]
    record = InboundMessage.objects.get()
    assert record.outcome == Outcome.INVALID
    assert (record.error_code, record.error_detail, record.error_field) == (
        "INVALID_FIELD",
        "too long",
        "widget.buyerRemarks",
    )
    assert record.document == document


def test_a_handlers_overlong_code_and_field_are_kept_cut_to_fit(post_webhook, handle):
    def refuse(message):
        raise Rejected("X" * 100, "d" * 5000, "f" * 400)

    handle("test_widget.send", refuse)
    response = post_webhook(WIDGET_SEND, minimal_body(WIDGET_SEND))

    assert response.status_code == 400
    record = InboundMessage.objects.get()
    assert (record.outcome, record.error_code, record.error_field) == (
        Outcome.INVALID,
        "X" * 64,
        "f" * 255,
    )
    assert response.json()["payload"]["resp"]["errorField"] == "f" * 400


def test_a_version_refusal_answers_409(post_webhook, handle):
    def stale(message):
        raise Rejected("STALE_VERSION", "we hold version 3", "widget.objectVersion")

    handle("test_widget.send", stale)
    response = post_webhook(WIDGET_SEND, minimal_body(WIDGET_SEND))

    assert response.status_code == 409
    assert response.json()["payload"]["resp"]["errorCd"] == "STALE_VERSION"


def test_a_processed_message_links_its_document_and_returns_the_handlers_extra(
    post_webhook, handle
):
    document = Group.objects.create(name="test widget")
    handle("test_widget.send", RecordingHandler(Reply(document=document, extra={"n": 1})))

    response = post_webhook(WIDGET_SEND, minimal_body(WIDGET_SEND))

    assert response.json() == ack({"b2bIds": B2B_IDS, "n": 1, "resp": resp("a" * 32)})
    record = InboundMessage.objects.get()
    assert record.document == document
    assert record.object_id == "POR" + "A1" * 16
    assert (record.buyer_b2b_id, record.supplier_b2b_id) == ("BUYER-B2B-1", "SUPPLIER-B2B-1")


def test_our_error_answers_500_keeps_the_message_and_undoes_the_handlers_writes(
    post_webhook, handle
):
    def broken(message):
        Group.objects.create(name="half done")
        raise RuntimeError("bug in the handler")

    handle("test_widget.send", broken)
    response = post_webhook(WIDGET_SEND, minimal_body(WIDGET_SEND))

    assert response.status_code == 500
    assert response.json()["response_message"] == "INTERNAL_ERROR"
    assert not Group.objects.exists()
    record = InboundMessage.objects.get()
    assert record.outcome == Outcome.FAILED
    assert record.error_detail == "RuntimeError: bug in the handler"
    assert record.reply_status == 500

    # After the fix, the stored bytes are processed again.
    fixed = handle("test_widget.send")
    inbox.reprocess(record)

    record.refresh_from_db()
    assert record.outcome == Outcome.PROCESSED
    assert record.reply_status == 200
    assert [call.body for call in fixed.calls] == [minimal_body(WIDGET_SEND)]
    assert [(h["via"], h["outcome"], h["status"]) for h in record.history] == [
        ("http", "failed", 500),
        ("reprocess", "processed", 200),
    ]


def test_a_retry_of_a_failed_message_is_processed_afresh(post_webhook, handle):
    handle("test_widget.send", lambda message: 1 / 0)
    assert post_webhook(WIDGET_SEND, minimal_body(WIDGET_SEND)).status_code == 500
    fixed = handle("test_widget.send")

    response = post_webhook(WIDGET_SEND, minimal_body(WIDGET_SEND))

    assert response.status_code == 200
    assert len(fixed.calls) == 1
    assert list(InboundMessage.objects.order_by("id").values_list("outcome", flat=True)) == [
        Outcome.FAILED,
        Outcome.PROCESSED,
    ]


def test_an_unhandled_path_is_acknowledged_kept_and_reprocessed_once_a_handler_exists(
    post_webhook, handle
):
    body = minimal_body(WIDGET_SEND)
    response = post_webhook(WIDGET_SEND, body)

    assert response.status_code == 200
    assert response.json() == ack({"b2bIds": B2B_IDS, "resp": resp("a" * 32)})
    record = InboundMessage.objects.get()
    assert record.outcome == Outcome.AWAITING_HANDLER

    handler = handle("test_widget.send")
    call_command("reprocess_inbound", "--awaiting-handler")

    record.refresh_from_db()
    assert record.outcome == Outcome.PROCESSED
    assert [call.body for call in handler.calls] == [body]
    # Once processed it is no longer reprocessed.
    call_command("reprocess_inbound", "--all")
    assert len(handler.calls) == 1
    with pytest.raises(ValueError, match="only failed, awaiting or interrupted"):
        inbox.reprocess(record)


def test_reprocess_command_takes_ids(post_webhook, handle):
    post_webhook(WIDGET_SEND, minimal_body(WIDGET_SEND))
    post_webhook("/api/v0/payment/req-pay", minimal_body("/api/v0/payment/req-pay"))
    po, pay = InboundMessage.objects.order_by("id")
    handle("test_widget.send")
    handle("payment.pay")

    call_command("reprocess_inbound", str(pay.pk))

    po.refresh_from_db()
    pay.refresh_from_db()
    assert (po.outcome, pay.outcome) == (Outcome.AWAITING_HANDLER, Outcome.PROCESSED)


def test_a_matched_result_records_the_verdict_on_our_request(post_webhook, handle):
    path = "/api/v0/test-widget/resp-send"
    ours = OutboundMessage.objects.create(
        message_type="test_widget.send", path=WIDGET_SEND, body={}, object_id="POR" + "A1" * 16
    )
    handler = handle("test_widget.send.result")
    body = minimal_body(
        path,
        resp=resp(ours.req_msg_id, "FAILURE", "E12", "bad GSTIN", "widget.gstin"),
        b2bIds=B2B_IDS,
    )

    response = post_webhook(path, body)

    assert response.status_code == 200
    record = InboundMessage.objects.get()
    assert record.outcome == Outcome.PROCESSED
    assert record.answers == ours
    assert record.req_msg_id == ours.req_msg_id
    assert handler.calls[0].answers == ours
    ours.refresh_from_db()
    assert (ours.state, ours.result, ours.error_code, ours.error_detail, ours.error_field) == (
        OutboundMessage.State.ANSWERED,
        "FAILURE",
        "E12",
        "bad GSTIN",
        "widget.gstin",
    )


def test_a_refused_result_leaves_our_request_unanswered(post_webhook, handle):
    path = "/api/v0/test-widget/resp-send"
    ours = OutboundMessage.objects.create(
        message_type="test_widget.send", path=WIDGET_SEND, body={}, state="sent"
    )

    def refuse(message):
        raise Rejected("UNKNOWN_DOCUMENT", "no such widget", "widget.objectId")

    handle("test_widget.send.result", refuse)
    response = post_webhook(path, minimal_body(path, resp=resp(ours.req_msg_id)))

    assert response.status_code == 400
    ours.refresh_from_db()
    assert (ours.state, ours.result) == ("sent", "")


def test_the_schema_documents_every_path_with_its_bodies(client):
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = json.loads(response.content)
    for path, route in ROUTES.items():
        operation = schema["paths"][path]["post"]
        assert list(schema["paths"][path]) == ["post"]
        assert operation["operationId"] == "webhook_" + route.message_type.replace(".", "_")
        request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        component = schema["components"]["schemas"][request.rsplit("/", 1)[1]]
        if registry.serializer_for(route.message_type) is None:  # else the app's own
            assert component["required"] == list(route.action.required_blocks(route.kind))
        assert set(operation["responses"]) == {"200", "400", "401", "409", "413", "415", "500"}
    assert "WebhookAck" in schema["components"]["schemas"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    # Swagger UI comes from our own static files, so the docs work offline.
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs.content.decode()
    assert "cdn.jsdelivr.net" not in docs.content.decode()
    assert "WebhookResp" in schema["components"]["schemas"]
