"""The lists drawn per column (b2bportal/admin_lists.py) read exactly as the theme draws them."""

import pytest
from django.contrib import admin
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from unfold.templatetags.unfold_list import items_for_result

from b2bportal.admin_lists import QuickChangeList
from invoices import services
from invoices.models import Invoice, StatusChange
from tests.fixtures import invoices as data

from .conftest import SEND

LISTS = [
    (Invoice, ""),
    (Invoice, "status__exact=SENT_TO_BUYER&o=3"),
    (Invoice, "q=SGST"),
    (StatusChange, ""),
    (StatusChange, "source__exact=network"),
]


@pytest.fixture
def varied(received, webhook, staff):
    """Invoices and history rows of the kinds a list cell shows: one awaiting the network
    with a decision by staff in its history, one received and waiting."""
    webhook(SEND, data.network_invoice(object_id=data.OTHER_OBJECT_ID, number="SGST/26-27/0461"))
    services.confirm(received, "ACCEPT", "Checked <b>against</b> GRN 4471", expected_version=1)
    return staff["admin"]


def changelist(model, query: str, user):
    request = RequestFactory().get(f"/admin/x/?{query.replace(' ', '+')}")
    request.user = user
    return admin.site._registry[model].get_changelist_instance(request)


@pytest.mark.parametrize(("model", "query"), LISTS)
def test_each_cell_reads_as_the_themes_own(varied, model, query):
    cl = changelist(model, query, varied)
    assert isinstance(cl, QuickChangeList)
    assert cl.quick_list is not None
    assert len(cl.result_list) >= 2
    for result in cl.result_list:
        assert cl.cells_of(result) == "".join(items_for_result(cl, result, None))


def test_the_list_page_shows_the_rows_once_each_linked_to_its_page(varied, login):
    page = (
        login("reviewer")
        .get("/admin/invoices/invoice/?status__exact=SENT_TO_BUYER")
        .content.decode()
    )
    received = Invoice.objects.get(object_id=data.OBJECT_ID)
    link = (
        f'href="/admin/invoices/invoice/{received.pk}/change/'
        "?_changelist_filters=status__exact%3DSENT_TO_BUYER"
    )
    assert page.count(link) == 1
    assert page.count('class="data-row relative"') == 2
    history = login("auditor").get("/admin/invoices/statuschange/").content.decode()
    assert history.count('class="data-row relative"') == StatusChange.objects.count()
    assert f'href="/admin/invoices/invoice/{received.pk}/change/"' in history
    assert "Checked &lt;b&gt;against&lt;/b&gt; GRN 4471" in history


def test_a_popup_list_is_left_to_the_theme(varied, login):
    page = login("admin").get("/admin/invoices/invoice/?_popup=1")
    assert page.status_code == 200
    assert page.context["cl"].quick_list is None
    assert page.content.decode().count('class="data-row relative"') == 2


SEARCHES = [
    (Invoice, "q=0461", "invoice_number_trgm"),
    # a part of a GSTIN from the trigram index; a whole GSTIN from the column's own
    (Invoice, f"q={data.SUPPLIER_GSTIN[2:12]}", "invoice_supplier_gstin_trgm"),
    (Invoice, f"q={data.SUPPLIER_GSTIN.lower()}", "invoices_invoice_supplier_gstin_c15583cc"),
    # the counterparty's keys first, then the invoices by either index on that key
    (Invoice, "q=Shree Ganesh", ("invoice_cparty_updated", "invoices_invoice_counterparty_id")),
    (StatusChange, "q=GRN 4471", "statuschange_remarks_trgm"),
]


