"""The REST API's front door: its root, and the token an ERP uses."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from b2bportal.staff.services import DEMO_PASSWORD, create_demo_accounts


@pytest.fixture
def accounts(db):
    create_demo_accounts()


def test_an_erp_trades_credentials_for_a_token_and_reads_invoices_with_it(accounts):
    api = APIClient()
    response = api.post(
        "/api/auth/token/", {"username": "auditor", "password": DEMO_PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) == 40

    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listing = api.get("/api/invoices/")
    assert listing.status_code == 200
    assert listing.json()["count"] == 0


def test_a_wrong_password_gets_no_token(accounts):
    response = APIClient().post(
        "/api/auth/token/", {"username": "auditor", "password": "guess"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}


def test_the_api_refuses_anonymous_callers_and_lists_its_collections(accounts):
    assert APIClient().get("/api/invoices/").status_code == 401
    api = APIClient()
    api.force_login(get_user_model().objects.get(username="auditor"))
    root = api.get("/api/")
    assert root.status_code == 200
    assert set(root.json()) == {"businesses", "invoices", "purchase-orders"}
