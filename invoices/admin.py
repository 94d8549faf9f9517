"""The reviewer's desk: invoices to filter, read, compare and decide; our own to send.

The shared desk (badges, filters, detail page, decisions, the queue) is
`b2bportal.documents.admin.DocumentAdmin`; this module names the invoice's models,
services, columns and filters, and adds what only invoices have: our own invoices to
create, send, edit and cancel, and the EnKash details section.
"""

import functools

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from import_export import fields
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

from b2bportal.admin_lists import IndexedSearchMixin, QuickListMixin, change_url
from b2bportal.desk.filters import AssignedFilter, AttentionFilter, OutstandingFilter
from b2bportal.documents.admin import (
    DocumentAdmin,
    HasFindingsFilter,
    OverdueFilter,
    PendingFilter,
)
from b2bportal.documents.models import PENDING
from b2bportal.exports import FormulaSafeModelResource
from b2bportal.network.handling import Rejected
from b2bportal.paginators import EstimatedCountPaginator

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


@admin.register(Invoice)
class InvoiceAdmin(DocumentAdmin):
    """Invoices we received and sent: the reviewer's desk."""

    services = services
    version_model = InvoiceVersion
    item_model = InvoiceItem
    finding_model = Finding
    responses = BuyerResponse
    staff_source = Source.STAFF
    requested_kind = ChangeKind.REQUESTED
    status_colours = STATUS_COLOURS
    number_field = "supplier_invoice_number"
    decision_form_class = DecisionForm
    bulk_decision_form_class = BulkDecisionForm
    detail_template = "admin/invoices/invoice/detail.html"
    history_filter = "invoice__id__exact"

    resource_classes = [InvoiceResource]
    list_display = [
        "invoice_number",
        "counterparty_display",
        "role",
        "business_display",
        "status_and_pending",
        "attention_column",  # beside the status: the first thing a reviewer must see
        "invoice_date",
        "due_date",
        "total",
        "findings_badge",
    ]
    list_display_links = ["invoice_number"]
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
    search_fields = [
        "supplier_invoice_number",
        "object_id",
        "supplier_gstin",
        "buyer_gstin",
        "counterparty__legal_name",
        "counterparty__trade_name",
    ]
    search_help_text = "Supplier invoice number, objectId, GSTIN or counterparty name"

    def yes_no_conditions(self):
        return {**super().yes_no_conditions(), "overdue": overdue(), "pending": PENDING}

    def may_confirm(self, document):
        return allowed("confirm", document.role, document.status)

    def version_diff(self, old, new):
        return version_diff(old, new)

    # -- list columns --------------------------------------------------------------------

    # Short headers and no version column (it is on the invoice's page): at 1440 px the
    # findings and pending columns must be on screen, not behind a sideways scroll.
    @display(description="invoice no.", ordering="supplier_invoice_number")
    def invoice_number(self, obj):
        return obj.supplier_invoice_number

    # -- the detail page's invoice parts -------------------------------------------------

    gross_amounts = True

    def document_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/send/", view(self.send_view), name="invoices_invoice_send"),
            path("<int:pk>/cancel/", view(self.cancel_view), name="invoices_invoice_cancel"),
            path("<int:pk>/edit/", view(self.edit_view), name="invoices_invoice_edit"),
        ]

    def family_context(self, request, document):
        can_act = self.has_decide_permission(request) and not services.is_pending(document)
        return {
            "invoice": document,
            "can_send": can_act and self._can_act(request, document, "send"),
            "cancel_form": CancelForm(initial={"version": document.version})
            if can_act and self._can_act(request, document, "cancel")
            else None,
            "can_edit": can_act and self._can_act(request, document, "edit"),
            "enkash_details": enkash_display(document.current_version),
        }

    def _can_act(self, request, invoice, action) -> bool:
        return request.user.has_perm("invoices.add_invoice") and allowed(
            action, invoice.role, invoice.status
        )

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
class StatusChangeAdmin(QuickListMixin, IndexedSearchMixin, ExportActionMixin, ModelAdmin):
    """Every transition of every invoice, newest first: the auditor's trail, read-only."""

    resource_classes = [StatusChangeResource]
    # The history is the largest table: never counted in full to draw a page.
    paginator = EstimatedCountPaginator
    show_full_result_count = False
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
        url = change_url("admin:invoices_invoice_change", obj.invoice_id)
        return format_html('<a href="{}">{}</a>', url, obj.invoice.supplier_invoice_number)

    @display(description="message")
    def message_link(self, obj):
        if obj.inbound_message_id:
            url = change_url("admin:network_inboundmessage_change", obj.inbound_message_id)
            return format_html('<a href="{}">in #{}</a>', url, obj.inbound_message_id)
        if obj.outbound_message_id:
            url = change_url("admin:network_outboundmessage_change", obj.outbound_message_id)
            return format_html('<a href="{}">out #{}</a>', url, obj.outbound_message_id)
        return "-"
