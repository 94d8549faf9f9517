"""Fixtures for parties: staff with their roles."""

import pytest
from django.contrib.auth import get_user_model

from b2bportal.staff.services import create_demo_accounts


@pytest.fixture
def staff(db, settings):
    # A fast hasher: these tests are about invoices, not password strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    create_demo_accounts()
    return {u.username: u for u in get_user_model().objects.all()}
