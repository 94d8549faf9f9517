"""The message catalogue: EnKash's actions, and actions registered after start-up."""

import pytest

from b2bportal.network.messages import ACTIONS, ACTIONS_BY_NAME, MESSAGE_TYPES, ROUTES, register

from .conftest import WEBHOOK_TOKEN, WIDGET_SEND, minimal_body
from .message_types import TEST_SEND


def test_every_enkash_action_is_in_the_catalogue_once():
    assert [a.name for a in ACTIONS] == [
        n for n in ACTIONS_BY_NAME if n in {a.name for a in ACTIONS}
    ]
    assert ROUTES["/api/v0/invoice/req-confirm-invoice"].message_type == "invoice.confirm"
    assert ROUTES["/api/v0/invoice/resp-confirm-invoice"].message_type == "invoice.confirm.result"
    assert len(MESSAGE_TYPES) == len(set(MESSAGE_TYPES)) == len(ROUTES)


def test_an_action_is_registered_once_only():
    before = (dict(ACTIONS_BY_NAME), dict(ROUTES), list(MESSAGE_TYPES))

    with pytest.raises(ValueError, match="test_widget.send"):
        register(TEST_SEND)

    assert (dict(ACTIONS_BY_NAME), dict(ROUTES), list(MESSAGE_TYPES)) == before


@pytest.mark.django_db
def test_a_path_registered_after_the_urls_were_built_is_served(client, webhook_auth):
    from b2bportal.network.models import InboundMessage

    response = client.post(WIDGET_SEND, minimal_body(WIDGET_SEND), content_type="application/json",
                           headers={"X-Webhook-Token": WEBHOOK_TOKEN})  # fmt: skip

    assert response.status_code == 200
    assert response.json()["response_code"] == 0
    record = InboundMessage.objects.get()
    assert (record.path, record.message_type, record.outcome) == (
        WIDGET_SEND, "test_widget.send", "awaiting_handler"
    )  # fmt: skip


def test_an_unknown_path_is_still_a_404_in_the_envelope(client):
    response = client.post("/api/v0/test-widget/req-nothing", {}, content_type="application/json")

    assert response.status_code == 404
    assert response.json()["response_code"] != 0
