"""Purchase orders on the staff's desk: buyers' orders to confirm, and our own to place.

The shared desk (badges, filters, detail page, single and bulk decisions, the queue,
banners) is `b2bportal.documents.admin.DocumentAdmin`; this module names the order's
models, services, columns and filters, and adds what only orders have: the "awaiting
confirmation" list of the supplier side, and the buyer side's orders to create, send,
edit, cancel and close (`purchase_orders.manage_purchaseorder`). Every state change is
a call of `purchase_orders.services`.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from import_export import fields
from unfold.decorators import display

from b2bportal.desk.families import awaiting_review, family_of
from b2bportal.documents.admin import (
    DocumentAdmin,
    DocumentHistoryAdmin,
    document_filters,
)
from b2bportal.documents.errors import refusal_message
from b2bportal.exports import FormulaSafeModelResource
from b2bportal.network.handling import Rejected
from invoices.forms import BulkDecisionForm

from . import services
from .choices import ChangeKind, Role, Source, Status, SupplierResponse
from .forms import DecisionForm, LineFormSet, OurPurchaseOrderForm, RemarksForm, SendForm, lines_of
from .matching import order_book
from .models import (
    CONTENT_FIELDS,
    PurchaseOrder,
    PurchaseOrderFinding,
    PurchaseOrderLine,
    PurchaseOrderStatusChange,
    PurchaseOrderVersion,
)
from .spec import SPEC

STATUS_COLOURS = {
    Status.SENT_TO_SUPPLIER: "info",
    Status.UNDER_REVIEW: "warning",
    Status.ACCEPTED: "success",
    Status.PARTIALLY_INVOICED: "info",
    Status.FULLY_INVOICED: "success",
    Status.CLOSED: "success",
    Status.REJECTED: "danger",
    Status.CANCELLED: "danger",
}


class AwaitingConfirmationFilter(admin.SimpleListFilter):
    """Buyers' orders waiting for our answer: the supplier side's work (home page: "to
    review"). The desk's own condition, so the count and the list agree."""

    title = "awaiting our confirmation"
    parameter_name = "awaiting_confirmation"

    def lookups(self, request, model_admin):
        return [("yes", "Yes")]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        return queryset.filter(awaiting_review(family_of(queryset.model)))


class PurchaseOrderResource(FormulaSafeModelResource):
    """What an auditor's export holds: one row per order in its applied version."""

    business = fields.Field(attribute="business__b2b_id", column_name="business")

    class Meta:
        model = PurchaseOrder
        fields = (
            "id", "object_id", "role", "business", "status", "version", *CONTENT_FIELDS,
            "finding_count", "updated_at",
        )  # fmt: skip
        export_order = fields

    def get_queryset(self):
        return PurchaseOrder.objects.select_related("business")


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(DocumentAdmin):
    """Purchase orders we received (to confirm) and placed (to send, edit, cancel, close)."""

    services = services
    version_model = PurchaseOrderVersion
    item_model = PurchaseOrderLine
    finding_model = PurchaseOrderFinding
    responses = SupplierResponse
    staff_source = Source.STAFF
    requested_kind = ChangeKind.REQUESTED
    status_colours = STATUS_COLOURS
    number_field = "po_number"
    decision_form_class = DecisionForm
    bulk_decision_form_class = BulkDecisionForm
    detail_template = "admin/purchase_orders/purchaseorder/detail.html"
    history_filter = "purchase_order__id__exact"

    resource_classes = [PurchaseOrderResource]
    list_display = [
        "order_number",
        "counterparty_display",
        "role",
        "business_display",
        "status_column",
        "attention_column",
        "order_date",
        "delivery_date",
        "total",
        "findings_badge",
    ]
    list_display_links = ["order_number"]
    list_select_related = ["business", "counterparty", "pending_message"]
    list_filter = [AwaitingConfirmationFilter, *document_filters("order_date", "delivery_date")]
    search_fields = [
        "po_number",
        "object_id",
        "supplier_gstin",
        "buyer_gstin",
        "supplier_b2b_id",
        "buyer_b2b_id",
        "counterparty__legal_name",
        "counterparty__trade_name",
    ]
    search_help_text = "PO number, objectId, GSTIN, B2B ID or counterparty name"

    def may_confirm(self, document):
        return SPEC.allowed("confirm", document.role, document.status)

    def version_diff(self, old, new):
        # The page shows the diff in words (`diff_in_words`), generic over families.
        return []

    def has_add_permission(self, request):
        return self.has_manage_permission(request)

    def has_manage_permission(self, request, obj=None):
        return request.user.has_perm(self.permission("manage"))

    # -- list columns --------------------------------------------------------------------

    # The pending mark sits under the status, not in a column of its own: at 1440 px the
    # findings must be on screen, and "awaiting network" is about the status anyway.
    @display(description="status", ordering="status")
    def status_column(self, obj):
        if not services.is_pending(obj):
            return self.status_badge(obj)
        pending = self.pending_badge(obj)
        return format_html(
            '{}<br><span class="pending-mark">{}</span>', self.status_badge(obj), pending
        )

    @display(description="PO no.", ordering="po_number")
    def order_number(self, obj):
        return obj.po_number

    # -- URLs of the order's own views ---------------------------------------------------

    party_order = ("buyer", "supplier")  # the buyer wrote the order

    def document_urls(self):
        view = self.admin_site.admin_view
        return [
            path("awaiting/", view(self.awaiting_view), name=self.url_name("awaiting")),
            path("<int:pk>/send/", view(self.send_view), name=self.url_name("send")),
            path("<int:pk>/edit/", view(self.edit_view), name=self.url_name("edit")),
            path("<int:pk>/cancel/", view(self.cancel_view), name=self.url_name("cancel")),
            path("<int:pk>/close/", view(self.close_view), name=self.url_name("close")),
        ]

    def awaiting_view(self, request):
        """ "POs awaiting confirmation": the list, filtered to the buyers' orders we owe an
        answer (a bookmarkable address; the filter is the list's own)."""
        url = reverse(f"admin:{self.url_name('changelist')}")
        return HttpResponseRedirect(f"{url}?{AwaitingConfirmationFilter.parameter_name}=yes")

    # -- the detail page's order parts ---------------------------------------------------

    def family_context(self, request, document):
        may_act = self.has_manage_permission(request) and not services.is_pending(document)

        def can(action):
            return may_act and SPEC.allowed(action, document.role, document.status)

        def remarks_form(action):
            return RemarksForm(initial={"version": document.version}) if can(action) else None

        return {
            "order": document,
            "can_send": can("send"),
            "can_edit": can("edit"),
            "cancel_form": remarks_form("cancel"),
            "close_form": remarks_form("close"),
            # The shared views' addresses and the order's own.
            "urls": {
                name: reverse(f"admin:{self.url_name(name)}", args=[document.pk])
                for name in ("decide", "send_again", "give_up", "send", "edit", "cancel", "close")
            },
            "invoiced": self.invoiced_against(document),
        }

    def invoiced_against(self, document):
        """Ordered / invoiced / remaining per line of the applied version, the invoices
        against each line, the invoice lines on no order line and every invoice linked
        to the order (`matching.order_book`, three queries); None before a version is
        applied (nothing to invoice yet)."""
        if document.current_version_id is None:
            return None
        return order_book(document)

    # -- our own orders (buyer side) -----------------------------------------------------

    def _our_order(self, request, pk):
        """The order of ours a POST acts on, if the user may manage orders."""
        if not self.has_manage_permission(request):
            raise PermissionDenied
        return get_object_or_404(PurchaseOrder, pk=pk, role=Role.BUYER)

    def _act(self, request, pk, form_class, act, done: str):
        """POST only: validate `form_class`, then `act(order, cleaned_data)`; back to the page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        order = self._our_order(request, pk)
        form = form_class(request.POST)
        if not form.is_valid():
            return self._form_refused(request, form, pk)
        try:
            act(order, form.cleaned_data)
            messages.success(request, done)
        except Rejected as rejected:
            messages.error(request, f"Not sent. {refusal_message(rejected)}")
        return HttpResponseRedirect(self._detail_url(pk))

    def send_view(self, request, pk):
        return self._act(
            request,
            pk,
            SendForm,
            lambda order, data: services.send_purchase_order(
                order, actor=request.user, expected_version=data["version"]
            ),
            "Sent to the supplier, awaiting the network.",
        )

    def cancel_view(self, request, pk):
        return self._act(
            request,
            pk,
            RemarksForm,
            lambda order, data: services.cancel_purchase_order(
                order, data["remarks"], actor=request.user, expected_version=data["version"]
            ),
            "Cancellation sent, awaiting the network.",
        )

    def close_view(self, request, pk):
        return self._act(
            request,
            pk,
            RemarksForm,
            lambda order, data: services.close_purchase_order(
                order, data["remarks"], actor=request.user, expected_version=data["version"]
            ),
            "Closure sent, awaiting the network.",
        )

    def add_view(self, request, form_url="", extra_context=None):
        """A new order of ours, with its lines (created, not yet sent)."""
        if not self.has_manage_permission(request):
            raise PermissionDenied
        return self.own_form_view(request, None)

    def edit_view(self, request, pk):
        order = self._our_order(request, pk)
        order = get_object_or_404(self.detail_queryset(), pk=order.pk)
        return self.own_form_view(request, order)

    own_form_class = OurPurchaseOrderForm
    own_lines_formset = LineFormSet
    own_lines_of = staticmethod(lines_of)
    own_form_template = "admin/purchase_orders/purchaseorder/our_order_form.html"

    def create_own(self, request, business, data):
        return services.create_purchase_order(business, data, actor=request.user)

    def edit_own(self, request, document, data, expected_version):
        services.edit_purchase_order(
            document, data, actor=request.user, expected_version=expected_version
        )

    def own_initial(self, document) -> dict:
        return OurPurchaseOrderForm.initial_of(document)

    def own_form_context(self, document) -> dict:
        title = f"Edit purchase order {document.po_number}" if document else "New purchase order"
        return {"title": title, "order": document}


class PurchaseOrderStatusChangeResource(FormulaSafeModelResource):
    """The purchase orders' status history as an auditor exports it, oldest first."""

    object_id = fields.Field(attribute="purchase_order__object_id", column_name="objectId")
    po_number = fields.Field(attribute="purchase_order__po_number", column_name="PO number")
    actor = fields.Field(attribute="actor__username", column_name="actor")

    class Meta:
        model = PurchaseOrderStatusChange
        fields = (
            "id", "at", "object_id", "po_number", "action", "kind", "from_status", "to_status",
            "version", "source", "actor", "remarks", "inbound_message", "outbound_message",
        )  # fmt: skip
        export_order = fields

    def get_queryset(self):
        return PurchaseOrderStatusChange.objects.select_related("purchase_order", "actor").order_by(
            "at", "id"
        )


@admin.register(PurchaseOrderStatusChange)
class PurchaseOrderStatusChangeAdmin(DocumentHistoryAdmin):
    """Every transition of every purchase order, newest first."""

    document_field = "purchase_order"
    number_field = "po_number"
    resource_classes = [PurchaseOrderStatusChangeResource]
    search_fields = ["purchase_order__object_id", "purchase_order__po_number", "remarks"]
    search_help_text = "objectId, PO number or remarks"

    @display(description="purchase order", ordering="purchase_order__po_number")
    def document_link(self, obj):
        return super().document_link(obj)
