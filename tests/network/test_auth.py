"""Inbound authentication: token, Standard Webhooks signature, source address."""

import json
import time

import pytest

from b2bportal.network import auth
from b2bportal.network.models import InboundMessage, InboundRejection

from .conftest import WEBHOOK_TOKEN, WIDGET_SEND, minimal_body

pytestmark = pytest.mark.django_db

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = json.dumps(minimal_body(WIDGET_SEND)).encode()


def test_sign_matches_the_standard_webhooks_reference_vector():
    signature = auth.sign(
        SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def assert_refused(response, handler, reason):
    assert response.status_code == 401
    assert response.json() == {
        "response_code": 401,
        "response_message": "AUTHENTICATION_FAILED",
        "payload": {
            "resp": {
                "reqMsgId": "",
                "result": "FAILURE",
                "errorCd": "AUTHENTICATION_FAILED",
                "errorDtl": auth_meaning(),
                "errorField": "",
            }
        },
    }
    # Counted with a bounded summary, not stored.
    assert not InboundMessage.objects.exists()
    refusal = InboundRejection.objects.get()
    assert (refusal.path, refusal.source, refusal.reason, refusal.count) == (
        WIDGET_SEND, "127.0.0.1", reason, 1,
    )  # fmt: skip
    assert (refusal.last_size, bytes(refusal.last_first_bytes)) == (len(BODY), BODY[:200])
    assert handler.calls == []


def auth_meaning():
    from b2bportal.network.envelope import ERRORS

    return ERRORS["AUTHENTICATION_FAILED"][1]


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (None, "X-Webhook-Token missing or wrong"),
        ("", "X-Webhook-Token missing or wrong"),
        ("wrong-token", "X-Webhook-Token missing or wrong"),
        (WEBHOOK_TOKEN + "x", "X-Webhook-Token missing or wrong"),
    ],
)
def test_a_missing_or_wrong_token_is_refused(post_webhook, handle, token, reason):
    handler = handle("test_widget.send")
    response = post_webhook(WIDGET_SEND, BODY, token=token)
    assert_refused(response, handler, reason)


def test_with_no_authentication_configured_every_webhook_is_refused(post_webhook, handle, settings):
    settings.ENKASH_WEBHOOK_TOKEN = ""
    handler = handle("test_widget.send")
    response = post_webhook(WIDGET_SEND, BODY, token="")
    assert_refused(response, handler, "no webhook authentication is configured")


@pytest.fixture
def signing(settings, webhook_auth):
    settings.ENKASH_WEBHOOK_SIGNING_SECRET = SECRET
    return settings


@pytest.mark.parametrize("secret", [SECRET, "a raw secret string"])
def test_a_valid_signature_is_accepted(post_webhook, handle, signing, secret):
    signing.ENKASH_WEBHOOK_SIGNING_SECRET = secret
    handler = handle("test_widget.send")
    headers = auth.signed_headers(secret, "msg_1", BODY)

    response = post_webhook(WIDGET_SEND, BODY, headers=headers)

    assert response.status_code == 200
    assert len(handler.calls) == 1


def test_one_valid_signature_among_several_is_enough(post_webhook, handle, signing):
    handle("test_widget.send")
    headers = auth.signed_headers(SECRET, "msg_1", BODY)
    headers["webhook-signature"] = "v1,bm90IGl0 " + headers["webhook-signature"]

    assert post_webhook(WIDGET_SEND, BODY, headers=headers).status_code == 200


def signed(**changes):
    headers = auth.signed_headers(SECRET, "msg_1", BODY)
    headers.update(changes)
    return {k: v for k, v in headers.items() if v is not None}


# Headers are made when the test runs, not when it is collected: a timestamp taken at
# collection drifts into (or out of) the tolerance in a long run.
@pytest.mark.parametrize(
    ("make_headers", "reason"),
    [
        (dict, "missing webhook-id, webhook-timestamp or webhook-signature"),
        (lambda: signed(**{"webhook-signature": None}),
         "missing webhook-id, webhook-timestamp or webhook-signature"),
        (lambda: signed(**{"webhook-signature": "v1,AAAA"}), "webhook-signature does not match"),
        # Signed for another message id: the signature binds the id too.
        (lambda: {**signed(), "webhook-id": "msg_2"}, "webhook-signature does not match"),
        (lambda: auth.signed_headers("whsec_" + "b3RoZXI=", "msg_1", BODY),
         "webhook-signature does not match"),
        (lambda: auth.signed_headers(SECRET, "msg_1", BODY, timestamp=int(time.time()) - 360),
         "webhook-timestamp outside the tolerance"),
        (lambda: auth.signed_headers(SECRET, "msg_1", BODY, timestamp=int(time.time()) + 360),
         "webhook-timestamp outside the tolerance"),
        (lambda: signed(**{"webhook-timestamp": "soon"}), "webhook-timestamp is not an integer"),
    ],
)  # fmt: skip
def test_a_bad_missing_or_stale_signature_is_refused(
    post_webhook, handle, signing, make_headers, reason
):
    handler = handle("test_widget.send")
    response = post_webhook(WIDGET_SEND, BODY, headers=make_headers())
    assert_refused(response, handler, reason)


def test_a_signature_over_other_bytes_is_refused(post_webhook, handle, signing):
    handler = handle("test_widget.send")
    headers = auth.signed_headers(SECRET, "msg_1", BODY + b" ")
    assert_refused(post_webhook(WIDGET_SEND, BODY, headers=headers), handler,
                   "webhook-signature does not match")  # fmt: skip


def test_with_a_secret_the_token_is_still_required(post_webhook, handle, signing):
    handler = handle("test_widget.send")
    headers = auth.signed_headers(SECRET, "msg_1", BODY)
    assert_refused(post_webhook(WIDGET_SEND, BODY, headers=headers, token="nope"), handler,
                   "X-Webhook-Token missing or wrong")  # fmt: skip


def test_a_signing_secret_alone_is_enough_configuration(post_webhook, handle, signing):
    signing.ENKASH_WEBHOOK_TOKEN = ""
    handle("test_widget.send")
    headers = auth.signed_headers(SECRET, "msg_1", BODY)
    assert post_webhook(WIDGET_SEND, BODY, headers=headers, token=None).status_code == 200


@pytest.mark.parametrize(
    "allowed", [["127.0.0.1"], ["10.0.0.0/8", "127.0.0.0/24"], ["::1", "127.0.0.1/32"]]
)
def test_a_listed_source_address_is_accepted(post_webhook, handle, settings, allowed):
    settings.ENKASH_WEBHOOK_ALLOWED_IPS = allowed
    handle("test_widget.send")
    assert post_webhook(WIDGET_SEND, BODY).status_code == 200


@pytest.mark.parametrize("allowed", [["10.0.0.0/8"], ["127.0.0.2"], ["::1"]])
def test_a_foreign_source_address_is_refused(post_webhook, handle, settings, allowed):
    settings.ENKASH_WEBHOOK_ALLOWED_IPS = allowed
    handler = handle("test_widget.send")
    response = post_webhook(WIDGET_SEND, BODY)
    assert_refused(response, handler, "source address not allowed")


def test_a_refused_delivery_does_not_count_as_the_message_for_duplicates(post_webhook, handle):
    handler = handle("test_widget.send")
    assert post_webhook(WIDGET_SEND, BODY, token="wrong").status_code == 401

    assert post_webhook(WIDGET_SEND, BODY).status_code == 200

    assert len(handler.calls) == 1
    assert InboundMessage.objects.filter(outcome="processed").count() == 1
