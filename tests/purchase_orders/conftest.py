# ruff: noqa: F401, F811  (fixtures shared with the invoice tests)
"""Fixtures for purchase orders: our business (Kaveri Engineering), the real webhook,
staff users, and the eight purchase-order paths."""

import pytest

from b2bportal.network.models import OutboundMessage
from tests.invoices.conftest import business, staff, webhook

from . import data

SEND = "/api/v0/purchase-order/req-send"
EDIT = "/api/v0/purchase-order/req-edit"
CONFIRM = "/api/v0/purchase-order/req-confirm"
STATUS = "/api/v0/purchase-order/req-status-change"
SEND_RESULT = "/api/v0/purchase-order/resp-send"
EDIT_RESULT = "/api/v0/purchase-order/resp-edit"
CONFIRM_RESULT = "/api/v0/purchase-order/resp-confirm"
STATUS_RESULT = "/api/v0/purchase-order/resp-status-change"


@pytest.fixture
def received(webhook):
    """A purchase order Ananth Motors sent us (we supply), version 1, SENT_TO_SUPPLIER."""
    from purchase_orders.models import PurchaseOrder

    response = webhook(SEND, data.purchase_order())
    assert response.status_code == 200, response.content
    return PurchaseOrder.objects.get(object_id=data.OBJECT_ID)


@pytest.fixture
def ours(business, staff):
    """Our own purchase order to Vel Tools (we buy), CREATED, not sent."""
    from purchase_orders import services

    return services.create_purchase_order(business, data.order_data(), actor=staff["admin"])


def state(purchase_order) -> tuple:
    """What a refused message or request must leave as it was."""
    purchase_order.refresh_from_db()
    return (
        purchase_order.status,
        purchase_order.version,
        purchase_order.pending_message_id,
        list(purchase_order.versions.order_by("number").values_list("number", "state")),
        purchase_order.status_changes.count(),
        OutboundMessage.objects.count(),
    )


def refusal(response) -> tuple:
    """(HTTP status, errorCd, errorField) of a refused webhook."""
    resp = response.json()["payload"]["resp"]
    return response.status_code, resp["errorCd"], resp["errorField"]
