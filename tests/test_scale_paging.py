"""Lists page without counting large tables: the planner's estimate above
LIST_EXACT_COUNT_MAX rows, an exact (bounded) count below it, and pages still right."""

import datetime

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext

from b2bportal.paginators import EstimatedCountPaginator, list_count
from b2bportal.parties.gstin import make_gstin
from b2bportal.parties.models import Business
from invoices.models import Invoice
from tests.fixtures.invoice_rows import create_received_invoices

INVOICES = 1200


@pytest.fixture
def invoices(db):
    """1,200 invoices, the newest (by `updated_at`) first in `ordered`; the table ANALYZEd."""
    business = Business.objects.create(
        b2b_id="OURBIZ.B2B.1",
        gstin=make_gstin("29", "AAGCK0001M"),
        legal_name="Kaveri Engineering Pvt Ltd",
        state_code="29",
    )
    create_received_invoices(
        business,
        INVOICES,
        digits=5,
        fields=lambda n, start: {"updated_at": start + datetime.timedelta(seconds=n)},
    )
    analyze()
    return list(Invoice.objects.order_by("-updated_at", "-id").values_list("pk", flat=True))


def analyze():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE invoices_invoice")


def delete_without_analyze(count: int):
    """Delete rows the statistics still count: the planner keeps expecting them."""
    Invoice.objects.filter(pk__in=Invoice.objects.order_by("id").values("pk")[:count]).delete()


def counts_of_invoices(captured) -> list[str]:
    """The COUNT queries over invoices that read rows (an EXPLAIN reads none)."""
    return [
        q["sql"]
        for q in captured
        if "COUNT(" in q["sql"].upper()
        and "invoice" in q["sql"]
        and not q["sql"].startswith("EXPLAIN")
    ]


def test_a_large_list_shows_the_planners_estimate_and_counts_nothing(invoices, settings):
    settings.LIST_EXACT_COUNT_MAX = 100
    delete_without_analyze(200)
    assert Invoice.objects.count() == INVOICES - 200
    with CaptureQueriesContext(connection) as captured:
        estimated = EstimatedCountPaginator(Invoice.objects.all(), 50).count
    assert estimated == INVOICES  # the statistics', not the table's
    assert counts_of_invoices(captured) == []
    assert list_count(Invoice.objects.filter(status="ACCEPTED")) == INVOICES // 2


def test_a_small_list_is_counted_exactly(invoices, settings):
    delete_without_analyze(200)
    assert settings.LIST_EXACT_COUNT_MAX == 10_000
    assert EstimatedCountPaginator(Invoice.objects.all(), 50).count == INVOICES - 200
    settings.LIST_EXACT_COUNT_MAX = 100
    one = Invoice.objects.filter(object_id="INV" + "7".zfill(32))
    assert list_count(one) == 0  # deleted: counted, not estimated
    assert list_count(Invoice.objects.filter(object_id="INV" + "700".zfill(32))) == 1


def test_a_count_the_planner_costs_too_high_is_estimated(invoices, settings):
    """However few rows a filter keeps, counting them is a scan when no index serves it."""
    delete_without_analyze(200)
    settings.LIST_EXACT_COUNT_MAX_COST = 1
    with CaptureQueriesContext(connection) as captured:
        assert list_count(Invoice.objects.filter(status="ACCEPTED")) == INVOICES // 2
    assert counts_of_invoices(captured) == []
    settings.LIST_EXACT_COUNT_MAX_COST = 1_000_000
    assert list_count(Invoice.objects.filter(status="ACCEPTED")) == (INVOICES - 200) // 2


def test_an_estimate_too_low_counts_no_further_than_the_bound(invoices, settings):
    settings.LIST_EXACT_COUNT_MAX = 100
    Invoice.objects.filter(status="ACCEPTED").update(status="CLOSED")  # statistics: none
    with CaptureQueriesContext(connection) as captured:
        assert list_count(Invoice.objects.filter(status="CLOSED")) == 101
    assert "LIMIT 101" in counts_of_invoices(captured)[0]


