"""The detail page's "next in the list": one keyset query (the list's order and filters
from this document on), the right document wherever it stands, ties and empty dates
included."""

import datetime

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from invoices.models import Invoice
from tests.fixtures.invoice_rows import create_received_invoices

INVOICES = 24
# The list as reviewers sort it: by update (the default), number, invoice date (some
# empty, many equal), due date, total; with a filter and with a search.
LISTS = [
    "",
    "o=1",
    "o=-1",
    "o=7",
    "o=-7",
    "o=-8.1",
    "o=9.7",
    "status__exact=SENT_TO_BUYER",
    "status__exact=ACCEPTED&o=7",
    "q=SGST/26-27/001",
]


@pytest.fixture
def invoices(business, staff):
    """24 invoices: every third without an invoice date, the others on four dates; totals
    repeating; alternately accepted and waiting."""
    create_received_invoices(
        business,
        INVOICES,
        digits=4,
        fields=lambda n, start: {
            "invoice_date": None if n % 3 == 0 else datetime.date(2026, 3, 1 + n % 4),
            "due_date": datetime.date(2026, 4, 1 + n % 5),
            "total_value": 1000 + n % 6,
            # two invoices share each moment: the key decides between them
            "updated_at": start + datetime.timedelta(seconds=n // 2),
        },
    )
    return staff["reviewer"]


def next_in_list(user, invoice_pk: int, filters: str, document=None):
    model_admin = admin.site._registry[Invoice]
    request = RequestFactory().get("/")
    request.user = user
    document = document or Invoice.objects.get(pk=invoice_pk)
    return model_admin._next_in_list(request, document, filters)


def listed(user, filters: str) -> list[int]:
    """The list's documents in its order, as the list page reads them."""
    request = RequestFactory().get(f"/admin/invoices/invoice/?{filters}")
    request.user = user
    changelist = admin.site._registry[Invoice].get_changelist_instance(request)
    return list(changelist.get_queryset(request).values_list("pk", flat=True))


@pytest.mark.parametrize("filters", LISTS)
def test_next_is_the_following_row_of_the_list_wherever_the_document_stands(invoices, filters):
    order = listed(invoices, filters)
    assert len(order) >= 5
    following = dict(zip(order, [*order[1:], None], strict=True))
    assert {pk: next_in_list(invoices, pk, filters) for pk in order} == following


def test_next_costs_one_query_whatever_the_position(invoices):
    order = listed(invoices, "o=7")
    counts = []
    for pk in (order[0], order[len(order) // 2], order[-1]):
        document = Invoice.objects.get(pk=pk)
        with CaptureQueriesContext(connection) as captured:
            next_in_list(invoices, pk, "o=7", document)
        counts.append([q["sql"] for q in captured if "invoices_invoice" in q["sql"]])
    assert [len(reads) for reads in counts] == [1, 1, 1]
    # and it reads two rows from the document on, not the list up to it
    assert all(" LIMIT 2" in reads[0] for reads in counts)


def test_a_document_off_the_list_is_followed_by_the_first_listed(invoices):
    order = listed(invoices, "status__exact=ACCEPTED")
    waiting = Invoice.objects.filter(status="SENT_TO_BUYER").first()
    assert next_in_list(invoices, waiting.pk, "status__exact=ACCEPTED") == order[0]
