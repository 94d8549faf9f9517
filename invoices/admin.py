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
from django.urls import path
from import_export import fields
from unfold.decorators import display

from b2bportal.admin_lists import IndexedSearchMixin
from b2bportal.documents.admin import (
    DocumentAdmin,
    DocumentHistoryAdmin,
    OverdueFilter,
    document_filters,
)
from b2bportal.documents.models import PENDING
from b2bportal.exports import FormulaSafeModelResource
from b2bportal.network.handling import Rejected

from . import services
from .choices import BuyerResponse, ChangeKind, Role, Source, Status
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
from .spec import SPEC
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
    list_filter = document_filters("invoice_date", "due_date", flags=[OverdueFilter])
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
        return SPEC.allowed("confirm", document.role, document.status)

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
        return request.user.has_perm("invoices.add_invoice") and SPEC.allowed(
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
        return self.own_form_view(request, None)

    def edit_view(self, request, pk):
        if not (self.has_decide_permission(request) and self.has_add_permission(request)):
            raise PermissionDenied
        invoice = get_object_or_404(self.detail_queryset(), pk=pk, role=Role.SUPPLIER)
        return self.own_form_view(request, invoice)

    own_form_class = OurInvoiceForm
    own_lines_formset = LineFormSet
    own_lines_of = staticmethod(lines_of)
    own_form_template = "admin/invoices/invoice/our_invoice_form.html"

    def refusal_text(self, rejected):
        return rejected.detail

    def create_own(self, request, business, data):
        return services.create_invoice(business, data, actor=request.user)

    def edit_own(self, request, document, data, expected_version):
        services.edit_invoice(document, data, actor=request.user, expected_version=expected_version)

    def own_form_context(self, document) -> dict:
        title = f"Edit {document.supplier_invoice_number}" if document else "New invoice"
        return {"title": title, "invoice": document}

    def own_initial(self, invoice) -> dict:
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
class StatusChangeAdmin(IndexedSearchMixin, DocumentHistoryAdmin):
    """Every transition of every invoice, newest first: the auditor's trail, read-only."""

    document_field = "invoice"
    number_field = "supplier_invoice_number"
    resource_classes = [StatusChangeResource]
    search_fields = ["invoice__object_id", "invoice__supplier_invoice_number", "remarks"]
    search_help_text = "objectId, supplier invoice number or remarks"

    @display(description="invoice", ordering="invoice__supplier_invoice_number")
    def document_link(self, obj):
        return super().document_link(obj)
