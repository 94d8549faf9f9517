"""Money leaves as exact JSON numbers: the bytes EnKash receives carry the paise we hold."""

import datetime
import re
from decimal import Decimal

import pytest

from b2bportal.network import jsonnumbers
from b2bportal.network.delivery import deliver
from b2bportal.network.models import DeliveryAttempt, OutboundMessage
from b2bportal.parties.models import Business
from invoices import services
from tests.fixtures import invoices as data


def line(description: str, unit_price: str) -> dict:
    return {
        "description": description,
        "hsn_code": "998873",
        "quantity": "1",
        "unit": "NOS",
        "unit_price": unit_price,
        "gst_rate": "0",
        "is_service": True,
    }


def numbers_sent(raw: bytes, key: str) -> list[str]:
    """The number texts that follow `"key":` in the raw request, in order."""
    return [m.decode() for m in re.findall(rb'"%s":(-?[0-9][0-9.eE+-]*)' % key.encode(), raw)]


@pytest.fixture
def send(db):
    """Create our invoice with `lines`, send it, and deliver it to the sandbox EnKash."""
    business = Business.objects.create(
        b2b_id=data.BUYER_B2B_ID,
        gstin=data.BUYER_GSTIN,
        legal_name=data.BUYER["legal_name"],
        state_code="29",
    )

    def send(*lines) -> OutboundMessage:
        invoice = services.create_invoice(
            business,
            {
                "buyer": {
                    "b2b_id": data.SUPPLIER_B2B_ID,
                    "gstin": data.SUPPLIER_GSTIN,
                    "legal_name": "Shree Ganesh Steel Traders Private Limited",
                    "state_code": "27",
                },
                "supplier_invoice_number": "KEW/INV/26-27/0099",
                "invoice_date": datetime.date(2026, 11, 19),
                "place_of_supply": "27",
                "items": list(lines),
            },
        )
        message = services.send_invoice(invoice)
        assert deliver(message.pk) == "sent"
        return OutboundMessage.objects.get(pk=message.pk)

    return send


@pytest.mark.django_db
def test_ten_paise_and_twenty_paise_go_out_as_thirty(enkash, send):
    message = send(line("Courier", "0.10"), line("Packing", "0.20"))

    [received] = enkash.received
    assert numbers_sent(received.raw, "assessmentValue") == ["0.30"]
    assert numbers_sent(received.raw, "totalInvoiceValue") == ["0.30"]
    assert numbers_sent(received.raw, "totalItemValue") == ["0.10", "0.20"]
    assert numbers_sent(received.raw, "gstRate") == ["0.000", "0.000"]
    # Read back from PostgreSQL, the stored body still holds the paise exactly.
    assert message.body["invoice"]["valueDetails"]["assessmentValue"] == Decimal("0.30")
    [attempt] = DeliveryAttempt.objects.filter(message=message)
    assert attempt.request_body.encode() == received.raw


@pytest.mark.django_db
def test_a_crore_total_goes_out_to_the_paisa(enkash, send):
    message = send(line("Plant commissioning", "12345678.90"))

    [received] = enkash.received
    assert numbers_sent(received.raw, "totalInvoiceValue") == ["12345678.90"]
    assert numbers_sent(received.raw, "unitPrice") == ["12345678.9000"]
    assert numbers_sent(received.raw, "quantity") == ["1.0000"]
    value = message.body["invoice"]["valueDetails"]["totalInvoiceValue"]
    assert (type(value), value) == (Decimal, Decimal("12345678.90"))
    [attempt] = DeliveryAttempt.objects.filter(message=message)
    assert attempt.request_body.encode() == received.raw


def test_decimals_are_written_as_their_digits_and_read_back_as_decimals():
    body = {"a": Decimal("12345.60"), "b": [Decimal("1E+3"), 2, 2.5, None, True, "₹"]}

    text = jsonnumbers.dumps(body)

    assert text == '{"a":12345.60,"b":[1000,2,2.5,null,true,"₹"]}'
    assert jsonnumbers.loads(text) == {
        "a": Decimal("12345.60"),
        "b": [Decimal("1000"), 2, Decimal("2.5"), None, True, "₹"],
    }
    assert type(jsonnumbers.loads(text)["b"][0]) is int


def test_a_number_that_is_not_finite_is_refused():
    with pytest.raises(ValueError, match="NaN is not a JSON number"):
        jsonnumbers.dumps({"a": Decimal("NaN")})
