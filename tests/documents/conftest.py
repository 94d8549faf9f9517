"""The contract suite runs once per registered document family (`documents.registry`)."""

import pytest

from b2bportal.documents.registry import families
from tests.invoices.conftest import business, staff, webhook  # noqa: F401  (fixtures)

from .adapters import ADAPTERS


def pytest_generate_tests(metafunc):
    if "family" in metafunc.fixturenames:
        specs = families()
        metafunc.parametrize("family", specs, ids=[spec.name for spec in specs])


@pytest.fixture
def adapter(family):
    """The registered family's test adapter; a family without one is skipped, loudly."""
    if family.name not in ADAPTERS:
        pytest.skip(f"No contract-suite adapter for the {family.name} family yet")
    return ADAPTERS[family.name]
