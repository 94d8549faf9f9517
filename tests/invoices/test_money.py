from decimal import Decimal

import pytest

from invoices.templatetags.money import inr


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("0"), "0.00"),
        (Decimal("999.5"), "999.50"),
        (Decimal("1000"), "1,000.00"),
        (Decimal("335308.80"), "3,35,308.80"),
        (Decimal("12345678.905"), "1,23,45,678.91"),
        (Decimal("-21948"), "-21,948.00"),
        (None, ""),
        ("n/a", "n/a"),
    ],
)
def test_amounts_are_grouped_in_lakhs_and_crores(value, shown):
    assert inr(value) == shown
