"""Admin for outbound messages and their delivery attempts: read-only, with "retry now".

Every call of ours to EnKash, its state, the network's answer, and each HTTP attempt
inline. Records are evidence: nobody adds, edits or deletes them here. Staff with the
"retry" permission may send a failed message again (same reqMsgId, same body).

A document's page links here with `?document=<app_label>.<model>:<pk>` (see
`document_filter_url`), which lists the calls made for that document.
"""

import json

from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.urls import reverse
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import (
    ChoicesDropdownFilter,
    RangeDateTimeFilter,
    TextFilter,
)
from unfold.decorators import action, display

from . import delivery
from .admin_base import ExactFilter, MessageListAdmin, as_json, breakable, pre
from .messages import ACTIONS
from .models import DeliveryAttempt, InboundMessage, OutboundMessage

SHOWN_CHARS = 4000  # of a request or response body in the attempts table


def document_filter_url(document) -> str:
    """The admin list of the outbound messages made for `document`."""
    meta = document._meta
    return (
        reverse("admin:network_outboundmessage_changelist")
        + f"?document={meta.app_label}.{meta.model_name}:{document.pk}"
    )


class MessageTypeFilter(ExactFilter):
    title = "message type"
    parameter_name = "message_type"

    def lookups(self, request, model_admin):
        return [(a.name, a.name) for a in ACTIONS if a.sender != "network"]


class DocumentTypeFilter(ExactFilter):
    title = "document type"
    parameter_name = "document_type"
    field = "document_type_id"

    def lookups(self, request, model_admin):
        # Per content type (a handful), one probe of the (document_type, document_id)
        # index; not a read of every message to collect the types used.
        used = Exists(OutboundMessage.objects.filter(document_type=OuterRef("pk")))
        return [(ct.pk, ct.name) for ct in ContentType.objects.filter(used)]


class DocumentFilter(TextFilter):
    """`app_label.model:pk` for one document, or an objectId (INV..., PMT...)."""

    title = "document (app.model:id or objectId)"
    parameter_name = "document"

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        label, _, pk = value.partition(":")
        app_label, _, model = label.partition(".")
        if pk.isdigit() and model:
            return queryset.filter(
                document_type__app_label=app_label, document_type__model=model, document_id=pk
            )
        return queryset.filter(object_id=value)


class OverdueAtNetworkFilter(admin.SimpleListFilter):
    """Requests the network took whose result is late (ENKASH_RESULT_OVERDUE_SECONDS)."""

    title = "overdue at the network"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Yes")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue()
        return queryset


def dashboard_counts(request, context: dict) -> dict:
    """The admin index's counts of what waits for staff on the wire (UNFOLD's callback)."""
    context["overdue_at_network"] = OutboundMessage.objects.overdue().count()
    context["unmatched_results"] = InboundMessage.objects.filter(
        outcome=InboundMessage.Outcome.UNMATCHED
    ).count()
    return context


def _pre(text: str):
    return pre(text, max_height="30em")


def _pretty(text: str) -> str:
    try:
        return as_json(json.loads(text))[:SHOWN_CHARS]
    except ValueError:
        return text[:SHOWN_CHARS]


class DeliveryAttemptInline(TabularInline):
    """Each HTTP attempt of the message, oldest first."""

    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["started_at", "outcome", "status_code", "latency", "error", "request_shown",
              "response_shown"]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @display(description="latency")
    def latency(self, obj):
        return f"{obj.latency_ms:.0f} ms" if obj.latency_ms is not None else "-"

    @display(description="request (token masked)")
    def request_shown(self, obj):
        return _pre(f"POST {obj.url}\n{as_json(obj.request_headers)}\n{_pretty(obj.request_body)}")

    @display(description="response")
    def response_shown(self, obj):
        return _pre(_pretty(obj.response_body)) if obj.response_body else "-"


