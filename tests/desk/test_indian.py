"""Indian conventions: ₹ in lakh and crore groups, DD/MM/YYYY shown and accepted, IST."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template
from django.utils import formats

from b2bportal.desk.families import status_label
from b2bportal.indian import dmy, inr, ist, rupees, rupees_short, state_name, unit_price


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("12345678.5"), "₹1,23,45,678.50"),
        (Decimal("100000"), "₹1,00,000.00"),
        (Decimal("999.999"), "₹1,000.00"),
        (Decimal("-2500"), "-₹2,500.00"),
        (0, "₹0.00"),
        (None, ""),
    ],
)
def test_rupees_group_in_lakhs_and_crores(value, shown):
    assert rupees(value) == shown


def test_amounts_for_a_glance():
    assert rupees_short(Decimal("45000000")) == "₹4.50 Cr"
    assert rupees_short(Decimal("226556.5")) == "₹2.27 L"
    assert rupees_short(Decimal("78000")) == "₹78,000"
    assert inr("12345.678") == "12,345.68"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("68.4000"), "68.40"),  # as stored (four places): read as a price
        (Decimal("12.3456"), "12.3456"),
        (Decimal("0.1250"), "0.125"),
        (Decimal("1234567.5"), "12,34,567.50"),
        (Decimal("0.00005"), "0.0001"),  # half up at the fourth place
        (Decimal("-250"), "-250.00"),
        (0, "0.00"),
        (None, ""),
    ],
)
def test_unit_prices_keep_the_places_they_have_from_two_to_four(value, shown):
    assert unit_price(value) == shown
    assert (
        Template("{% load indian %}{{ price|unit_price }}").render(Context({"price": value}))
        == shown
    )


def test_dates_and_times_as_read_in_india():
    assert dmy(date(2026, 11, 25)) == "25/11/2026"
    # 20:00 UTC is 01:30 the next day in India
    assert dmy(datetime(2026, 11, 25, 20, 0, tzinfo=UTC)) == "26/11/2026"
    assert ist(datetime(2026, 11, 25, 20, 0, tzinfo=UTC)) == "26/11/2026 01:30 IST"
    assert ist(None) == ""


def test_state_codes_with_their_names():
    assert state_name("27") == "27 - Maharashtra"
    assert state_name("7") == "07 - Delhi"
    assert state_name("MH") == "MH"
    assert state_name("") == ""


def test_status_labels_from_the_choices():
    assert status_label("SENT_TO_BUYER") == "Sent to buyer"
    assert status_label("UNKNOWN") == "UNKNOWN"


def test_django_shows_dates_and_times_the_indian_way():
    rendered = Template("{{ day }} | {{ moment }}").render(
        Context({"day": date(2026, 11, 13), "moment": datetime(2026, 11, 13, 9, 0, tzinfo=UTC)})
    )
    assert rendered == "13/11/2026 | 13/11/2026 14:30 IST"
    assert formats.get_format("DATE_INPUT_FORMATS")[0] == "%d/%m/%Y"


def test_every_form_reads_dd_mm_yyyy():
    field = forms.DateField()
    assert field.clean("25/11/2026") == date(2026, 11, 25)
    assert field.clean("2026-11-25") == date(2026, 11, 25)
    with pytest.raises(forms.ValidationError):
        field.clean("11/25/2026")  # US order is not a date here


@pytest.mark.django_db
def test_the_invoice_list_filters_by_dd_mm_yyyy_and_shows_it(login, make_invoice):
    inside = make_invoice(age_days=0)
    make_invoice(age_days=30)
    client = login("reviewer")
    day = dmy(inside.invoice_date)
    response = client.get(f"/admin/invoices/invoice/?invoice_date_from={day}&invoice_date_to={day}")
    assert [i.pk for i in response.context["cl"].result_list] == [inside.pk]
    page = response.content.decode()
    assert day in page
    assert "Sent to buyer" in page  # the status label, not SENT_TO_BUYER
    assert "SENT_TO_BUYER</span>" not in page


@pytest.mark.django_db
def test_the_api_date_filters_read_dd_mm_yyyy_too(login, make_invoice):
    inside = make_invoice(age_days=0)
    make_invoice(age_days=30)
    day = dmy(inside.invoice_date)
    response = login("reviewer").get(f"/api/invoices/?invoice_date_from={day}")
    assert response.status_code == 200
    assert [row["object_id"] for row in response.json()["results"]] == [inside.object_id]


@pytest.mark.django_db
def test_the_status_history_filters_by_dd_mm_yyyy(login, make_invoice, decision):
    invoice = make_invoice()
    recent = decision(invoice, "ACCEPTED")
    decision(invoice, "REJECTED", days_ago=10)
    day = dmy(recent.at)
    response = login("auditor").get(f"/admin/invoices/statuschange/?at_from={day}")
    assert [change.pk for change in response.context["cl"].result_list] == [recent.pk]
