"""The reviewer's desk: invoices to filter, read, compare and decide; our own to send.

Thin: every change goes through `invoices.services`. The list and the detail page
build their querysets with select_related/prefetch_related, so a page costs the same
number of queries whatever its size.
"""

import functools

from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from import_export import fields
from import_export.admin import ExportActionMixin
from unfold.admin import ModelAdmin
from unfold.admin import checkbox as unfold_checkbox
from unfold.contrib.filters.admin import (
    AutocompleteSelectFilter,
    ChoicesDropdownFilter,
    RangeDateFilter,
    RangeNumericFilter,
    RelatedDropdownFilter,
)
from unfold.contrib.import_export.forms import ExportForm
from unfold.decorators import display

from b2bportal.desk.filters import (
    AssignedFilter,
    AttentionColumnMixin,
    AttentionFilter,
    OutstandingFilter,
)
from b2bportal.exports import FormulaSafeModelResource
from b2bportal.network.handling import Rejected
from b2bportal.network.models import InboundMessage, OutboundMessage
from b2bportal.network.outbox_admin import document_filter_url
from b2bportal.numbers import whole_number

from . import services
from .choices import BuyerResponse, ChangeKind, Role, Source, Status, allowed
from .diff import version_diff
from .forms import (
    BulkDecisionForm,
    CancelForm,
    DecisionForm,
    LineFormSet,
    OurInvoiceForm,
    SendForm,
    lines_of,
)
from .models import (
    PENDING,
    Finding,
    Invoice,
    InvoiceItem,
    InvoiceVersion,
    StatusChange,
    overdue,
)
from .templatetags.money import inr
from .wire import enkash_rows

STATUS_COLOURS = {
    Status.SENT_TO_BUYER: "info",
    Status.UNDER_REVIEW: "warning",
    Status.ACCEPTED: "success",
    Status.FULLY_PAID: "success",
    Status.CLOSED: "success",
    Status.REJECTED: "danger",
    Status.CANCELLED: "danger",
    Status.DELETED: "danger",
    Status.ABANDONED: "danger",
}


@functools.lru_cache(maxsize=64)
def enkash_display(version) -> list[dict]:
    """The "EnKash details" section: each stored internal-invoice field, labelled, its
    value as staff read it (amounts in rupees, flags as Yes/No, lists by their entries)."""
    rows = []
    for row in enkash_rows(version.enkash_details if version else {}):
        value, kind = row["value"], row["kind"]
        if kind == "amount":
            shown = f"₹ {inr(value)}"
        elif kind == "flag":
            shown = "Yes" if value is True else "No" if value is False else str(value)
        elif kind == "list":
            count = len(value) if isinstance(value, list) else 1
            shown = f"{count} entr{'y' if count == 1 else 'ies'}"
        else:
            shown = str(value)
        # Only web addresses become links: the value comes from outside.
        link = shown if kind == "url" and shown.startswith(("https://", "http://")) else ""
        rows.append({**row, "shown": shown, "link": link})
    return rows


def badge(text: str, variant: str) -> str:
    """The theme's label badge for `text` (cached: a handful of distinct values)."""
    return mark_safe(render_to_string("unfold/helpers/label.html", {"text": text, "type": variant}))  # noqa: S308


_PK_MARK = "__invoice_pk__"


@functools.lru_cache(maxsize=1)
def _checkbox_html() -> str:
    return unfold_checkbox.render(admin.helpers.ACTION_CHECKBOX_NAME, _PK_MARK)


class InvoiceResource(FormulaSafeModelResource):
    """What an auditor's export holds: one row per invoice in its applied version."""

    business = fields.Field(attribute="business__b2b_id", column_name="business")

    class Meta:
        model = Invoice
        fields = (
            "id",
            "object_id",
            "role",
            "business",
            "status",
            "version",
            "supplier_invoice_number",
            "invoice_date",
            "due_date",
            "supplier_b2b_id",
            "supplier_gstin",
            "supplier_legal_name",
            "buyer_b2b_id",
            "buyer_gstin",
            "buyer_legal_name",
            "place_of_supply",
            "assessable_value",
            "cgst_amount",
            "sgst_amount",
            "igst_amount",
            "cess_amount",
            "total_value",
            "finding_count",
            "updated_at",
        )
        export_order = fields

    def get_queryset(self):
        return Invoice.objects.select_related("business")


