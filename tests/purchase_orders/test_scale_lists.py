"""The purchase order lists at scale: the history drawn per column exactly as the theme
draws it, and the list's search read from trigram indexes, not a scan of the table."""

import pytest
from django.contrib import admin
from django.db import connection, transaction
from django.test import RequestFactory
from unfold.templatetags.unfold_list import items_for_result

from b2bportal.admin_lists import QuickChangeList
from purchase_orders.models import PurchaseOrder, PurchaseOrderStatusChange


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
def test_the_search_is_read_from_trigram_indexes(received, ours, staff, term, index):
    """With scans refused, the plan still finds a way, and it is the index for the term."""
    queryset = changelist(PurchaseOrder, f"q={term}", staff["admin"]).queryset
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = queryset.explain()
    assert "Seq Scan on purchase_orders_purchaseorder" not in plan
    assert index in plan
    assert list(queryset) == [ours]
