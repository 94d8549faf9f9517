"""The staff's side of every document family: one admin base a family subclasses.

`DocumentAdmin` holds what invoices, purchase orders and notes share on the reviewer's
desk: status badges with human labels, the yes/no filters, the detail page (banners,
findings above the decision, timeline, messages, version diff), single and bulk
decisions with remarks, the overdue request's send-again and give-up, and the queue
(the next document of the reviewer's list, the refused form kept, a confirmation before
deciding against findings, a pending page that refreshes itself). A family names its
models, services, permission, statuses and fields as class attributes; every state
change still goes through the family's services.
"""

import copy
import functools
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldError, PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from import_export.admin import ExportActionMixin
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import (
    AutocompleteSelectFilter,
    ChoicesDropdownFilter,
    RangeDateFilter,
    RangeNumericFilter,
    RelatedDropdownFilter,
)
from unfold.contrib.import_export.forms import ExportForm
from unfold.decorators import display

from b2bportal.admin_lists import IndexedSearchMixin, QuickListMixin, change_url, rows_from
from b2bportal.desk.filters import (
    AssignedFilter,
    AttentionColumnMixin,
    AttentionFilter,
    OutstandingFilter,
)
from b2bportal.desk.readable import postal_address
from b2bportal.documents.errors import refusal_message
from b2bportal.exports import BoundedExportMixin
from b2bportal.indian import inr
from b2bportal.network.handling import Rejected
from b2bportal.network.models import InboundMessage, OutboundMessage
from b2bportal.network.outbox_admin import document_filter_url
from b2bportal.numbers import whole_number
from b2bportal.paginators import EstimatedCountPaginator
from b2bportal.parties.gstin import whole_gstin

# The list's querystring travels with the detail page under this name (Django's own).
LIST_FILTERS = "_changelist_filters"
# The document the page offered as "next" before a decision took this one off the list.
QUEUE_NEXT = "queue_next"
# How often a pending document's page asks again whether the network has answered.
PENDING_REFRESH_SECONDS = 5
# A party's columns on a document, as its detail page shows them.
PARTY_CARD_FIELDS = ("legal_name", "trade_name", "b2b_id", "gstin", "state_code")


def badge(text: str, variant: str) -> str:
    """The theme's label badge for `text`."""
    return _badge(str(text), variant)


# Badges are rendered once per distinct value, not once per row: a 200-row page
# otherwise spends most of its time in this small template.
@functools.lru_cache(maxsize=256)
def _badge(text: str, variant: str) -> str:
    return mark_safe(render_to_string("unfold/helpers/label.html", {"text": text, "type": variant}))  # noqa: S308


class YesNoFilter(admin.SimpleListFilter):
    """A yes/no filter over one condition the family's admin names (`yes_no_conditions`)."""

    def __init__(self, request, params, model, model_admin):
        self.condition_of = model_admin.yes_no_conditions
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(self.condition_of()[self.parameter_name])
        if self.value() == "no":
            return queryset.exclude(self.condition_of()[self.parameter_name])
        return queryset


class OverdueFilter(YesNoFilter):
    title = "overdue"
    parameter_name = "overdue"


class HasFindingsFilter(YesNoFilter):
    title = "has findings"
    parameter_name = "has_findings"


class PendingFilter(YesNoFilter):
    title = "pending action"
    parameter_name = "pending"


def document_filters(*dates: str, flags=()) -> list:
    """A family's list filters: status, role, parties, its `dates` (ranges), total, its
    own yes/no `flags`, then findings, pending and the desk's attention filters."""
    return [
        ("status", ChoicesDropdownFilter),
        "role",
        ("business", RelatedDropdownFilter),
        ("counterparty", AutocompleteSelectFilter),  # thousands of them: searched, not listed
        *((date, RangeDateFilter) for date in dates),
        ("total_value", RangeNumericFilter),
        *flags,
        HasFindingsFilter,
        PendingFilter,
        AttentionFilter,
        OutstandingFilter,
        AssignedFilter,
    ]


