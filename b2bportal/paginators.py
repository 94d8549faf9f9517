"""Paging of large lists without counting every row.

An exact `COUNT(*)` reads every matching row: on a million invoices that is a scan on
every page view. Where the planner expects more rows than `LIST_EXACT_COUNT_MAX`, or
expects counting them to cost more than `LIST_EXACT_COUNT_MAX_COST`, the lists show its
estimate (`EXPLAIN`, which reads `pg_class.reltuples` and the filters' statistics: no
rows read); otherwise they count exactly, and the count is bounded so that a wrong
estimate can never turn into a scan of the whole table.

- `EstimatedCountPaginator`: Django's `Paginator` with that count, for admin lists
  (`paginator = EstimatedCountPaginator` on the ModelAdmin).
- `EstimatedCountLimitOffsetPagination`: our API's `?limit=`/`?offset=` paging with the
  same count; the page is read with one row more, so `next` is exact whatever the
  estimate, and on the last page `count` is exact too.
"""

import json

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

from b2bportal.pagination import CappedLimitOffsetPagination


def count_plan(queryset: QuerySet, bound: int) -> tuple[int, float]:
    """(rows the planner expects `queryset` to hold, its cost of counting up to `bound`).

    One EXPLAIN (planning only, no row read) of the bounded count: the LIMIT node's input
    is the whole filtered list, so its row estimate is the list's.
    """
    query = queryset.order_by().values("pk")[:bound].query
    sql, params = query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        # The ORM's own compiled SQL, its parameters bound by the driver.
        explain = f"EXPLAIN (FORMAT JSON) SELECT COUNT(*) FROM ({sql}) bounded"  # noqa: S608
        cursor.execute(explain, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    node = plan[0]["Plan"]
    cost = float(node["Total Cost"])
    while node["Node Type"] != "Limit":
        node = node["Plans"][0]
    return int(node["Plans"][0]["Plan Rows"]), cost


def list_count(queryset: QuerySet) -> int:
    """How many rows `queryset` holds, for a list's pager and its `count`.

    Exact when the planner expects at most `LIST_EXACT_COUNT_MAX` rows and costs counting
    them at most `LIST_EXACT_COUNT_MAX_COST` (a filter no index serves would be a scan of
    the table, however few rows it keeps); else the planner's estimate. The exact count
    stops at `LIST_EXACT_COUNT_MAX + 1` rows, so a wrong estimate cannot make it a scan.
    """
    if connections[queryset.db].vendor != "postgresql":
        return queryset.count()
    bound = settings.LIST_EXACT_COUNT_MAX + 1
    estimate, cost = count_plan(queryset, bound)
    if estimate >= bound or cost > settings.LIST_EXACT_COUNT_MAX_COST:
        return estimate
    # the key alone: the list's columns (annotations, joins for display) are not counted
    return queryset.order_by().values("pk")[:bound].count()


class EstimatedCountPaginator(Paginator):
    """An admin list's paginator that never counts a large table (see `list_count`)."""

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return list_count(self.object_list)
        return super().count


class EstimatedCountLimitOffsetPagination(CappedLimitOffsetPagination):
    """`?limit=`/`?offset=` as before (same answer: count, next, previous, results), with
    `count` from `list_count` unless the page read shows the exact figure (the last page).
    """

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = self.get_offset(request)
        # One row past the page says whether there is a next page, whatever the count says.
        rows = list(queryset[self.offset : self.offset + self.limit + 1])
        has_next = len(rows) > self.limit
        rows = rows[: self.limit]
        if has_next:
            self.count = max(list_count(queryset), self.offset + self.limit + 1)
        elif rows or self.offset == 0:
            self.count = self.offset + len(rows)  # the last page: counted exactly
        else:
            self.count = list_count(queryset)  # an offset past the end
        self.display_page_controls = self.count > self.limit
        return rows
