"""Admin lists drawn in milliseconds: a page of 200 rows costs little more than its query.

The admin theme draws a list cell by cell, and per cell it looks the column up again
(for a column computed by the admin, a failed model-field look-up: an exception per
cell), reverses the change page's URL and re-reads the list's filters per row; its row
template asks the admin for `list_sections`, which the theme's admin does not define, a
failed template look-up that lists every name of the admin (`dir()`) twice per row. At
200 rows that was seconds per page.

`QuickListMixin` keeps the theme's markup and does the per-column work once per page:
each column's look-up, CSS classes and empty value are worked out once, the change URL
is reversed once (the row's key put in), and the rows are joined in Python rather than
by a template loop over cells. The cells are the theme's own display functions'
output, so a page reads exactly as before (tests/test_admin_lists.py compares the two
cell by cell). A list using what this does not cover (inline editing, popups, row
actions, drag ordering) is drawn by the theme as before.
"""

import copy
import datetime
import functools

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.templatetags.admin_list import _coerce_field_name, result_hidden_fields
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    lookup_field,
    quote,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.db.models import F, OrderBy, Q, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IsNull,
    LessThan,
    LessThanOrEqual,
)
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from unfold.admin import ModelAdmin as UnfoldModelAdmin
from unfold.admin import checkbox as unfold_checkbox
from unfold.decorators import display
from unfold.templatetags.unfold_list import (
    LINK_CLASSES,
    TABLE_ACTION_CELL_CLASSES,
    TABLE_CELL_CLASSES,
    result_headers,
)
from unfold.utils import (
    display_for_dropdown,
    display_for_field,
    display_for_header,
    display_for_label,
    display_for_value,
)

from b2bportal.paginators import count_plan

# Stands for a row's key in the change URL reversed once per page.
_PK_MARK = "__row_pk__"
# The theme's row stripes, alternating.
_ROW_STRIPES = ("", "bg-base-50 dark:bg-white/[.02]")
_LINK_CLASSES = " ".join(LINK_CLASSES)


class _Column:
    """One list column, looked up once per page: how to read a row's cell and draw it."""

    def __init__(self, changelist, field_name, index: int, link_tag: str | None):
        model_admin = changelist.model_admin
        self.name = field_name
        self.model_admin = model_admin
        self.link_tag = link_tag  # "th" or "td" when the cell links to the row's page
        self.empty = model_admin.get_empty_value_display()
        self.classes = [f"field-{_coerce_field_name(field_name, index)}", *TABLE_CELL_CLASSES]
        # The theme's `lookup_field` per cell, decided here once: a model field, or a
        # method of the admin; anything else (a model attribute, a path) is looked up
        # per row as the theme does.
        self.field = self.attr = self.choices = None
        try:
            self.field = _get_non_gfk_field(changelist.opts, field_name)
            if getattr(self.field, "flatchoices", None):
                self.choices = dict(self.field.flatchoices)  # not flattened again per cell
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            if callable(field_name):
                self.attr = field_name
            elif hasattr(model_admin, field_name) and field_name != "__str__":
                self.attr = getattr(model_admin, field_name)

    def read(self, result):
        """(field, attr, value) of the row, as `django.contrib.admin.utils.lookup_field`."""
        if self.field is not None:
            return self.field, None, getattr(result, self.name)
        if self.attr is not None:
            return None, self.attr, self.attr(result)
        return lookup_field(self.name, result, self.model_admin)

    def cell(self, result, url: str | None) -> str:
        try:
            field, attr, value = self.read(result)
        except ObjectDoesNotExist:
            shown, classes = self.empty, self.classes
        else:
            shown, classes = self._draw(result, field, attr, value)
        classes = " ".join(classes)
        if self.link_tag:
            if url is not None:
                shown = mark_safe(  # noqa: S308  (both parts escaped)
                    f'<a href="{conditional_escape(url)}" class="{_LINK_CLASSES}" >'
                    f"{conditional_escape(shown)}</a>"
                )
            return (
                f'<{self.link_tag} class="{classes}">{conditional_escape(shown)}</{self.link_tag}>'
            )
        return f'<td class="{classes}">{conditional_escape(shown)}</td>'

    def _draw(self, result, field, attr, value):
        """The cell's content and CSS classes, as the theme's `items_for_result` makes them."""
        classes = self.classes
        if field is None or field.auto_created:
            if self.name == "action_checkbox":
                classes = TABLE_ACTION_CELL_CLASSES
            empty = getattr(attr, "empty_value_display", self.empty)
            if getattr(attr, "formatting", None) == "price":
                classes = [*classes, "!text-end"]
            if label := getattr(attr, "label", False):
                shown = display_for_label(value, empty, label)
            elif getattr(attr, "dropdown", False):
                shown = display_for_dropdown(result, self.name, value, empty)
            elif getattr(attr, "header", False):
                shown = display_for_header(value, empty)
            else:
                shown = display_for_value(value, empty, getattr(attr, "boolean", False))
            if isinstance(value, datetime.date | datetime.time):
                classes = [*classes, "nowrap"]
            return shown, classes
        if isinstance(field.remote_field, models.ManyToOneRel):
            related = getattr(result, field.name)
            shown = self.empty if related is None else related
        elif self.choices is not None and field is self.field:
            shown = self.choices.get(value, self.empty)
        else:
            shown = display_for_field(value, field, self.empty)
        if isinstance(field, models.DateField | models.TimeField | models.ForeignKey):
            classes = [*classes, "nowrap"]
        return shown, classes