class YesNoFilter(admin.SimpleListFilter):
    """A yes/no filter over one condition (`condition`)."""

    condition: Q

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(self.get_condition())
        if self.value() == "no":
            return queryset.exclude(self.get_condition())
        return queryset

    def get_condition(self) -> Q:
        return self.condition


class OverdueFilter(YesNoFilter):
    title = "overdue"
    parameter_name = "overdue"

    def get_condition(self):
        return overdue()


class HasFindingsFilter(YesNoFilter):
    title = "has findings"
    parameter_name = "has_findings"
    condition = Q(finding_count__gt=0)


class PendingFilter(YesNoFilter):
    title = "pending action"
    parameter_name = "pending"
    condition = PENDING


@admin.register(Invoice)
class InvoiceAdmin(AttentionColumnMixin, ExportActionMixin, ModelAdmin):
    """Invoices we received and sent: the reviewer's desk."""

    resource_classes = [InvoiceResource]
    export_form_class = ExportForm
    list_display = [
        "supplier_invoice_number",
        "counterparty_display",
        "role",
        "business",
        "status_badge",
        "attention_column",  # beside the status: the first thing a reviewer must see
        "version",
        "invoice_date",
        "due_date",
        "total",
        "findings_badge",
        "pending_badge",
    ]
    list_display_links = ["supplier_invoice_number"]
    list_select_related = ["business", "counterparty", "pending_message"]
    list_filter = [
        ("status", ChoicesDropdownFilter),
        "role",
        ("business", RelatedDropdownFilter),
        ("counterparty", AutocompleteSelectFilter),  # thousands of them: searched, not listed
        ("invoice_date", RangeDateFilter),
        ("due_date", RangeDateFilter),
        ("total_value", RangeNumericFilter),
        OverdueFilter,
        HasFindingsFilter,
        PendingFilter,
        AttentionFilter,
        OutstandingFilter,
        AssignedFilter,
    ]
    list_filter_submit = True
    search_fields = [
        "supplier_invoice_number",
        "object_id",
        "supplier_gstin",
        "buyer_gstin",
        "counterparty__legal_name",
        "counterparty__trade_name",
    ]
    search_help_text = "Supplier invoice number, objectId, GSTIN or counterparty name"
    list_per_page = 50
    show_full_result_count = False  # one COUNT less on a large table
    actions = ["accept_selected", "reject_selected", "return_selected"]
    ordering = ["-updated_at", "-id"]

    # -- permissions: the record changes only through decisions --------------------------

    def has_add_permission(self, request):
        return request.user.has_perm("invoices.add_invoice")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request, obj=None):
        return request.user.has_perm("invoices.decide_invoice")

    def has_export_permission(self, request):
        return request.user.has_perm("invoices.export_invoice")

    # -- list columns --------------------------------------------------------------------

    @display(description="counterparty", ordering="counterparty__legal_name")
    def counterparty_display(self, obj):
        return obj.counterparty.display_name

    @display(description="total (₹)", ordering="total_value")
    def total(self, obj):
        return inr(obj.total_value)

    # Badges and checkboxes are rendered once per distinct value, not once per row:
    # a 200-row page otherwise spends most of its time in these small templates.
    @display(description="status", ordering="status")
    def status_badge(self, obj):
        return badge(obj.get_status_display(), STATUS_COLOURS.get(obj.status, ""))

    @display(description="findings", ordering="finding_count")
    def findings_badge(self, obj):
        return badge(str(obj.finding_count), "danger") if obj.finding_count else "-"

    @display(description=ModelAdmin.action_checkbox.short_description)
    def action_checkbox(self, obj):
        return mark_safe(_checkbox_html().replace(_PK_MARK, str(obj.pk)))  # noqa: S308

    @display(description="pending")
    def pending_badge(self, obj):
        # Only a pending decision is worth a mark; a column of crosses reads as errors.
        return badge("awaiting network", "warning") if services.is_pending(obj) else "-"

    # -- URLs ----------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/decide/", view(self.decide_view), name="invoices_invoice_decide"),
            path("<int:pk>/send/", view(self.send_view), name="invoices_invoice_send"),
            path("<int:pk>/cancel/", view(self.cancel_view), name="invoices_invoice_cancel"),
            path("<int:pk>/edit/", view(self.edit_view), name="invoices_invoice_edit"),
            path(
                "<int:pk>/send-again/",
                view(self.send_again_view),
                name="invoices_invoice_send_again",
            ),  # fmt: skip
            path("<int:pk>/give-up/", view(self.give_up_view), name="invoices_invoice_give_up"),
            *super().get_urls(),
        ]

    def _detail_url(self, pk) -> str:
        return reverse("admin:invoices_invoice_change", args=[pk])

    # -- detail page ---------------------------------------------------------------------

    def detail_queryset(self):
        current = InvoiceVersion.objects.prefetch_related(
            Prefetch("items", queryset=InvoiceItem.objects.order_by("position")),
            Prefetch("findings", queryset=Finding.objects.order_by("id")),
        )
        return Invoice.objects.select_related(
            "business", "counterparty", "pending_message"
        ).prefetch_related(
            Prefetch("current_version", queryset=current),
            Prefetch("versions", queryset=InvoiceVersion.objects.order_by("number", "id")),
            "status_changes__actor",
            "parked_actions",
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        pk = whole_number(str(object_id))
        if pk is None:  # /invoice/abc/change/: no such invoice, not a crash
            raise Http404
        invoice = get_object_or_404(self.detail_queryset(), pk=pk)
        link = {
            "document_type": ContentType.objects.get_for_model(Invoice),
            "document_id": invoice.pk,
        }
        inbound = list(
            InboundMessage.objects.filter(**link)
            .only(
                "id",
                "received_at",
                "message_type",
                "outcome",
                "error_code",
                "error_detail",
                "error_field",
            )
            .order_by("received_at", "id")
        )
        outbound = list(
            OutboundMessage.objects.filter(**link)
            .only(
                "id",
                "created_at",
                "message_type",
                "state",
                "attempt_count",
                "result",
                "error_code",
                "error_detail",
                "error_field",
                "last_error",
                "req_msg_id",
            )
            .order_by("created_at", "id")
        )
        versions = list(invoice.versions.all())
        timeline = list(invoice.status_changes.all())
        diff = self._diff(request, versions)
        pending = services.is_pending(invoice)
        overdue = pending and invoice.pending_message.is_overdue
        can_decide = self.has_decide_permission(request) and not pending
        context = {
            **self.admin_site.each_context(request),
            "title": f"Invoice {invoice.supplier_invoice_number}",
            "subtitle": invoice.object_id,
            "opts": self.model._meta,
            "original": invoice,
            "invoice": invoice,
            "current": invoice.current_version,
            "versions": versions,
            "timeline": timeline,
            "pending_request": self._request_row(invoice, timeline),
            "inbound": inbound,
            "outbound": outbound,
            "conflicts": [m for m in inbound if m.error_code == "VERSION_CONFLICT"],
            "parked": [a for a in invoice.parked_actions.all() if a.applied_at is None],
            "all_calls_url": document_filter_url(invoice),
            "diff": diff,
            "pending": pending,
            "overdue": overdue,
            "can_handle_overdue": overdue and self.has_decide_permission(request),
            "decision_form": DecisionForm(initial={"version": invoice.version})
            if can_decide and allowed("confirm", invoice.role, invoice.status)
            else None,
            "can_send": can_decide and self._can_act(request, invoice, "send"),
            "cancel_form": CancelForm(initial={"version": invoice.version})
            if can_decide and self._can_act(request, invoice, "cancel")
            else None,
            "can_edit": can_decide and self._can_act(request, invoice, "edit"),
            "enkash_details": enkash_display(invoice.current_version),
        }
        return TemplateResponse(request, "admin/invoices/invoice/detail.html", context)

    def _request_row(self, invoice, timeline):
        """The history row our pending request wrote (its remarks show on the page)."""
        pending = invoice.pending_message_id
        for change in timeline:
            if change.kind == ChangeKind.REQUESTED and change.outbound_message_id == pending:
                return change
        return None

    def _can_act(self, request, invoice, action) -> bool:
        return request.user.has_perm("invoices.add_invoice") and allowed(
            action, invoice.role, invoice.status
        )

    def _diff(self, request, versions):
        by_id = {str(v.pk): v for v in versions}
        old, new = by_id.get(request.GET.get("from", "")), by_id.get(request.GET.get("to", ""))
        if old is None or new is None:
            return None
        return {"old": old, "new": new, "rows": version_diff(old, new)}

    # -- decisions -----------------------------------------------------------------------

    def decide_view(self, request, pk):
        """POST from the detail page: the decision on the version the page showed."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_decide_permission(request):
            raise PermissionDenied
        invoice = get_object_or_404(Invoice, pk=pk)
        form = DecisionForm(request.POST)
        if not form.is_valid():
            return self._form_refused(request, form, pk)
        data = form.cleaned_data
        self._decide(request, invoice, data["response"], data["remarks"], data["version"])
        return HttpResponseRedirect(self._detail_url(pk))

    # -- a request overdue at the network ----------------------------------------------------

    def _overdue_action(self, request, pk, act, done: str):
        """POST only, with the decide permission: `act(invoice)` on the overdue request."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_decide_permission(request):
            raise PermissionDenied
        invoice = get_object_or_404(Invoice, pk=pk)
        try:
            act(invoice)
            messages.success(request, done)
        except Rejected as refused:
            where = f"{refused.field}: " if refused.field else ""
            messages.error(request, f"Nothing done. {where}{refused.detail}")
        return HttpResponseRedirect(self._detail_url(pk))

    def send_again_view(self, request, pk):
        return self._overdue_action(
            request,
            pk,
            lambda invoice: services.send_request_again(invoice, actor=request.user),
            "Sent again with the same reqMsgId, awaiting the network.",
        )

    def give_up_view(self, request, pk):
        reason = request.POST.get("reason", "")
        return self._overdue_action(
            request,
            pk,
            lambda invoice: services.give_up_request(invoice, reason, actor=request.user),
            "Given up: the invoice is back where it was; you may decide again.",
        )

    def _form_refused(self, request, form, pk):
        """Back to the invoice, with the first field the posted form got wrong."""
        field, errors = next(iter(form.errors.items()))
        messages.error(request, f"Not sent: {field}: {errors[0]}")
        return HttpResponseRedirect(self._detail_url(pk))

    def _decide(self, request, invoice, response, remarks, version) -> bool:
        try:
            services.confirm(
                invoice,
                response,
                remarks,
                actor=request.user,
                expected_version=version,
                source=Source.STAFF,
            )
        except Rejected as refused:
            messages.error(
                request, f"{invoice.supplier_invoice_number}: not sent. {refused.detail}"
            )
            return False
        label = BuyerResponse(response).label.lower()
        messages.success(
            request, f"{invoice.supplier_invoice_number}: {label} sent, awaiting the network."
        )
        return True

    def _bulk(self, request, queryset, response):
        """The bulk decision: first a page asking for remarks, then each invoice decided."""
        if "apply" in request.POST:
            form = BulkDecisionForm(request.POST)
            if form.is_valid():
                for invoice in queryset:
                    # No version, or not a number: refused as stale rather than decided blind.
                    version = whole_number(request.POST.get(f"version_{invoice.pk}", ""))
                    self._decide(
                        request,
                        invoice,
                        response,
                        form.cleaned_data["remarks"],
                        -1 if version is None else version,
                    )
                return None
        else:
            form = BulkDecisionForm()
        context = {
            **self.admin_site.each_context(request),
            "title": f"{BuyerResponse(response).label} {queryset.count()} invoices",
            "opts": self.model._meta,
            "invoices": queryset.select_related("counterparty"),
            "form": form,
            "action": request.POST.get("action"),
            "response": response,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/invoices/invoice/bulk_decide.html", context)

    @admin.action(description="Accept selected invoices", permissions=["decide"])
    def accept_selected(self, request, queryset):
        return self._bulk(request, queryset, BuyerResponse.ACCEPT)

    @admin.action(description="Reject selected invoices", permissions=["decide"])
    def reject_selected(self, request, queryset):
        return self._bulk(request, queryset, BuyerResponse.REJECT)

    @admin.action(description="Return selected invoices for review", permissions=["decide"])
    def return_selected(self, request, queryset):
        return self._bulk(request, queryset, BuyerResponse.RETURN)

    # -- our own invoices ------------------------------------------------------------------

    def _supplier_action(self, request, pk):
        if request.method != "POST":
            return None, HttpResponseNotAllowed(["POST"])
        if not (self.has_decide_permission(request) and self.has_add_permission(request)):
            raise PermissionDenied
        return get_object_or_404(Invoice, pk=pk, role=Role.SUPPLIER), None

    def send_view(self, request, pk):
        invoice, refused = self._supplier_action(request, pk)
        if refused:
            return refused
        form = SendForm(request.POST)
        if not form.is_valid():
            return self._form_refused(request, form, pk)
        try:
            services.send_invoice(
                invoice, actor=request.user, expected_version=form.cleaned_data["version"]
            )
            messages.success(request, "Sent, awaiting the network.")
        except Rejected as rejected:
            messages.error(request, f"Not sent. {rejected.detail}")
        return HttpResponseRedirect(self._detail_url(pk))

    def cancel_view(self, request, pk):
        invoice, refused = self._supplier_action(request, pk)
        if refused:
            return refused
        form = CancelForm(request.POST)
        if not form.is_valid():
            return self._form_refused(request, form, pk)
        try:
            services.cancel_invoice(
                invoice,
                form.cleaned_data["remarks"],
                actor=request.user,
                expected_version=form.cleaned_data["version"],
            )
            messages.success(request, "Cancellation sent, awaiting the network.")
        except Rejected as rejected:
            messages.error(request, f"Not sent. {rejected.detail}")
        return HttpResponseRedirect(self._detail_url(pk))

    def add_view(self, request, form_url="", extra_context=None):
        """A new invoice of ours, with its lines (created, not yet sent)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self._invoice_form(request, None)

    def edit_view(self, request, pk):
        if not (self.has_decide_permission(request) and self.has_add_permission(request)):
            raise PermissionDenied
        invoice = get_object_or_404(self.detail_queryset(), pk=pk, role=Role.SUPPLIER)
        return self._invoice_form(request, invoice)

    def _invoice_form(self, request, invoice):
        if request.method == "POST":
            form, lines = OurInvoiceForm(request.POST), LineFormSet(request.POST, prefix="lines")
            if form.is_valid() and lines.is_valid():
                data = form.service_data(lines_of(lines))
                try:
                    if invoice is None:
                        invoice = services.create_invoice(
                            form.cleaned_data["business"], data, actor=request.user
                        )
                        messages.success(request, "Created. Check it, then send it.")
                    else:
                        services.edit_invoice(
                            invoice,
                            data,
                            actor=request.user,
                            expected_version=form.cleaned_data["version"],
                        )
                        messages.success(request, "New version sent, awaiting the network.")
                    return HttpResponseRedirect(self._detail_url(invoice.pk))
                except Rejected as rejected:
                    form.add_error(None, rejected.detail)
        elif invoice is not None:
            form = OurInvoiceForm(initial=self._initial(invoice))
            lines = LineFormSet(
                prefix="lines",
                initial=[
                    {
                        "description": i.description,
                        "hsn_code": i.hsn_code,
                        "quantity": i.quantity,
                        "unit": i.unit,
                        "unit_price": i.unit_price,
                        "gst_rate": i.gst_rate,
                        "is_service": i.is_service,
                    }
                    for i in invoice.current_version.items.all()
                ],
            )
        else:
            form, lines = OurInvoiceForm(), LineFormSet(prefix="lines")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Edit {invoice.supplier_invoice_number}" if invoice else "New invoice",
            "opts": self.model._meta,
            "form": form,
            "lines": lines,
            "invoice": invoice,
        }
        return TemplateResponse(request, "admin/invoices/invoice/our_invoice_form.html", context)

    def _initial(self, invoice) -> dict:
        return {
            "business": invoice.business_id,
            "buyer_b2b_id": invoice.buyer_b2b_id,
            "buyer_gstin": invoice.buyer_gstin,
            "buyer_legal_name": invoice.buyer_legal_name,
            "buyer_trade_name": invoice.buyer_trade_name,
            "buyer_state_code": invoice.buyer_state_code,
            "place_of_supply": invoice.place_of_supply,
            "supplier_invoice_number": invoice.supplier_invoice_number,
            "invoice_date": invoice.invoice_date,
            "due_date": invoice.due_date,
            "version": invoice.version,
        }


class StatusChangeResource(FormulaSafeModelResource):
    """The status history as an auditor exports it: one row per transition, oldest first."""

    object_id = fields.Field(attribute="invoice__object_id", column_name="objectId")
    supplier_invoice_number = fields.Field(
        attribute="invoice__supplier_invoice_number", column_name="supplier invoice number"
    )
    actor = fields.Field(attribute="actor__username", column_name="actor")

    class Meta:
        model = StatusChange
        fields = (
            "id",
            "at",
            "object_id",
            "supplier_invoice_number",
            "action",
            "kind",
            "from_status",
            "to_status",
            "version",
            "source",
            "actor",
            "remarks",
            "inbound_message",
            "outbound_message",
        )
        export_order = fields

    def get_queryset(self):
        return StatusChange.objects.select_related("invoice", "actor").order_by("at", "id")


@admin.register(StatusChange)
class StatusChangeAdmin(ExportActionMixin, ModelAdmin):
    """Every transition of every invoice, newest first: the auditor's trail, read-only."""

    resource_classes = [StatusChangeResource]
    export_form_class = ExportForm
    list_display = [
        "at",
        "invoice_link",
        "action",
        "kind",
        "from_status",
        "to_status",
        "version",
        "source",
        "actor",
        "remarks",
        "message_link",
    ]
    list_select_related = ["invoice", "actor"]
    list_filter = [
        ("invoice", AutocompleteSelectFilter),
        ("at", RangeDateFilter),
        "source",
        "kind",
        ("to_status", ChoicesDropdownFilter),
    ]
    list_filter_submit = True
    search_fields = ["invoice__object_id", "invoice__supplier_invoice_number", "remarks"]
    search_help_text = "objectId, supplier invoice number or remarks"
    ordering = ["-at", "-id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @display(description="invoice", ordering="invoice__supplier_invoice_number")
    def invoice_link(self, obj):
        url = reverse("admin:invoices_invoice_change", args=[obj.invoice_id])
        return format_html('<a href="{}">{}</a>', url, obj.invoice.supplier_invoice_number)

    @display(description="message")
    def message_link(self, obj):
        if obj.inbound_message_id:
            url = reverse("admin:network_inboundmessage_change", args=[obj.inbound_message_id])
            return format_html('<a href="{}">in #{}</a>', url, obj.inbound_message_id)
        if obj.outbound_message_id:
            url = reverse("admin:network_outboundmessage_change", args=[obj.outbound_message_id])
            return format_html('<a href="{}">out #{}</a>', url, obj.outbound_message_id)
        return "-"