class DocumentAdmin(
    QuickListMixin,
    IndexedSearchMixin,
    AttentionColumnMixin,
    BoundedExportMixin,
    ExportActionMixin,
    ModelAdmin,
):
    """The reviewer's desk for one family of documents; a family subclasses it.

    A subclass sets `model`, `version_model`, `item_model`, `finding_model`,
    `services` (the family's service module: `confirm`, `is_pending`,
    `send_request_again`, `give_up_request`), `responses` (its decision choices),
    `staff_source`, `requested_kind`, `status_colours`, the decision forms, the
    templates, and `number_field` (the document's number as people say it); and the
    list's columns and filters as any ModelAdmin.
    """

    services = None
    version_model = None
    item_model = None
    finding_model = None
    responses = None
    staff_source = "staff"
    requested_kind = "requested"
    status_colours: dict = {}
    number_field = "object_id"
    decision_form_class = None
    bulk_decision_form_class = None
    detail_template = "admin/documents/detail.html"
    party_order = ("supplier", "buyer")  # the detail page's party cards, left to right
    gross_amounts = False  # the lines table shows each line's amount before discounts
    bulk_template = "admin/documents/bulk_decide.html"
    history_filter = ""  # the status history list's filter naming one document
    # Decisions a reviewer takes against the document's findings: confirmed first.
    responses_against_findings = ("ACCEPT",)

    export_form_class = ExportForm
    # A whole GSTIN searched is looked up in the GSTIN columns' own indexes.
    search_whole_values = {"supplier_gstin": whole_gstin, "buyer_gstin": whole_gstin}
    list_filter_submit = True
    list_per_page = 50
    show_full_result_count = False  # one COUNT less on a large table
    paginator = EstimatedCountPaginator  # and the page count estimated where counting scans
    actions = ["accept_selected", "reject_selected", "return_selected"]
    ordering = ["-updated_at", "-id"]

    # -- the family's words --------------------------------------------------------------

    @property
    def noun(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def nouns(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    def number_of(self, document) -> str:
        return getattr(document, self.number_field)

    def permission(self, codename: str) -> str:
        return f"{self.model._meta.app_label}.{codename}_{self.model._meta.model_name}"

    def url_name(self, view: str) -> str:
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}_{view}"

    def yes_no_conditions(self) -> dict[str, Q]:
        """The condition behind each yes/no filter of the list."""
        return {
            "has_findings": Q(finding_count__gt=0),
            "pending": Q(pending_message__isnull=False) & ~Q(pending_message__state="failed"),
        }

    # -- permissions: the record changes only through decisions --------------------------

    def has_add_permission(self, request):
        return request.user.has_perm(self.permission("add"))

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request, obj=None):
        return request.user.has_perm(self.permission("decide"))

    def has_export_permission(self, request):
        return request.user.has_perm(self.permission("export"))

    # -- list columns --------------------------------------------------------------------

    @display(description="status", ordering="status")
    def status_badge(self, obj):
        return badge(obj.get_status_display(), self.status_colours.get(obj.status, ""))

    @display(description="findings", ordering="finding_count")
    def findings_badge(self, obj):
        return badge(str(obj.finding_count), "danger") if obj.finding_count else "-"

    @display(description="pending")
    def pending_badge(self, obj):
        # Only a pending decision is worth a mark; a column of crosses reads as errors.
        return badge("awaiting network", "warning") if self.services.is_pending(obj) else "-"

    @display(description="status", ordering="status")
    def status_and_pending(self, obj):
        """The status, and under it "awaiting network" while a decision of ours is on its
        way: one column, not two, so a list of a dozen columns fits a 1440 px screen."""
        if not self.services.is_pending(obj):
            return self.status_badge(obj)
        return format_html(
            '<span style="display: flex; flex-direction: column; align-items: flex-start; '
            'gap: 4px">{}{}</span>',
            self.status_badge(obj),
            self.pending_badge(obj),
        )

    # -- URLs ----------------------------------------------------------------------------

    @display(description="counterparty", ordering="counterparty__legal_name")
    def counterparty_display(self, obj):
        return obj.counterparty.display_name

    # The name only: with its B2B ID the column pushed totals and findings off a 1440 px
    # screen (the B2B ID is on the document's page and in the business filter).
    @display(description="business", ordering="business__legal_name")
    def business_display(self, obj):
        return obj.business.display_name

    @display(description="total (₹)", ordering="total_value")
    def total(self, obj):
        return inr(obj.total_value)

    def document_urls(self) -> list:
        """The family's own document views beyond the shared ones (a subclass adds)."""
        return []

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/decide/", view(self.decide_view), name=self.url_name("decide")),
            path(
                "<int:pk>/send-again/",
                view(self.send_again_view),
                name=self.url_name("send_again"),
            ),  # fmt: skip
            path("<int:pk>/give-up/", view(self.give_up_view), name=self.url_name("give_up")),
            *self.document_urls(),
            *super().get_urls(),
        ]

    def _detail_url(self, pk, list_filters: str = "", **extra) -> str:
        url = reverse(f"admin:{self.url_name('change')}", args=[pk])
        query = {LIST_FILTERS: list_filters, **extra} if list_filters else extra
        query = {key: value for key, value in query.items() if value not in ("", None)}
        return f"{url}?{urlencode(query)}" if query else url

    # -- detail page ---------------------------------------------------------------------

    def detail_queryset(self):
        current = self.version_model.objects.prefetch_related(
            Prefetch("items", queryset=self.item_model.objects.order_by("position")),
            Prefetch("findings", queryset=self.finding_model.objects.order_by("id")),
        )
        return self.model.objects.select_related(
            "business", "counterparty", "pending_message"
        ).prefetch_related(
            Prefetch("current_version", queryset=current),
            Prefetch("versions", queryset=self.version_model.objects.order_by("number", "id")),
            "status_changes__actor",
            "parked_actions",
        )

    def family_context(self, request, document) -> dict:
        """What the family's own template blocks need (a subclass adds)."""
        return {}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        pk = whole_number(str(object_id))
        if pk is None:  # /<family>/abc/change/: no such document, not a crash
            raise Http404
        document = get_object_or_404(self.detail_queryset(), pk=pk)
        link = {
            "document_type": ContentType.objects.get_for_model(self.model),
            "document_id": document.pk,
        }
        inbound = list(
            InboundMessage.objects.filter(**link)
            .only(
                "id", "received_at", "message_type", "outcome", "error_code", "error_detail",
                "error_field",
            )
            .order_by("received_at", "id")
        )  # fmt: skip
        outbound = list(
            OutboundMessage.objects.filter(**link)
            .only(
                "id", "created_at", "message_type", "state", "attempt_count", "result",
                "error_code", "error_detail", "error_field", "last_error", "req_msg_id",
            )
            .order_by("created_at", "id")
        )  # fmt: skip
        versions = list(document.versions.all())
        pending = self.services.is_pending(document)
        timeline = self._timeline(document, outbound, pending)
        overdue = pending and document.pending_message.is_overdue
        may_decide = self.has_decide_permission(request)
        list_filters = request.GET.get(LIST_FILTERS, "")
        next_pk = self._next_in_list(request, document, list_filters)
        decision_form = None
        if may_decide and not pending and self.may_confirm(document):
            draft = request.session.get(self._draft_key(document), {})
            decision_form = self.decision_form_class(initial={"version": document.version, **draft})
        context = {
            **self.admin_site.each_context(request),
            "title": f"{self.noun.capitalize()} {self.number_of(document)}",
            "subtitle": document.object_id,
            "opts": self.model._meta,
            "original": document,
            "document": document,
            "number": self.number_of(document),
            "current": document.current_version,
            "versions": versions,
            "timeline": timeline,
            "history_url": self._history_url(document),
            "pending_request": self._request_row(document, timeline),
            "inbound": inbound,
            "outbound": outbound,
            "conflicts": [m for m in inbound if m.error_code == "VERSION_CONFLICT"],
            "parked": [a for a in document.parked_actions.all() if a.applied_at is None],
            "all_calls_url": document_filter_url(document),
            "diff": self._diff(request, versions),
            "pending": pending,
            # Refreshed until the network answers; not while a person may be typing a
            # reason to give up on an overdue request.
            "refresh_seconds": PENDING_REFRESH_SECONDS if pending and not overdue else None,
            "overdue": overdue,
            "can_handle_overdue": overdue and may_decide,
            "decision_form": decision_form,
            "findings_confirm_needed": bool(document.finding_count),
            "responses_against_findings": self.responses_against_findings,
            "urls": {
                "decide": reverse(f"admin:{self.url_name('decide')}", args=[document.pk]),
                "send_again": reverse(f"admin:{self.url_name('send_again')}", args=[document.pk]),
                "give_up": reverse(f"admin:{self.url_name('give_up')}", args=[document.pk]),
            },
            "list_filters": list_filters,
            "next_pk": next_pk,
            "next_url": self._detail_url(next_pk, list_filters) if next_pk else "",
            "list_url": reverse(f"admin:{self.url_name('changelist')}")
            + (f"?{list_filters}" if list_filters else ""),
            "parties": self.party_cards(document),
            "gross_amounts": self.gross_amounts,
            **self.family_context(request, document),
        }
        return TemplateResponse(request, self.detail_template, context)

    # -- our own documents, written here ---------------------------------------------------
    # A family that writes its own sets the form, its line formset and `lines_of` (the
    # formset's lines as the services take them), the page's template and the hooks below.

    own_form_class = None
    own_lines_formset = None
    own_lines_of = None
    own_form_template = ""
    own_line_fields = ("description", "hsn_code", "quantity", "unit", "unit_price", "gst_rate",
                       "is_service")  # fmt: skip

    def refusal_text(self, rejected: Rejected) -> str:
        """A refusal of an action on our own document, as staff read it."""
        return refusal_message(rejected)

    def create_own(self, request, business, data):
        raise NotImplementedError

    def edit_own(self, request, document, data, expected_version):
        raise NotImplementedError

    def own_initial(self, document) -> dict:
        raise NotImplementedError

    def own_form_context(self, document) -> dict:
        """The form page's title and the document under the family's name."""
        raise NotImplementedError

    def own_form_view(self, request, document):
        """Create (`document` None) or edit (a new version sent at once) one of our
        documents, with its lines."""
        if request.method == "POST":
            form = self.own_form_class(request.POST)
            lines = self.own_lines_formset(request.POST, prefix="lines")
            if form.is_valid() and lines.is_valid():
                data = form.service_data(self.own_lines_of(lines))
                try:
                    if document is None:
                        document = self.create_own(request, form.cleaned_data["business"], data)
                        messages.success(request, "Created. Check it, then send it.")
                    else:
                        self.edit_own(request, document, data, form.cleaned_data["version"])
                        messages.success(request, "New version sent, awaiting the network.")
                    return HttpResponseRedirect(self._detail_url(document.pk))
                except Rejected as rejected:
                    form.add_error(None, self.refusal_text(rejected))
        elif document is not None:
            form = self.own_form_class(initial=self.own_initial(document))
            items = document.current_version.items.all() if document.current_version else []
            lines = self.own_lines_formset(
                prefix="lines",
                initial=[{name: getattr(item, name) for name in self.own_line_fields}
                         for item in items],
            )  # fmt: skip
        else:
            form, lines = self.own_form_class(), self.own_lines_formset(prefix="lines")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "lines": lines,
            **self.own_form_context(document),
        }
        return TemplateResponse(request, self.own_form_template, context)

    def party_cards(self, document) -> list[dict]:
        """The parties as the page shows them, in `party_order`: the document's party
        columns, and the applied version's address and contact."""
        current = document.current_version
        cards = []
        for side in self.party_order:
            address = getattr(current, f"{side}_address", None)  # a block, or none
            cards.append(
                {name: getattr(document, f"{side}_{name}") for name in PARTY_CARD_FIELDS}
                | {
                    "side": side,
                    "title": side.capitalize(),
                    "address": postal_address(address),
                    "contact": getattr(current, f"{side}_contact", None),
                }
            )
        return cards

    def may_confirm(self, document) -> bool:
        """Whether the document's role and status take a decision (the family's table)."""
        raise NotImplementedError

    def _history_url(self, document) -> str:
        history = self.model._meta.get_field("status_changes").related_model._meta
        changelist = f"admin:{history.app_label}_{history.model_name}_changelist"
        return reverse(changelist) + f"?{self.history_filter}={document.pk}"

    def _timeline(self, document, outbound, pending) -> list:
        """The status history, each request saying whether the network has answered it."""
        by_id = {message.pk: message for message in outbound}
        timeline = list(document.status_changes.all())
        for change in timeline:
            change.kind_shown = change.get_kind_display()
            if change.kind != self.requested_kind:
                continue
            awaiting = pending and change.outbound_message_id == document.pending_message_id
            if not awaiting:
                message = by_id.get(change.outbound_message_id)
                answer = message.result or message.get_state_display() if message else ""
                change.kind_shown = f"Requested, {answer.lower()}" if answer else "Requested"
        return timeline

    def _request_row(self, document, timeline):
        """The history row our pending request wrote (its remarks show on the page)."""
        pending = document.pending_message_id
        for change in timeline:
            if change.kind == self.requested_kind and change.outbound_message_id == pending:
                return change
        return None

    def _diff(self, request, versions):
        by_id = {str(v.pk): v for v in versions}
        old, new = by_id.get(request.GET.get("from", "")), by_id.get(request.GET.get("to", ""))
        if old is None or new is None:
            return None
        return {"old": old, "new": new, "rows": self.version_diff(old, new)}

    def version_diff(self, old, new) -> list:
        raise NotImplementedError

    # -- the queue -----------------------------------------------------------------------

    def _queue(self, request, list_filters: str):
        """The reviewer's list with its filters, search and order, as the list shows it."""
        listing = copy.copy(request)
        listing.GET = QueryDict(list_filters)
        try:
            return self.list_rows(listing)
        except (IncorrectLookupParameters, DisallowedModelAdminLookup, ValueError):
            return None  # a garbled querystring: no queue, the page still opens

    def _next_in_list(self, request, document, list_filters: str) -> int | None:
        """The document after this one in the reviewer's list (its filters and order kept).

        One query: the list from this document on, in the list's order, two rows
        (`rows_from`, a range of the list's index wherever the document stands). A
        decision can take the document off a filtered list; the page then offers the one
        it offered before the decision (`queue_next`), if still listed, else the first."""
        queue = self._queue(request, list_filters)
        if queue is None:
            return None
        pks = queue.values_list("pk", flat=True)
        try:
            here = list(pks.filter(rows_from(queue, document.pk))[:2])
        except (ValueError, FieldError):  # an order no row follows from (random, computed)
            here = []
        if here[:1] == [document.pk]:
            return here[1] if len(here) > 1 else None
        offered = whole_number(request.GET.get(QUEUE_NEXT, ""))
        if offered is not None and offered != document.pk and pks.filter(pk=offered).exists():
            return offered
        return pks.exclude(pk=document.pk).first()

    # -- decisions -----------------------------------------------------------------------

    def _draft_key(self, document) -> str:
        return f"decision-draft:{self.model._meta.label_lower}:{document.pk}"

    def decide_view(self, request, pk):
        """POST from the detail page: the decision on the version the page showed.

        Refused, the page comes back with the response and remarks as they were typed."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_decide_permission(request):
            raise PermissionDenied
        document = get_object_or_404(self.model, pk=pk)
        list_filters = request.POST.get(LIST_FILTERS, "")
        back = self._detail_url(pk, list_filters, **{QUEUE_NEXT: request.POST.get(QUEUE_NEXT)})
        form = self.decision_form_class(request.POST)
        if not form.is_valid():
            self._keep_draft(request, document)
            field, errors = next(iter(form.errors.items()))
            messages.error(request, f"Not sent: {field}: {errors[0]}")
            return HttpResponseRedirect(back)
        data = form.cleaned_data
        if not self._findings_confirmed(request, [document], data["response"]):
            self._keep_draft(request, document)
            return HttpResponseRedirect(back)
        if self._decide(request, document, data["response"], data["remarks"], data["version"]):
            request.session.pop(self._draft_key(document), None)
        else:
            self._keep_draft(request, document)
        return HttpResponseRedirect(back)

    def _form_refused(self, request, form, pk):
        """Back to the document, with the first field the posted form got wrong."""
        field, errors = next(iter(form.errors.items()))
        messages.error(request, f"Not sent: {field}: {errors[0]}")
        return HttpResponseRedirect(self._detail_url(pk))

    def _keep_draft(self, request, document) -> None:
        """The refused decision's response and remarks, shown again on the page."""
        request.session[self._draft_key(document)] = {
            "response": request.POST.get("response", "")[:20],
            "remarks": request.POST.get("remarks", "")[:200],
        }

    def _findings_confirmed(self, request, documents, response) -> bool:
        """Deciding against findings needs the reviewer's tick ("confirm_findings")."""
        if response not in self.responses_against_findings:
            return True
        flagged = [document for document in documents if document.finding_count]
        if not flagged or request.POST.get("confirm_findings") == "1":
            return True
        numbers = ", ".join(self.number_of(document) for document in flagged)
        messages.error(
            request,
            f"Not sent: confirm_findings: {numbers} "
            f"{'has' if len(flagged) == 1 else 'have'} findings; tick the box saying you "
            f"have read them to {response.lower()} all the same.",
        )
        return False

    def _decide(self, request, document, response, remarks, version) -> bool:
        number = self.number_of(document)
        try:
            self.services.confirm(
                document,
                response,
                remarks,
                actor=request.user,
                expected_version=version,
                source=self.staff_source,
            )
        except Rejected as refused:
            messages.error(request, f"{number}: not sent. {refused.detail}")
            return False
        label = self.responses(response).label.lower()
        messages.success(request, f"{number}: {label} sent, awaiting the network.")
        return True

    def _bulk(self, request, queryset, response):
        """The bulk decision: first a page asking for remarks, then each document decided."""
        documents = list(queryset.select_related("counterparty"))
        flagged = [document for document in documents if document.finding_count]
        against = response in self.responses_against_findings and bool(flagged)
        if "apply" in request.POST:
            form = self.bulk_decision_form_class(request.POST)
            if form.is_valid() and self._findings_confirmed(request, documents, response):
                for document in documents:
                    # No version, or not a number: refused as stale rather than decided blind.
                    version = whole_number(request.POST.get(f"version_{document.pk}", ""))
                    self._decide(
                        request,
                        document,
                        response,
                        form.cleaned_data["remarks"],
                        -1 if version is None else version,
                    )
                return None
        else:
            form = self.bulk_decision_form_class()
        context = {
            **self.admin_site.each_context(request),
            "title": f"{self.responses(response).label} {len(documents)} {self.nouns}",
            "opts": self.model._meta,
            "documents": [(document, self.number_of(document)) for document in documents],
            "flagged": [self.number_of(document) for document in flagged],
            "against_findings": against,
            "form": form,
            "action": request.POST.get("action"),
            "response": response,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, self.bulk_template, context)

    @admin.action(description="Accept selected %(verbose_name_plural)s", permissions=["decide"])
    def accept_selected(self, request, queryset):
        return self._bulk(request, queryset, "ACCEPT")

    @admin.action(description="Reject selected %(verbose_name_plural)s", permissions=["decide"])
    def reject_selected(self, request, queryset):
        return self._bulk(request, queryset, "REJECT")

    @admin.action(
        description="Return selected %(verbose_name_plural)s for review", permissions=["decide"]
    )
    def return_selected(self, request, queryset):
        return self._bulk(request, queryset, "RETURN")

    # -- a request overdue at the network ------------------------------------------------

    def _overdue_action(self, request, pk, act, done: str):
        """POST only, with the decide permission: `act(document)` on the overdue request."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_decide_permission(request):
            raise PermissionDenied
        document = get_object_or_404(self.model, pk=pk)
        try:
            act(document)
            messages.success(request, done)
        except Rejected as refused:
            messages.error(request, f"Nothing done. {refusal_message(refused)}")
        return HttpResponseRedirect(self._detail_url(pk, request.POST.get(LIST_FILTERS, "")))

    def send_again_view(self, request, pk):
        return self._overdue_action(
            request,
            pk,
            lambda document: self.services.send_request_again(document, actor=request.user),
            "Sent again with the same reqMsgId, awaiting the network.",
        )

    def give_up_view(self, request, pk):
        reason = request.POST.get("reason", "")
        return self._overdue_action(
            request,
            pk,
            lambda document: self.services.give_up_request(document, reason, actor=request.user),
            f"Given up: the {self.noun} is back where it was; you may decide again.",
        )


class DocumentHistoryAdmin(QuickListMixin, BoundedExportMixin, ExportActionMixin, ModelAdmin):
    """A family's status history, newest first: the auditor's trail, read-only; its pages
    drawn per column (`QuickListMixin`: 200 rows cost little more than 50).

    A subclass sets `model`, `document_field` (the history's foreign key to its document),
    `number_field` (the document's number as people say it), `resource_classes` and
    `search_fields`; `document_link` and `message_link` are columns.
    """

    document_field = ""
    number_field = "object_id"
    # The history is the largest table: never counted in full to draw a page.
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    export_form_class = ExportForm
    list_filter_submit = True
    ordering = ["-at", "-id"]

    def get_list_display(self, request):
        return [
            "at", "document_link", "action", "kind", "from_status", "to_status", "version",
            "source", "actor", "remarks", "message_link",
        ]  # fmt: skip

    def get_list_select_related(self, request):
        return [self.document_field, "actor"]

    def get_list_filter(self, request):
        return [
            (self.document_field, AutocompleteSelectFilter), ("at", RangeDateFilter), "source",
            "kind", ("to_status", ChoicesDropdownFilter),
        ]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @display(description="document")
    def document_link(self, obj):
        document = getattr(obj, self.document_field)
        meta = document._meta
        url = change_url(f"admin:{meta.app_label}_{meta.model_name}_change", document.pk)
        return format_html('<a href="{}">{}</a>', url, getattr(document, self.number_field))

    @display(description="message")
    def message_link(self, obj):
        if obj.inbound_message_id:
            url = change_url("admin:network_inboundmessage_change", obj.inbound_message_id)
            return format_html('<a href="{}">in #{}</a>', url, obj.inbound_message_id)
        if obj.outbound_message_id:
            url = change_url("admin:network_outboundmessage_change", obj.outbound_message_id)
            return format_html('<a href="{}">out #{}</a>', url, obj.outbound_message_id)
        return "-"