@functools.lru_cache(maxsize=1)
def _checkbox_html() -> str:
    return unfold_checkbox.render(ACTION_CHECKBOX_NAME, _PK_MARK)


@functools.lru_cache(maxsize=128)
def _url_template(url_name: str, urlconf, script_prefix: str) -> str:
    return reverse(url_name, urlconf=urlconf, args=(_PK_MARK,))


def change_url(url_name: str, pk) -> str:
    """`reverse(url_name, args=[pk])` for a page taking one key, reversed once per name
    (a list links each row to another admin's page: one reverse per page, not per row)."""
    template = _url_template(url_name, get_urlconf(), get_script_prefix())
    return template.replace(_PK_MARK, str(quote(pk)))


class QuickChangeList(ChangeList):
    """The admin's list with the change URL reversed once and its rows drawn per column."""

    def get_results(self, request):
        """Django's, except that the page is always read as a slice of the list with one
        row more, and the count follows what was read.

        Django reads the whole list, with no LIMIT, when the count says it fits one page:
        with the planner's estimate as the count (`EstimatedCountPaginator`), an estimate
        too low (a filter whose rows the statistics do not know yet) made a page of a
        thousand rows, or a read of a whole table. Here a row past the page shows there
        is a next page, whatever the estimate, and the last page makes the count exact.
        """
        if self.list_editable:
            return super().get_results(request)
        paginator = self.model_admin.get_paginator(request, self.queryset, self.list_per_page)
        show_all = self.show_all and paginator.count <= self.list_max_show_all
        size = self.list_max_show_all if show_all else self.list_per_page
        offset = 0 if show_all else (self.page_num - 1) * self.list_per_page
        rows = list(self.queryset[offset : offset + size + 1])
        if len(rows) > size:
            # Counted only when there is more than the page (a search's few rows, a
            # filter's short list: the page read is the count, no second query).
            count = max(paginator.count, offset + size + 1)
        elif rows or offset == 0:
            count = offset + len(rows)
        else:
            raise IncorrectLookupParameters  # a page past the end, as Django says
        paginator.count = count
        full_result_count = (
            self.root_queryset.count() if self.model_admin.show_full_result_count else None
        )
        self.result_count = count
        self.show_full_result_count = self.model_admin.show_full_result_count
        self.show_admin_actions = not self.show_full_result_count or bool(full_result_count)
        self.full_result_count = full_result_count
        self.result_list = rows[:size]
        self.can_show_all = count <= self.list_max_show_all
        self.multi_page = count > self.list_per_page
        self.paginator = paginator

    @cached_property
    def _result_url_template(self) -> str:
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=(_PK_MARK,),
            current_app=self.model_admin.admin_site.name,
        )

    def url_for_result(self, result):
        return self._result_url_template.replace(
            _PK_MARK, str(quote(getattr(result, self.pk_attname)))
        )

    def quick_list_applies(self) -> bool:
        """False where the list uses what the theme alone draws (rows are then its own)."""
        model_admin = self.model_admin
        return not (
            self.is_popup
            or self.to_field
            or self.list_editable
            or getattr(model_admin, "ordering_field", None)
            or getattr(model_admin, "list_sections", None)
            or getattr(model_admin, "actions_row", None)
        )

    def _columns(self) -> list[_Column]:
        links = self.list_display_links
        columns, first_link = [], True
        for index, name in enumerate(self.list_display):
            is_link = links is not None and (
                (first_link and not links) or name in links
            )  # the theme's rule: no links named, the first column links
            link_tag = None
            if is_link:
                link_tag, first_link = ("th" if first_link else "td"), False
            columns.append(_Column(self, name, index, link_tag))
        return columns

    def _link_template(self) -> str | None:
        """The change URL with the list's filters, the row's key still to be put in."""
        try:
            url = self._result_url_template
        except NoReverseMatch:
            return None
        return add_preserved_filters(
            {"preserved_filters": self.preserved_filters, "opts": self.opts}, url
        )

    @cached_property
    def _row_plan(self) -> tuple[list[_Column], str | None]:
        return self._columns(), self._link_template()

    def cells_of(self, result) -> str:
        """One row's cells, as the theme's `items_for_result` draws them."""
        columns, link_template = self._row_plan
        url = None
        if link_template is not None:
            url = link_template.replace(_PK_MARK, str(quote(getattr(result, self.pk_attname))))
        return "".join(column.cell(result, url) for column in columns)

    def quick_rows(self) -> str:
        """Every row of the page, as the theme's template draws them."""
        return mark_safe(  # noqa: S308  (each cell escaped in `_Column.cell`)
            "".join(
                f'<tbody class="relative {_ROW_STRIPES[number % 2]}" x-data="{{rowOpen: false}}">'
                f'<tr class="data-row relative">{self.cells_of(result)}</tr></tbody>'
                for number, result in enumerate(self.result_list)
            )
        )

    @cached_property
    def quick_list(self) -> dict | None:
        """What the list's template needs to draw the rows, or None to leave it to the theme."""
        if not self.quick_list_applies():
            return None
        headers = list(result_headers(self))
        return {
            "rows": self.quick_rows(),
            "headers": headers,
            "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
            "hidden_fields": list(result_hidden_fields(self)),
        }


