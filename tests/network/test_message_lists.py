"""The inbound and outbound message lists at scale: never a count of the whole table, the
same queries at 50 and 200 rows, searches and text filters read from trigram indexes,
and each row drawn exactly as the theme draws it."""

import re

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from unfold.templatetags.unfold_list import items_for_result

from b2bportal.admin_lists import QuickChangeList
from b2bportal.network.models import InboundMessage, OutboundMessage
from invoices.models import Invoice

from .conftest import WIDGET_SEND

pytestmark = pytest.mark.django_db

INBOUND = "/admin/network/inboundmessage/"
OUTBOUND = "/admin/network/outboundmessage/"


def object_id(n: int) -> str:
    return f"INV{n:032d}"


def inbound_rows(count: int) -> list[InboundMessage]:
    """`count` stored deliveries, every other one linked to an invoice (by key only)."""
    invoice_type = ContentType.objects.get_for_model(Invoice)
    return InboundMessage.objects.bulk_create(
        InboundMessage(
            method="POST", path=WIDGET_SEND, message_type="test_widget.send", body=b"{}",
            object_id=object_id(n), req_msg_id=f"R{n:031x}", fingerprint=f"{n:064d}",
            buyer_b2b_id=f"BUYER-B2B-{n}", supplier_b2b_id=f"SUPPLIER-B2B-{n}",
            outcome=InboundMessage.Outcome.PROCESSED if n % 3 else InboundMessage.Outcome.INVALID,
            reply_status=200 if n % 3 else 400,
            document_type=invoice_type if n % 2 else None, document_id=n if n % 2 else None,
        )
        for n in range(count)
    )  # fmt: skip


def outbound_rows(count: int) -> list[OutboundMessage]:
    """`count` calls of ours, every other one made for an invoice (by key only)."""
    invoice_type = ContentType.objects.get_for_model(Invoice)
    return OutboundMessage.objects.bulk_create(
        OutboundMessage(
            message_type="invoice.confirm", path="/api/v0/invoice/req-confirm", body={},
            object_id=object_id(n), network_message_id=f"NET-{n}",
            state=OutboundMessage.State.SENT if n % 3 else OutboundMessage.State.FAILED,
            document_type=invoice_type if n % 2 else None, document_id=n if n % 2 else None,
        )
        for n in range(count)
    )  # fmt: skip


LISTS = [(InboundMessage, INBOUND, inbound_rows), (OutboundMessage, OUTBOUND, outbound_rows)]


def changelist(model, query: str, user):
    request = RequestFactory().get(f"/admin/x/?{query}")
    request.user = user
    return admin.site._registry[model].get_changelist_instance(request)


def page_queries(client, url: str) -> tuple[list[str], object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in captured], response.context["cl"]


@pytest.mark.parametrize(("model", "url", "make"), LISTS)
def test_no_page_counts_the_whole_table(admin_client, model, url, make, monkeypatch):
    """More rows than the page: the pager's count is the planner's estimate or a count
    bounded by a LIMIT, and there is no "N total" count of the table."""
    make(60)
    monkeypatch.setattr(admin.site._registry[model], "list_per_page", 50)
    table = model._meta.db_table
    queries, cl = page_queries(admin_client, url)
    counts = [sql for sql in queries if "COUNT(" in sql and table in sql]
    assert [sql for sql in counts if "LIMIT" not in sql] == []
    assert cl.full_result_count is None
    assert len(cl.result_list) == 50
    assert cl.result_count == 60  # few rows: the bounded count is exact
    # the page itself is one slice: the page and one row more
    assert any(re.search(r"LIMIT 51\b", sql) for sql in queries if f'FROM "{table}"' in sql)


@pytest.mark.parametrize(("model", "url", "make"), LISTS)
def test_a_page_of_200_costs_the_queries_of_a_page_of_50(
    admin_client, model, url, make, monkeypatch
):
    make(201)
    model_admin = admin.site._registry[model]
    monkeypatch.setattr(model_admin, "list_per_page", 50)
    fifty, cl = page_queries(admin_client, url)
    assert len(cl.result_list) == 50
    monkeypatch.setattr(model_admin, "list_per_page", 200)
    two_hundred, cl = page_queries(admin_client, url)
    assert len(cl.result_list) == 200
    assert len(two_hundred) == len(fifty)


