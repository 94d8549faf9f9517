# ruff: noqa: F811  (fixtures imported from other modules are test arguments here)
"""One code, one HTTP status: a service's refusal answers the same on the webhook and in
the API, read from the catalogue (`network/envelope.py`)."""

import pytest

from b2bportal.documents.errors import DocumentError, http_status, refusal_body, refusal_message
from b2bportal.network.handling import Rejected
from b2bportal.network.models import InboundMessage
from tests.network.conftest import (  # noqa: F401
    WIDGET_SEND,
    handle,
    minimal_body,
    post_webhook,
    webhook_auth,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("INVALID_TRANSITION", 409),
        ("STALE_VERSION", 409),
        ("VERSION_CONFLICT", 409),
        ("ACTION_PENDING", 409),
        ("NOT_OVERDUE", 409),
        ("INVALID_FIELD", 400),
        ("MISSING_FIELD", 400),
        ("UNKNOWN_DOCUMENT", 400),
    ],
)
def test_the_inbox_answers_a_document_error_with_the_catalogue_status(
    code, status, post_webhook, handle
):
    def refuse(message):
        raise DocumentError(code, "refused by the service", "widget.objectVersion")

    handle("test_widget.send", refuse)
    response = post_webhook(WIDGET_SEND, minimal_body(WIDGET_SEND))

    refused = DocumentError(code, "refused by the service", "widget.objectVersion")
    assert isinstance(refused, Rejected)
    assert response.status_code == http_status(refused) == status
    resp = response.json()["payload"]["resp"]
    assert (resp["errorCd"], resp["errorDtl"], resp["errorField"]) == (
        code,
        "refused by the service",
        "widget.objectVersion",
    )
    assert InboundMessage.objects.get().error_code == code


def test_the_api_and_admin_translations_name_code_detail_and_field():
    refused = DocumentError("STALE_VERSION", "It is now at version 3", "version")
    assert refusal_body(refused) == {
        "code": "STALE_VERSION",
        "detail": "It is now at version 3",
        "field": "version",
    }
    assert refusal_message(refused) == "version: It is now at version 3"
    assert refusal_message(DocumentError("ACTION_PENDING", "Awaiting the network")) == (
        "Awaiting the network"
    )
