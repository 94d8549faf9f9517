"""Fixtures for the network app: webhook deliveries and handlers plugged into the registry."""

import json

import pytest

from b2bportal.network import registry
from b2bportal.network.handling import Reply
from b2bportal.network.messages import REQUEST, ROUTES

WEBHOOK_TOKEN = "inbox-test-token-5f1c"
PO_SEND = "/api/v0/purchase-order/req-send"  # no handler app owns purchase orders yet


def minimal_body(path: str, **extra) -> dict:
    """The smallest body the catalogue accepts on `path`: its required blocks."""
    route = ROUTES[path]
    body = {}
    for block in route.action.required_blocks(route.kind):
        if block == "b2bIds":
            body[block] = {"buyerB2BId": "BUYER-B2B-1", "supplierB2BId": "SUPPLIER-B2B-1"}
        elif block == "resp":
            body[block] = {"reqMsgId": "f" * 32, "result": "SUCCESS", "errorCd": "",
                           "errorDtl": "", "errorField": ""}  # fmt: skip
        elif block == "criteria":
            body[block] = [{"searchParameter": "PAN", "operator": "EXACT", "value": "ABCDE1234F"}]
        else:
            body[block] = {"objectId": "POR" + "A1" * 16}
    if route.kind == REQUEST:
        body["additionalInfos"] = [{"name": "reqMsgId", "value": "a" * 32}]
    body.update(extra)
    return body


@pytest.fixture
def webhook_auth(settings):
    """The inbox configured with a token only (no signature, no address list)."""
    settings.ENKASH_WEBHOOK_TOKEN = WEBHOOK_TOKEN
    settings.ENKASH_WEBHOOK_SIGNING_SECRET = ""
    settings.ENKASH_WEBHOOK_ALLOWED_IPS = []
    return settings


@pytest.fixture
def post_webhook(client, webhook_auth):
    """POST raw bytes (or a dict as JSON) to a webhook path, with the token unless told."""

    def post(path, body, *, content_type="application/json", headers=None, token=WEBHOOK_TOKEN,
             **extra):  # fmt: skip
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent = {"X-Webhook-Token": token} if token is not None else {}
        sent.update(headers or {})
        return client.generic("POST", path, data, content_type=content_type, headers=sent,
                              **extra)  # fmt: skip

    return post


class RecordingHandler:
    """A handler that notes every message it is given and answers with a Reply."""

    def __init__(self, reply=None, effect=None):
        self.calls = []
        self.reply = reply or Reply()
        self.effect = effect

    def __call__(self, message):
        self.calls.append(message)
        if self.effect:
            return self.effect(message)
        return self.reply


@pytest.fixture
def handle():
    """Plug a RecordingHandler (or given function) in for a message type during the test."""
    stack = []

    def plug(message_type, handler=None):
        handler = handler or RecordingHandler()
        context = registry.override(message_type, handler)
        context.__enter__()
        stack.append(context)
        return handler

    yield plug
    for context in reversed(stack):
        context.__exit__(None, None, None)
