"""Paging of large lists without counting every row.

An exact `COUNT(*)` reads every matching row: on a million invoices that is a scan on
every page view. Where the planner expects more rows than `LIST_EXACT_COUNT_MAX`, the
lists show its estimate (`EXPLAIN`, which reads `pg_class.reltuples` and the filters'
statistics: no rows read); below that they count exactly, and the count is bounded so
that a wrong estimate can never turn into a scan of the whole table.

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


def planner_estimate(queryset: QuerySet) -> int:
    """The number of rows PostgreSQL's planner expects `queryset` to return (no rows read)."""
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def list_count(queryset: QuerySet) -> int:
    """How many rows `queryset` holds, for a list's pager and its `count`.

    The planner's estimate when it expects more than `LIST_EXACT_COUNT_MAX` rows; else an
    exact count, bounded at `LIST_EXACT_COUNT_MAX + 1` rows (if the estimate was too low,
    the list reports that many rather than reading on).
    """
    exact_up_to = settings.LIST_EXACT_COUNT_MAX
    if connections[queryset.db].vendor != "postgresql":
        return queryset.count()
    estimate = planner_estimate(queryset)
    if estimate > exact_up_to:
        return estimate
    return queryset.order_by()[: exact_up_to + 1].count()


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