class RowsOnlyChangeList(QuickChangeList):
    """The list's rows as a queryset (its filters, search and order), no page read or
    counted: for what follows the list without showing it (the detail page's next)."""

    def get_results(self, request):
        self.result_list, self.result_count = [], None


class QuickListMixin:
    """A ModelAdmin whose list pages are drawn by `QuickChangeList` (see the module)."""

    change_list_template = "admin/quick_list/change_list.html"
    # The theme's row template asks for it per row; defined, the look-up is cheap.
    list_sections = ()

    def get_changelist(self, request, **kwargs):
        return RowsOnlyChangeList if getattr(request, "list_rows_only", False) else QuickChangeList

    @display(description=UnfoldModelAdmin.action_checkbox.short_description)
    def action_checkbox(self, obj):
        """The theme's row checkbox, its widget rendered once and the row's key put in (a
        widget render per row cost more than the rest of the row)."""
        return mark_safe(_checkbox_html().replace(_PK_MARK, str(obj.pk)))  # noqa: S308

    def list_rows(self, request):
        """The queryset of the list `request` asks for (filters, search, order), without
        reading or counting its page. May raise as the list page would."""
        listing = copy.copy(request)
        listing.list_rows_only = True
        return self.get_changelist_instance(listing).queryset


class IndexedSearchMixin:
    """The list's search as a few index look-ups instead of a scan of the table.

    The term is one phrase (not split into words): a part of any of `search_fields`,
    case-insensitive, as the search box's help text says. A field of the model itself is
    matched in place (trigram indexes, `b2bportal.trigram.trigram_index`); a field one relation away
    (`counterparty__legal_name`) is first matched in its own, smaller table, and the
    list then filters on those keys (`counterparty_id IN (...)`, an index look-up)
    rather than joining every row to test the name. One query more, whatever the term.
    """

    # Fields that each hold one whole value of a known form: {field: the term as such a
    # value, or None}. A term of that form is matched by equality in such a field (its
    # b-tree index: one look-up), not as a part of it (its trigram index: posting lists
    # of trigrams that thousands of similar values share): a GSTIN cannot be a part of
    # another GSTIN.
    search_whole_values: dict = {}
    # More related rows than this match: the keys are not read, the match is a subquery.
    search_related_keys_max = 1000
    # The planner expects at most this many rows to match (and they do): their keys are
    # read first, and the list is those keys. Else the match stays a condition.
    search_keys_max = 5000

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        plan = self._search_plan(request)
        if not term or plan is None:
            return super().get_search_results(request, queryset, search_term)
        own, related = plan
        condition = Q()
        for name in own:
            as_value = self.search_whole_values.get(name)
            whole = as_value(term) if as_value else None
            condition |= Q(**{name: whole} if whole else {f"{name}__icontains": term})
        for relation, (target, names) in related.items():
            match = Q()
            for name in names:
                match |= Q(**{f"{name}__icontains": term})
            matching = target._default_manager.filter(match).values_list("pk", flat=True)
            keys = list(matching[: self.search_related_keys_max + 1])
            if len(keys) > self.search_related_keys_max:
                condition |= Q(**{f"{relation}__in": matching})
            elif keys:
                condition |= Q(**{f"{relation}__in": keys})
        return self._matched_keys(queryset, queryset.filter(condition)), False

    def _matched_keys(self, queryset, matching):
        """`matching` as the list of its keys, when the planner expects few of them.

        A phrase that matches a few thousand rows of a large table (a GSTIN, one
        counterparty's name) is then searched once, in its indexes, in no order: the
        page (in the list's order), its count and the next document in the list read
        those keys by the primary key, instead of each searching the table again (or
        walking the list's order and testing every row for the phrase, as the planner
        may choose for a page of 200). A phrase the planner expects in more rows, or
        that proves to be in more, stays a condition, as before.
        """
        bound = self.search_keys_max + 1
        if count_plan(matching, bound)[0] > self.search_keys_max:
            return matching
        keys = list(matching.order_by().values_list("pk", flat=True)[:bound])
        if len(keys) > self.search_keys_max:
            return matching
        # One array parameter, not one parameter per key to compile.
        return queryset.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", (keys,)))

    def _search_plan(self, request):
        """(own fields, {relation: (related model, its fields)}), or None for what the
        phrase search does not cover (Django's `^`, `=`, `@` forms, longer paths), which
        is then searched as Django does."""
        own, related = [], {}
        for name in self.get_search_fields(request):
            path = name.split("__")
            if name[:1] in "^=@" or len(path) > 2:
                return None
            if len(path) == 1:
                own.append(name)
                continue
            field = self.model._meta.get_field(path[0])
            if not field.many_to_one:
                return None
            related.setdefault(path[0], (field.related_model, []))[1].append(path[1])
        return own, related


