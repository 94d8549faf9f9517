"""The purchase order lists at scale: the history drawn per column exactly as the theme
draws it, and the list's search read from trigram indexes, not a scan of the table."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from unfold.templatetags.unfold_list import items_for_result

from b2bportal.admin_lists import QuickChangeList
from purchase_orders.models import PurchaseOrder, PurchaseOrderStatusChange
from tests.invoices.test_admin_lists import indexed_plan


def changelist(model, query: str, user):
    request = RequestFactory().get(f"/admin/x/?{query}")
    request.user = user
    return admin.site._registry[model].get_changelist_instance(request)


def test_the_history_list_is_drawn_per_column_as_the_theme_draws_it(received, ours, staff):
    cl = changelist(PurchaseOrderStatusChange, "", staff["admin"])
    assert isinstance(cl, QuickChangeList) and cl.quick_list is not None
    assert len(cl.result_list) == 2
    for result in cl.result_list:
        assert cl.cells_of(result) == "".join(items_for_result(cl, result, None))


@pytest.mark.parametrize(
    ("term", "index"),
    [("PO/26-27/0087", "po_po_number_trgm"), ("VELTOOLS", "po_supplier_b2b_id_trgm")],
)
@pytest.mark.parametrize("keys_first", [True, False], ids=["keys first", "in place"])
def test_the_search_is_read_from_trigram_indexes(
    received, ours, staff, monkeypatch, term, index, keys_first
):
    """With scans refused, the plan still finds a way, and it is the index for the term:
    in the query that reads the matching keys first (a phrase the planner expects in
    few rows), or in the list's own query (expected in many)."""
    order_admin = admin.site._registry[PurchaseOrder]
    if not keys_first:
        monkeypatch.setattr(order_admin, "search_keys_max", 0)
    with CaptureQueriesContext(connection) as captured:
        queryset = changelist(PurchaseOrder, f"q={term}", staff["admin"]).queryset
    sql, params = queryset.query.sql_with_params()
    assert ('"purchase_orders_purchaseorder"."id" IN (SELECT unnest(' in sql) == keys_first
    if keys_first:
        bound = f"LIMIT {order_admin.search_keys_max + 1}"
        [keys_read] = [
            q["sql"] for q in captured if bound in q["sql"] and not q["sql"].startswith("EXPLAIN")
        ]
        plan = indexed_plan(keys_read)
    else:
        plan = indexed_plan(sql, params)
    assert "Seq Scan on purchase_orders_purchaseorder" not in plan
    assert index in plan
    assert list(queryset) == [ours]
