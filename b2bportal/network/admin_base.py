"""What the admins of the wire's records share: read-only evidence, shown as staff read it.

Inbound and outbound messages are records of what crossed the wire: nobody adds,
changes or deletes them in the admin. Their list pages leave the large columns out
of the query; their detail pages show JSON indented and link to the document a
message touched.

Both tables grow with every message, so their lists (`MessageListAdmin`) are drawn
as the invoice lists are: no count of the whole table, the page read as one slice,
rows drawn per column, and searches read from trigram indexes (network migration
0008).
"""

import json

from django.urls import NoReverseMatch
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import DropdownFilter
from unfold.decorators import display

from b2bportal.admin_lists import QuickListMixin, change_url
from b2bportal.network.jsonnumbers import ExactJSONEncoder
from b2bportal.paginators import EstimatedCountPaginator


def pre(text: str, max_height: str = "40em"):
    """`text` as a wrapped, scrollable preformatted block."""
    return format_html(
        '<pre style="white-space: pre-wrap; max-height: {}">{}</pre>', max_height, text
    )


def breakable(identifier: str, *, min_width: str = ""):
    """A long identifier (a 32-character reqMsgId, an objectId) that may break at any
    character, so a list of them fits a 1440 px screen instead of scrolling sideways;
    `min_width` (CSS) keeps its column from being squeezed to a few characters."""
    if min_width:
        return format_html(
            '<span style="word-break: break-all; display: inline-block; min-width: {}">{}</span>',
            min_width, identifier,
        )  # fmt: skip
    return format_html('<span style="word-break: break-all">{}</span>', identifier)


def dotted(identifier: str):
    """A dotted identifier (a B2B ID: KAVERIENG.B2B.0001) that may wrap after its dots."""
    return format_html_join(mark_safe(".<wbr>"), "{}", ((part,) for part in identifier.split(".")))


def as_json(value) -> str:
    """A JSON value indented, non-ASCII characters kept as they are."""
    return json.dumps(value, indent=2, ensure_ascii=False, cls=ExactJSONEncoder)


class ExactFilter(DropdownFilter):
    """A dropdown keeping the rows whose `field` (default: the parameter's name) equals
    the chosen value; subclasses give `title`, `parameter_name` and `lookups`."""

    field = ""

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(**{self.field or self.parameter_name: self.value()})


class WireRecordAdmin(ModelAdmin):
    """Read-only admin of a wire record with a generic `document` (content type + id).

    `heavy_fields` are deferred on the list page, where they are never shown.
    """

    heavy_fields: tuple[str, ...] = ()

    def get_queryset(self, request):
        # Only the document's type is joined: `document_link` shows it on every row.
        queryset = super().get_queryset(request).select_related("document_type")
        match = request.resolver_match
        if match and match.url_name and match.url_name.endswith("_changelist"):
            queryset = queryset.defer(*self.heavy_fields)
        return queryset

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @display(description="document")
    def document_link(self, obj):
        if not obj.document_type_id:
            return "-"
        content_type = obj.document_type
        label = f"{content_type.name} #{obj.document_id}"
        try:
            # reversed once per document type, not per row
            url = change_url(
                f"admin:{content_type.app_label}_{content_type.model}_change", obj.document_id
            )
        except NoReverseMatch:
            return label
        return format_html('<a href="{}">{}</a>', url, label)


class MessageListAdmin(QuickListMixin, WireRecordAdmin):
    """A wire record whose table grows with every message: its list is never counted
    whole (`EstimatedCountPaginator`, no "N total"), its page is one slice of the list
    and its rows are drawn per column (`QuickListMixin`); what staff see, filter and
    search is as before."""

    show_full_result_count = False  # no COUNT of the whole table on each page
    paginator = EstimatedCountPaginator  # the planner's estimate where counting scans