def indexed_plan(sql: str, params=None) -> str:
    """The plan of `sql` with scans of whole tables refused: the plan still finds a way,
    and it names the index it takes."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(("model", "query", "index"), SEARCHES)
def test_the_search_is_read_from_indexes(varied, model, query, index):
    """A phrase expected in few rows: their keys are read first, from the index meant for
    the term, and the list is those keys (read by the primary key)."""
    admin_class = admin.site._registry[model]
    bound = f"LIMIT {admin_class.search_keys_max + 1}"
    with CaptureQueriesContext(connection) as captured:
        queryset = changelist(model, query, varied).queryset
    [keys_read] = [
        q["sql"] for q in captured if bound in q["sql"] and not q["sql"].startswith("EXPLAIN")
    ]
    plan = indexed_plan(keys_read)
    assert f"Seq Scan on {model._meta.db_table}" not in plan
    assert any(name in plan for name in ([index] if isinstance(index, str) else index))
    sql, params = queryset.query.sql_with_params()
    assert f'"{model._meta.db_table}"."id" IN (SELECT unnest(' in sql
    assert f"{model._meta.db_table}_pkey" in indexed_plan(sql, params)
    assert list(queryset)  # and the search finds what it should


@pytest.mark.parametrize(("model", "query", "index"), SEARCHES)
def test_a_phrase_expected_in_many_rows_is_searched_in_place(
    varied, monkeypatch, model, query, index
):
    """Where the planner expects more rows than `search_keys_max`, the list's own query
    holds the phrase, and reads it from the same index."""
    monkeypatch.setattr(admin.site._registry[model], "search_keys_max", 0)
    queryset = changelist(model, query, varied).queryset
    sql, params = queryset.query.sql_with_params()
    assert f'"{model._meta.db_table}"."id" IN (SELECT unnest(' not in sql
    plan = indexed_plan(sql, params)
    assert f"Seq Scan on {model._meta.db_table}" not in plan
    assert any(name in plan for name in ([index] if isinstance(index, str) else index))
    assert list(queryset)


@pytest.mark.parametrize(
    "term",
    ["shree ganesh", "SGST", "0461", data.SUPPLIER_GSTIN, data.SUPPLIER_GSTIN[3:9], "nothing"],
)
def test_keys_read_first_find_what_the_phrase_finds(varied, monkeypatch, term):
    """The same rows, in the same order, whether the keys are read first, the phrase
    stays in the list's query, or more rows match than the keys the list would hold."""

    def found():
        return [i.pk for i in changelist(Invoice, f"q={term}", varied).queryset]

    by_keys = found()
    invoice_admin = admin.site._registry[Invoice]
    monkeypatch.setattr(invoice_admin, "search_keys_max", 0)
    assert found() == by_keys
    monkeypatch.setattr(invoice_admin, "search_keys_max", 1)  # the planner: 1; found: 2
    assert found() == by_keys
    expected = 0 if term == "nothing" else 1 if term in ("0461",) else 2
    assert len(by_keys) == expected


def test_the_search_is_one_phrase_in_any_field(varied):
    def found(term):
        return [
            i.supplier_invoice_number for i in changelist(Invoice, f"q={term}", varied).queryset
        ]

    assert sorted(found("shree ganesh")) == ["SGST/26-27/0458", "SGST/26-27/0461"]
    assert found("26-27/0461") == ["SGST/26-27/0461"]
    assert found("Ganesh 0461") == []  # a phrase, not words matched anywhere
    assert found("  ") == found("") and len(found("")) == 2


def test_a_list_whose_page_holds_every_row_counts_nothing(varied, login, monkeypatch):
    """The rows read are the count when they fit the page (a search's few rows): no
    COUNT and no estimate; a list longer than its page still counts (or estimates)."""

    def counts(url) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url)
        assert page.status_code == 200
        assert (
            page.context["cl"].result_count
            == Invoice.objects.filter(supplier_invoice_number__icontains="SGST").count()
        )
        search_keys = f"LIMIT {admin.site._registry[Invoice].search_keys_max + 1}"
        return [
            q["sql"]
            for q in captured
            if "invoices_invoice" in q["sql"]
            and (q["sql"].startswith("EXPLAIN") or "COUNT(" in q["sql"])
            and search_keys not in q["sql"]  # the search's own estimate of its keys
        ]

    client = login("reviewer")
    assert counts("/admin/invoices/invoice/?q=SGST") == []
    monkeypatch.setattr(admin.site._registry[Invoice], "list_per_page", 1)
    assert len(counts("/admin/invoices/invoice/?q=SGST")) >= 1


def test_the_row_checkbox_is_the_themes_widget_rendered_once_per_page(varied, monkeypatch):
    """Each row's checkbox reads as the theme's widget for that row, and the widget is
    rendered once for the whole page, not per row (the history list's largest cost)."""
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
    from unfold.admin import checkbox

    rendered = []
    original = checkbox.render
    monkeypatch.setattr(
        checkbox, "render", lambda *args, **kwargs: rendered.append(args) or original(*args)
    )
    cl = changelist(StatusChange, "", varied)
    html = cl.quick_rows()
    assert len(cl.result_list) == StatusChange.objects.count() >= 3
    # once per process at most (kept), never once per row
    assert len([call for call in rendered if call[0] == ACTION_CHECKBOX_NAME]) <= 1
    for row in cl.result_list:
        assert original(ACTION_CHECKBOX_NAME, str(row.pk)) in html
