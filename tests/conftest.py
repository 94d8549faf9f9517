"""Project-wide test set-up: a real PostgreSQL test database per test run."""

import os

import pytest


@pytest.fixture(scope="session")
def django_db_modify_db_settings():
    """Give each pytest run its own test database, so concurrent runs never collide."""
    from django.conf import settings

    test = settings.DATABASES["default"].setdefault("TEST", {})
    test["NAME"] = f"test_b2bportal_{os.getpid()}"
