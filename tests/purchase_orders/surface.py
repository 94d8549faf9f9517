"""Fixtures of the admin, API and e2e tests of purchase orders: our businesses (the
sandbox's), buyers' orders drawn as the sandbox draws them arriving through the real
webhook, staff logins and API tokens. A test module imports the fixtures it uses."""

import random
from datetime import date

import pytest
from rest_framework.test import APIClient

from b2bportal.access.services import issue_token
from b2bportal.parties.models import Business
from b2bportal.sandbox import orders, scenarios
from b2bportal.sandbox.data import COUNTERPARTIES, OUR_BUSINESSES
from tests.invoices.conftest import csrf_of, login, password  # noqa: F401  (fixtures)

from .conftest import EDIT, SEND, SEND_RESULT  # noqa: F401  (for the tests)

DAY = date(2026, 11, 20)


@pytest.fixture
def business(db):
    """Our three demo businesses; the one orders are addressed to: Saraswati Engineering
    Bengaluru (Karnataka, 29)."""
    scenarios.register_in_process()
    return Business.objects.get(b2b_id=OUR_BUSINESSES[1].b2b_id)


def buyer_order(seed: int = 1, *, buyer=COUNTERPARTIES[2], mistakes=()):
    """A buyer's order to our Bengaluru unit, drawn as the sandbox draws them (Deccan
    Electricals is in Karnataka too: CGST and SGST)."""
    return orders.draw_purchase_order(
        random.Random(seed),
        buyer,
        OUR_BUSINESSES[1],
        today=DAY,
        sequence=seed,
        mistakes=tuple(mistakes),
    )


@pytest.fixture
def receive(webhook):
    """Deliver a buyer's order through the webhook; returns (draft, PurchaseOrder)."""
    from purchase_orders.models import PurchaseOrder

    def deliver(draft=None):
        draft = draft or buyer_order()
        response = webhook(SEND, orders.send_po_body(draft))
        assert response.status_code == 200, response.content
        return draft, PurchaseOrder.objects.get(object_id=draft.object_id)

    return deliver


@pytest.fixture
def received(receive):
    """A buyer's order received: version 1, SENT_TO_SUPPLIER, ours as supplier."""
    return receive()[1]


@pytest.fixture
def api(staff):
    """A REST client for a demo user, authenticated with an API token."""

    def as_user(username):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(staff[username]).key}")
        return client

    return as_user


def state_of(order) -> tuple:
    """What a request changes: the order's status, version and pending message, and how
    many history rows, orders and outbound messages exist (a refusal changes none)."""
    from b2bportal.network.models import OutboundMessage
    from purchase_orders.models import PurchaseOrder, PurchaseOrderStatusChange

    order.refresh_from_db()
    return (
        order.status,
        order.version,
        order.pending_message_id,
        PurchaseOrderStatusChange.objects.count(),
        PurchaseOrder.objects.count(),
        OutboundMessage.objects.count(),
    )


def new_order_data(business_b2b_id: str = OUR_BUSINESSES[0].b2b_id, **changes) -> dict:
    """An order of ours as `POST /api/purchase-orders/` takes it: our Pune unit buys from
    Kalyani Steel (Maharashtra too: CGST and SGST)."""
    supplier = COUNTERPARTIES[0]
    data = {
        "business": business_b2b_id,
        "supplier": {
            "b2b_id": supplier.b2b_id,
            "gstin": supplier.gstin,
            "legal_name": supplier.legal_name,
            "trade_name": supplier.trade_name,
            "state_code": supplier.state_code,
        },
        "po_number": "4500012345",
        "order_date": "2026-11-20",
        "delivery_date": "2026-12-05",
        "subject": "Steel for the press shop",
        "place_of_supply": "27",
        "items": [
            {
                "description": "Mild steel angle 50x50x6 mm",
                "hsn_code": "7216",
                "quantity": "400",
                "unit": "KGS",
                "unit_price": "62.50",
                "gst_rate": "18",
            },
            {
                "description": "Stainless steel sheet 304, 2 mm",
                "hsn_code": "7219",
                "quantity": "120",
                "unit": "KGS",
                "unit_price": "245.00",
                "gst_rate": "18",
            },
        ],
    }
    data.update(changes)
    return data
