"""Fixtures for invoices: our businesses, the real webhook, staff users."""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from b2bportal.parties.models import Business
from b2bportal.staff.services import DEMO_PASSWORD, create_demo_accounts
from tests.fixtures import invoices as data

WEBHOOK_TOKEN = "invoices-test-token-81d2"


@pytest.fixture
def business(db):
    """Our business: Kaveri Engineering, Bengaluru (Karnataka, state 29)."""
    return Business.objects.create(
        b2b_id=data.BUYER_B2B_ID,
        gstin=data.BUYER_GSTIN,
        legal_name=data.BUYER["legal_name"],
        trade_name=data.BUYER["trade_name"],
        state_code="29",
        address={"city": "Bengaluru", "pincode": "560058"},
        email="payables@kaveriengineering.in",
    )


@pytest.fixture
def webhook(settings, client, business):
    """POST a body to a catalogue path through the real webhook view; returns the response."""
    settings.ENKASH_WEBHOOK_TOKEN = WEBHOOK_TOKEN
    settings.ENKASH_WEBHOOK_SIGNING_SECRET = ""
    settings.ENKASH_WEBHOOK_ALLOWED_IPS = []

    def post(path: str, body: dict):
        return client.generic(
            "POST",
            path,
            json.dumps(body).encode(),
            content_type="application/json",
            headers={"X-Webhook-Token": WEBHOOK_TOKEN},
        )

    return post


SEND = "/api/v0/invoice/req-send-invoice"
EDIT = "/api/v0/invoice/req-edit-invoice"
CONFIRM = "/api/v0/invoice/req-confirm-invoice"
STATUS = "/api/v0/invoice/req-status-change-invoice"
SEND_RESULT = "/api/v0/invoice/resp-send-invoice"
EDIT_RESULT = "/api/v0/invoice/resp-edit-invoice"
CONFIRM_RESULT = "/api/v0/invoice/resp-confirm-invoice"
STATUS_RESULT = "/api/v0/invoice/resp-status-change-invoice"


@pytest.fixture
def received(webhook):
    """An invoice received from Shree Ganesh Steel (inter-state), version 1, SENT_TO_BUYER."""
    from invoices.models import Invoice

    response = webhook(SEND, data.network_invoice())
    assert response.status_code == 200, response.content
    return Invoice.objects.get(object_id=data.OBJECT_ID)


def decision_state(invoice) -> tuple:
    """What a decision changes: the invoice's status, version and pending message, and
    how many status changes and outbound messages there are (a refusal changes none)."""
    from b2bportal.network.models import OutboundMessage
    from invoices.models import StatusChange

    invoice.refresh_from_db()
    return (
        invoice.status,
        invoice.version,
        invoice.pending_message_id,
        StatusChange.objects.count(),
        OutboundMessage.objects.count(),
    )


@pytest.fixture
def staff(db, settings):
    """The demo accounts (admin, reviewer, auditor), their roles set up."""
    # A fast hasher: these tests are about invoices, not password strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    create_demo_accounts()
    return {u.username: u for u in get_user_model().objects.all()}


@pytest.fixture
def password():
    return DEMO_PASSWORD


# -- the admin as staff use it: a real login with CSRF -----------------------------------


def csrf_of(response) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.content)
    assert match, "no CSRF token in the page"
    return match.group(1).decode()


@pytest.fixture
def login(staff, password):
    def as_user(username) -> Client:
        client = Client(enforce_csrf_checks=True)
        page = client.get("/admin/login/")
        response = client.post(
            "/admin/login/",
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": csrf_of(page),
                "next": "/admin/",
            },
        )
        assert response.status_code == 302, response.content[:500]
        return client

    return as_user


def detail(invoice) -> str:
    return f"/admin/invoices/invoice/{invoice.pk}/change/"