# -- a list's rows from one row on, in the list's order (keyset) ---------------------------


def _ordering_terms(queryset) -> list[tuple]:
    """(expression, descending, nulls placed after the values) of each term of the
    queryset's ORDER BY, as PostgreSQL sorts them (NULL above every value unless told)."""
    terms = []
    for item in queryset.query.order_by or queryset.model._meta.ordering:
        if isinstance(item, str):
            if "?" in item:
                raise ValueError("a random order has no next row")
            descending = item.startswith("-")
            name = item.lstrip("-+")
            expression, nulls_first, nulls_last = F(name), False, False
        elif isinstance(item, OrderBy):
            expression, descending = item.expression, item.descending
            nulls_first, nulls_last = bool(item.nulls_first), bool(item.nulls_last)
        else:  # an expression without a direction: ascending
            expression, descending, nulls_first, nulls_last = item, False, False, False
        nulls_after = nulls_last or (not nulls_first and not descending)
        terms.append((expression, descending, nulls_after))
    return terms


def _never_null(model, expression) -> bool:
    """Whether `expression` is a column path no row can read as NULL (no nullable field
    or relation on the way)."""
    if not isinstance(expression, F):
        return False
    opts = model._meta
    for part in expression.name.split("__"):
        try:
            field = opts.pk if part == "pk" else opts.get_field(part)
        except FieldDoesNotExist:
            return False
        if field.null or not field.concrete:
            return False
        if field.is_relation:
            opts = field.related_model._meta
    return True


def rows_from(queryset, pk) -> Q:
    """A condition keeping the rows of `queryset` that its order puts at or after the row
    `pk` (keyset paging): `rows_from(qs, pk)` then `[:2]` is that row and the next, read
    from the list's index, wherever the row stands in the list.

    The row's sort values are read in the same statement (a subquery per term, by key), so
    this costs no query of its own. The first term, when never NULL, also bounds the range
    (`updated_at <= the row's`), which is what lets the index start at the row.
    """
    model = queryset.model
    terms = _ordering_terms(queryset)
    if not terms:
        return Q()
    condition, ties, bound = None, Q(), None
    last = len(terms) - 1
    for index, (expression, descending, nulls_after) in enumerate(terms):
        value = Subquery(model._base_manager.filter(pk=pk).values(key=expression)[:1])
        if index == last:  # the last term (the key) counts the row itself in
            beyond = (LessThanOrEqual if descending else GreaterThanOrEqual)(expression, value)
        else:
            beyond = (LessThan if descending else GreaterThan)(expression, value)
        if _never_null(model, expression):
            after, same = Q(beyond), Q(Exact(expression, value))
            if index == 0:
                bound = (LessThanOrEqual if descending else GreaterThanOrEqual)(expression, value)
        else:
            after = (
                Q(IsNull(value, False)) & (Q(beyond) | Q(IsNull(expression, True)))
                if nulls_after
                else Q(beyond) | (Q(IsNull(value, True)) & Q(IsNull(expression, False)))
            )
            same = Q(Exact(expression, value)) | (
                Q(IsNull(expression, True)) & Q(IsNull(value, True))
            )
        condition = ties & after if condition is None else condition | (ties & after)
        ties &= same
    return condition if bound is None else Q(bound) & condition
