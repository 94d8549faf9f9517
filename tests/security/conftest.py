"""Fixtures for the security tests: the invoice fixtures (our business, the real webhook,
staff and their admin logins) and API clients."""

import pytest
from rest_framework.test import APIClient

from tests.invoices.conftest import (  # noqa: F401  (fixtures shared with the invoice tests)
    business,
    login,
    password,
    received,
    staff,
    webhook,
)


@pytest.fixture
def api(staff):  # noqa: F811
    """A REST client for one of the demo users, authenticated without a token."""

    def as_user(username):
        client = APIClient()
        client.force_authenticate(user=staff[username])
        return client

    return as_user