def test_admin_list_pages_with_the_estimated_count(invoices, admin_client, settings, monkeypatch):
    settings.LIST_EXACT_COUNT_MAX = 100
    monkeypatch.setattr(admin.site._registry[Invoice], "paginator", EstimatedCountPaginator)
    delete_without_analyze(200)
    newest = invoices[: INVOICES - 200]  # the 200 deleted are the oldest
    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get("/admin/invoices/invoice/", {"p": "2"})
    assert response.status_code == 200
    changelist = response.context["cl"]
    assert (changelist.result_count, changelist.paginator.num_pages) == (INVOICES, 24)
    assert [row.pk for row in changelist.result_list] == newest[50:100]
    assert counts_of_invoices(captured) == []
    last = admin_client.get("/admin/invoices/invoice/", {"p": "20"}).context["cl"]
    assert [row.pk for row in last.result_list] == newest[950:1000]


def test_api_list_pages_with_the_estimated_count_and_an_exact_last_page(
    invoices, admin_client, settings
):
    settings.LIST_EXACT_COUNT_MAX = 100
    delete_without_analyze(200)
    newest = invoices[: INVOICES - 200]
    with CaptureQueriesContext(connection) as captured:
        body = admin_client.get("/api/invoices/", {"limit": "50", "offset": "100"}).json()
    assert body["count"] == INVOICES
    assert [row["id"] for row in body["results"]] == newest[100:150]
    assert body["next"].endswith("/api/invoices/?limit=50&offset=150")
    assert body["previous"].endswith("/api/invoices/?limit=50&offset=50")
    assert counts_of_invoices(captured) == []

    last = admin_client.get("/api/invoices/", {"limit": "50", "offset": "980"}).json()
    assert (last["count"], last["next"]) == (1000, None)
    assert [row["id"] for row in last["results"]] == newest[980:1000]

    past = admin_client.get("/api/invoices/", {"limit": "50", "offset": "5000"}).json()
    assert (past["count"], past["next"], past["results"]) == (INVOICES, None, [])

    filtered = admin_client.get("/api/invoices/", {"limit": "50", "status": "ACCEPTED"}).json()
    assert filtered["count"] == INVOICES // 2
    accepted = set(Invoice.objects.filter(status="ACCEPTED").values_list("pk", flat=True))
    assert [row["id"] for row in filtered["results"]] == [pk for pk in newest if pk in accepted][
        :50
    ]


def test_api_list_counts_a_small_list_exactly(invoices, admin_client):
    delete_without_analyze(200)
    body = admin_client.get("/api/invoices/", {"limit": "50"}).json()
    assert (body["count"], len(body["results"])) == (INVOICES - 200, 50)


def test_an_admin_list_whose_estimate_is_too_low_is_still_read_a_page_at_a_time(
    invoices, admin_client, settings
):
    """An estimate below one page made Django read the whole list (no LIMIT) as one page."""
    settings.LIST_EXACT_COUNT_MAX_COST = 0  # the planner's estimate, whatever it says
    Invoice.objects.filter(status="ACCEPTED").update(status="CLOSED")  # statistics: none
    closed = set(Invoice.objects.filter(status="CLOSED").values_list("pk", flat=True))
    newest_closed = [pk for pk in invoices if pk in closed]

    def page(number):
        params = {"status__exact": "CLOSED", "p": str(number)}
        with CaptureQueriesContext(connection) as captured:
            cl = admin_client.get("/admin/invoices/invoice/", params).context["cl"]
        listed = [
            q["sql"]
            for q in captured
            if q["sql"].startswith("SELECT") and 'FROM "invoices_invoice"' in q["sql"]
        ]
        assert len(listed) == 1 and " LIMIT 51" in listed[0], listed
        return cl

    first = page(1)
    assert [row.pk for row in first.result_list] == newest_closed[:50]
    assert (first.multi_page, first.paginator.num_pages) == (True, 2)
    second = page(2)
    assert [row.pk for row in second.result_list] == newest_closed[50:100]
    last = page(12)
    assert [row.pk for row in last.result_list] == newest_closed[550:600]
    assert (last.result_count, last.paginator.num_pages) == (INVOICES // 2, 12)
