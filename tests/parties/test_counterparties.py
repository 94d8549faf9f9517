"""Counterparties learned from messages: created once even when two messages race."""

import threading

import pytest
from django.db import connection, transaction

from b2bportal.parties.models import Counterparty
from b2bportal.parties.services import upsert_counterparty

B2B_ID = "B2B27KALYANI001"


@pytest.mark.django_db(transaction=True)
def test_two_messages_from_a_new_supplier_at_once_create_one_counterparty():
    first_inserted = threading.Event()
    release_first = threading.Event()
    errors = []

    def first():
        try:
            with transaction.atomic():
                upsert_counterparty(B2B_ID, {"legal_name": "Kalyani Steel Traders Private Limited"})
                first_inserted.set()
                release_first.wait(10)  # hold the new row uncommitted
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def second():
        try:
            with transaction.atomic():
                # Waits on the unique B2B ID until the first commits, then updates its row.
                upsert_counterparty(B2B_ID, {"gstin": "27AADCK7310M1ZD"})
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert first_inserted.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)
    assert two.is_alive()  # blocked behind the first's uncommitted insert
    release_first.set()
    one.join(10)
    two.join(10)

    assert errors == []
    party = Counterparty.objects.get(b2b_id=B2B_ID)
    assert (party.legal_name, party.gstin) == (
        "Kalyani Steel Traders Private Limited",
        "27AADCK7310M1ZD",
    )
    assert Counterparty.objects.count() == 1


@pytest.mark.django_db
def test_blank_details_never_erase_what_we_know():
    upsert_counterparty(B2B_ID, {"legal_name": "Kalyani Steel Traders Private Limited"})
    party = upsert_counterparty(B2B_ID, {"legal_name": "", "gstin": "27AADCK7310M1ZD"})
    assert (party.legal_name, party.gstin) == (
        "Kalyani Steel Traders Private Limited",
        "27AADCK7310M1ZD",
    )
