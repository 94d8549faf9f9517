"""Two deliveries of one new invoice at the same instant: one invoice, one duplicate."""

import threading

import pytest
from django.db import connection, transaction

from b2bportal.parties.models import Business
from invoices import services, wire
from invoices.models import Invoice, InvoiceVersion
from tests.fixtures import invoices as data


@pytest.mark.django_db(transaction=True)
def test_the_same_new_invoice_arriving_twice_at_once_is_created_once():
    Business.objects.create(
        b2b_id=data.BUYER_B2B_ID,
        gstin=data.BUYER_GSTIN,
        legal_name=data.BUYER["legal_name"],
        trade_name=data.BUYER["trade_name"],
        state_code="29",
    )
    body = data.network_invoice()
    content = wire.received_content(body)
    first_created = threading.Event()
    release_first = threading.Event()
    results, errors = {}, []

    def deliver(name, hold=False):
        try:
            with transaction.atomic():
                results[name] = services.receive_invoice(content, body["b2bIds"])
                if hold:
                    first_created.set()
                    release_first.wait(10)  # keep the new invoice uncommitted
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    one = threading.Thread(target=deliver, args=("first", True))
    one.start()
    assert first_created.wait(10)
    two = threading.Thread(target=deliver, args=("second",))
    two.start()
    two.join(0.5)
    assert two.is_alive()  # waiting on the first's uncommitted invoice
    release_first.set()
    one.join(10)
    two.join(10)

    assert errors == []
    assert (results["first"].duplicate, results["second"].duplicate) == (False, True)
    assert Invoice.objects.count() == 1
    assert InvoiceVersion.objects.count() == 1