@pytest.mark.parametrize(("model", "url", "make"), LISTS)
@pytest.mark.parametrize("query", ["", "o=2", "q=INV0000"])
def test_each_row_reads_as_the_themes_own(admin_user, model, url, make, query):
    make(6)
    cl = changelist(model, query, admin_user)
    assert isinstance(cl, QuickChangeList) and cl.quick_list is not None
    assert len(cl.result_list) == 6
    for result in cl.result_list:
        assert cl.cells_of(result) == "".join(items_for_result(cl, result, None))


def test_the_document_column_links_each_row_to_its_document(admin_client):
    rows = inbound_rows(4)
    page = admin_client.get(INBOUND).content.decode()
    assert page.count('class="data-row relative"') == 4
    assert page.count('href="/admin/invoices/invoice/1/change/"') == 1
    assert page.count('href="/admin/invoices/invoice/3/change/"') == 1
    assert "invoice #1</a>" in page and "invoice #3</a>" in page
    for row in rows:
        assert f'href="/admin/network/inboundmessage/{row.pk}/change/"' in page


def test_the_lists_filter_and_search_as_before(admin_client):
    inbound_rows(7)
    outbound_rows(5)

    def listed(url, query) -> list[str]:
        _, cl = page_queries(admin_client, f"{url}?{query}")
        return sorted(row.object_id for row in cl.result_list)

    assert listed(INBOUND, "q=00000000000000000000000000000005") == [object_id(5)]
    assert listed(INBOUND, f"q=R{3:031x}") == [object_id(3)]  # a reqMsgId
    assert listed(INBOUND, "outcome__exact=invalid") == [object_id(n) for n in (0, 3, 6)]
    assert listed(INBOUND, "buyer_b2b_id__icontains=b2b-4") == [object_id(4)]
    assert listed(INBOUND, "supplier_b2b_id__icontains=SUPPLIER-B2B-6") == [object_id(6)]
    assert listed(INBOUND, "object_id__icontains=00002") == [object_id(2)]
    assert listed(OUTBOUND, "q=NET-4") == [object_id(4)]
    assert listed(OUTBOUND, "state__exact=failed") == [object_id(0), object_id(3)]
    assert listed(OUTBOUND, "document=invoices.invoice:3") == [object_id(3)]
    invoice_type = ContentType.objects.get_for_model(Invoice)
    assert listed(OUTBOUND, f"document_type={invoice_type.pk}") == [object_id(n) for n in (1, 3)]
    # the document types offered are those used, and only those
    _, cl = page_queries(admin_client, OUTBOUND)
    document_types = next(
        f for f in cl.filter_specs if getattr(f, "parameter_name", "") == "document_type"
    )
    assert document_types.lookup_choices == [(invoice_type.pk, invoice_type.name)]


@pytest.mark.parametrize(
    ("model", "query", "indexes"),
    [
        (
            InboundMessage,
            "q=00000000000000000000000000000417",
            ["inbound_req_msg_id_trgm", "inbound_object_id_trgm", "inbound_fingerprint_trgm"],
        ),
        (InboundMessage, "buyer_b2b_id__icontains=B2B-417", ["inbound_buyer_b2b_id_trgm"]),
        (InboundMessage, "supplier_b2b_id__icontains=B2B-417", ["inbound_supplier_b2b_id_trgm"]),
        (InboundMessage, "object_id__icontains=0417", ["inbound_object_id_trgm"]),
        (
            OutboundMessage,
            "q=NET-417",
            [
                "outbound_req_msg_id_trgm",
                "outbound_network_message_id_trgm",
                "outbound_object_id_trgm",
            ],
        ),  # fmt: skip
    ],
)
def test_searches_and_text_filters_read_trigram_indexes(admin_user, model, query, indexes):
    """On an analyzed table of a few thousand rows, with scans refused, the plan still
    finds a way, and it is the trigram index of each field searched."""
    (inbound_rows if model is InboundMessage else outbound_rows)(2000)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {model._meta.db_table}")
    queryset = changelist(model, query, admin_user).queryset
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = queryset.explain()
    assert f"Seq Scan on {model._meta.db_table}" not in plan
    for index in indexes:
        assert index in plan
    assert [row.object_id for row in queryset] == [object_id(417)]