@admin.register(OutboundMessage)
class OutboundMessageAdmin(MessageListAdmin):
    """Our calls to EnKash: state, answer, attempts; failed ones can be retried."""

    heavy_fields = ("body", "ack_payload", "error_detail", "last_error")

    list_display = [
        "id", "created_at", "message_type", "state", "attempt_count", "next_attempt_at",
        "result", "error_code", "document_link", "req_msg_id_wrapped",
    ]  # fmt: skip
    # No objectId column (the document column names the document; objectId is searched
    # and on the message's page), and the 32-character reqMsgId may wrap: the list fits
    # a 1440 px screen instead of hiding its last columns behind a sideways scroll.
    list_filter = [
        ("state", ChoicesDropdownFilter),
        OverdueAtNetworkFilter,
        MessageTypeFilter,
        DocumentTypeFilter,
        DocumentFilter,
        ("created_at", RangeDateTimeFilter),
    ]
    list_filter_submit = True
    search_fields = ["req_msg_id", "network_message_id", "object_id"]
    ordering = ["-created_at", "-id"]
    inlines = [DeliveryAttemptInline]
    actions = ["retry_selected"]
    actions_detail = ["retry_this"]
    fieldsets = [
        (None, {"fields": [
            "message_type", "path", "state", "document_link", "object_id", "object_version",
            "buyer_b2b_id", "supplier_b2b_id", "created_by", "created_at",
        ]}),
        ("Delivery", {"fields": [
            "req_msg_id", "attempt_count", "next_attempt_at", "retry_until", "sent_at",
            "network_message_id", "last_error", "ack_shown",
        ]}),
        ("Network result", {"fields": [
            "answered_at", "result", "error_code", "error_field", "error_detail",
        ]}),
        ("Body", {"fields": ["body_shown"]}),
    ]  # fmt: skip
    readonly_fields = [
        "message_type", "path", "state", "document_link", "object_id", "object_version",
        "buyer_b2b_id", "supplier_b2b_id", "created_by", "created_at", "req_msg_id",
        "attempt_count", "next_attempt_at", "retry_until", "sent_at", "network_message_id",
        "last_error", "ack_shown", "answered_at", "result", "error_code", "error_field",
        "error_detail", "body_shown",
    ]  # fmt: skip

    @display(description="reqMsgId", ordering="req_msg_id")
    def req_msg_id_wrapped(self, obj):
        return breakable(obj.req_msg_id)

    def has_retry_permission(self, request, obj=None):
        """The permission, and on a message's page (`obj` is its id) a message that can
        be retried: "Retry now" is not offered on one sent, answered or waiting."""
        if not request.user.has_perm("network.retry_outboundmessage"):
            return False
        if obj is None:
            return True
        message = self.get_object(request, str(obj))
        return message is not None and message.can_be_retried

    @display(description="body sent")
    def body_shown(self, obj):
        return _pre(as_json(obj.body))

    @display(description="acknowledgement")
    def ack_shown(self, obj):
        return _pre(as_json(obj.ack_payload)) if obj.ack_payload is not None else "-"

    def _retry(self, request, message) -> bool:
        try:
            delivery.retry(message, actor=request.user)
        except delivery.RetryRefused as refused:
            self.message_user(request, f"#{message.pk}: {refused}", messages.WARNING)
            return False
        self.log_change(request, message, "Retry requested")
        return True

    @action(description="Retry now", permissions=["retry"])
    def retry_selected(self, request, queryset):
        retried = [m.pk for m in queryset.order_by("id") if self._retry(request, m)]
        if retried:
            self.message_user(
                request, f"Queued again: {', '.join(f'#{pk}' for pk in retried)}", messages.SUCCESS
            )

    @action(description="Retry now", url_path="retry", permissions=["retry"])
    def retry_this(self, request, object_id):
        message = self.get_object(request, object_id)
        if message is not None and self._retry(request, message):
            self.message_user(request, "Queued again with the same reqMsgId.", messages.SUCCESS)
        return redirect(reverse("admin:network_outboundmessage_change", args=[object_id]))
