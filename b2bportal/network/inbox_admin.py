"""Admin for inbound messages: read-only, filterable, raw body shown, reprocess action.

Records are immutable evidence of what reached us: nobody adds, changes or deletes
them here. Staff with the "reprocess" permission may process failed,
awaiting-handler or interrupted messages again. Deliveries refused before storing
are listed, counted per day, under *Refused webhook deliveries*.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.db.models import Case, When
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from unfold.contrib.filters.admin import (
    ChoicesDropdownFilter,
    FieldTextFilter,
    RangeDateFilter,
    RangeDateTimeFilter,
)
from unfold.decorators import action, display

from . import inbox
from .admin_base import (
    ExactFilter,
    MessageListAdmin,
    WireRecordAdmin,
    as_json,
    breakable,
    dotted,
    pre,
)
from .handling import Rejected
from .messages import MESSAGE_TYPES, ROUTES
from .models import InboundMessage, InboundRejection, OutboundMessage

ATTACH_CHOICES = 500  # requests offered to attach a result to


class AttachForm(forms.Form):
    """The request of ours an unmatched result answers: one of that action's requests."""

    request = forms.ModelChoiceField(
        queryset=OutboundMessage.objects.none(),
        help_text="Requests of this type still awaiting their result come first.",
    )

    def __init__(self, *args, record: InboundMessage, **kwargs):
        super().__init__(*args, **kwargs)
        action = ROUTES[record.path].action
        waiting_first = Case(When(state__in=OutboundMessage.AWAITING_RESULT, then=0), default=1)
        offered = (
            OutboundMessage.objects.filter(message_type=action.name)
            .annotate(waiting_first=waiting_first)
            .order_by("waiting_first", "-created_at")
        )
        ids = list(offered.values_list("pk", flat=True)[:ATTACH_CHOICES])
        self.fields["request"].queryset = offered.filter(pk__in=ids)
        self.fields["request"].label_from_instance = lambda m: (
            f"#{m.pk} {m.object_id or '-'} {m.get_state_display()} {m.req_msg_id}"
        )


class PathFilter(ExactFilter):
    title = "path"
    parameter_name = "path"

    def lookups(self, request, model_admin):
        return [(path, path) for path in ROUTES]


class MessageTypeFilter(ExactFilter):
    title = "message type"
    parameter_name = "message_type"

    def lookups(self, request, model_admin):
        return [(message_type, message_type) for message_type in MESSAGE_TYPES]


def pretty(data: bytes) -> str:
    """A body as staff read it: indented JSON, else text, else a hex dump."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "\n".join(data[i : i + 32].hex(" ") for i in range(0, len(data), 32))
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return text


@admin.register(InboundMessage)
class InboundMessageAdmin(MessageListAdmin):
    """Every webhook delivery as it arrived, what we answered, and what it touched."""

    heavy_fields = ("body", "headers", "reply_body", "history", "error_detail")

    list_display = [
        "id", "received_at", "message_type", "outcome", "reply_status", "buyer_b2b_id_shown",
        "supplier_b2b_id_shown", "object_id_wrapped", "document_link",
    ]  # fmt: skip
    # The objectId (often 32 characters or more) may wrap, and the B2B IDs after their
    # dots, so the list fits a 1440 px screen; none is a sort key (no index keeps the
    # table in their order: a sort would read all of it).
    list_filter = [
        PathFilter,
        MessageTypeFilter,
        ("outcome", ChoicesDropdownFilter),
        ("received_at", RangeDateTimeFilter),
        ("buyer_b2b_id", FieldTextFilter),
        ("supplier_b2b_id", FieldTextFilter),
        ("object_id", FieldTextFilter),
    ]
    list_filter_submit = True
    search_fields = ["req_msg_id", "object_id", "fingerprint"]
    ordering = ["-received_at", "-id"]
    actions = ["reprocess_selected"]
    actions_detail = ["attach_to_request"]
    fieldsets = [
        (None, {"fields": [
            "received_at", "method", "path", "message_type", "source_ip", "outcome",
            "processed_at", "document_link", "answers", "duplicate_of",
        ]}),
        ("Identifiers", {"fields": [
            "buyer_b2b_id", "supplier_b2b_id", "object_id", "req_msg_id", "fingerprint",
        ]}),
        ("Request", {"fields": ["headers_shown", "body_size", "raw_body"]}),
        ("Reply", {"fields": [
            "reply_status", "reply_shown", "error_code", "error_field", "error_detail",
            "history_shown",
        ]}),
    ]  # fmt: skip
    readonly_fields = [
        "received_at", "method", "path", "message_type", "source_ip", "outcome", "processed_at",
        "document_link", "answers", "duplicate_of", "buyer_b2b_id", "supplier_b2b_id",
        "object_id", "req_msg_id", "fingerprint", "headers_shown", "body_size", "raw_body",
        "reply_status",
        "reply_shown", "error_code", "error_field", "error_detail", "history_shown",
    ]  # fmt: skip

    def has_reprocess_permission(self, request, obj=None):
        return request.user.has_perm("network.reprocess_inboundmessage")

    @display(description="buyer B2B ID")
    def buyer_b2b_id_shown(self, obj):
        return dotted(obj.buyer_b2b_id)

    @display(description="supplier B2B ID")
    def supplier_b2b_id_shown(self, obj):
        return dotted(obj.supplier_b2b_id)

    @display(description="objectId")
    def object_id_wrapped(self, obj):
        return breakable(obj.object_id, min_width="10rem")

    @display(description="raw body")
    def raw_body(self, obj):
        if obj.body_pruned_at:
            return f"({obj.body_size} bytes, pruned {obj.body_pruned_at:%Y-%m-%d %H:%M} UTC)"
        return pre(pretty(bytes(obj.body)))

    @display(description="headers (secrets masked)")
    def headers_shown(self, obj):
        return pre(as_json(obj.headers))

    @display(description="reply sent")
    def reply_shown(self, obj):
        return pre(as_json(obj.reply_body))

    @display(description="processing history")
    def history_shown(self, obj):
        return pre(json.dumps(obj.history, indent=2))

    @action(description="Reprocess selected", permissions=["reprocess"])
    def reprocess_selected(self, request, queryset):
        done = []
        chosen = queryset.count()
        for message in queryset.filter(inbox.reprocessable()).order_by("received_at", "id"):
            inbox.reprocess(message)
            done.append(f"#{message.pk}: {message.outcome}")
        if done:
            self.message_user(request, "Reprocessed " + ", ".join(done), messages.SUCCESS)
        if skipped := chosen - len(done):
            self.message_user(
                request,
                f"{skipped} message(s) skipped: only failed, awaiting-handler or interrupted "
                "ones are redone.",
                messages.WARNING,
            )

    @action(description="Attach to a request", url_path="attach", permissions=["reprocess"])
    def attach_to_request(self, request, object_id):
        """An unmatched result: staff choose the request it answers; it is then applied."""
        record = self.get_object(request, object_id)
        back = redirect("admin:network_inboundmessage_change", object_id)
        if record is None or record.outcome != InboundMessage.Outcome.UNMATCHED:
            self.message_user(request, "Only unmatched results can be attached.", messages.WARNING)
            return back
        form = AttachForm(request.POST or None, record=record)
        if request.method == "POST" and form.is_valid():
            chosen = form.cleaned_data["request"]
            try:
                inbox.attach_result(record, chosen, actor=request.user)
            except (inbox.AttachRefused, Rejected) as refused:
                self.message_user(request, f"Not attached: {refused}", messages.ERROR)
                return back
            self.log_change(request, record, f"Attached to outbound message #{chosen.pk}")
            record.refresh_from_db()
            self.message_user(
                request, f"Attached to #{chosen.pk}: {record.get_outcome_display()}.",
                messages.SUCCESS,
            )  # fmt: skip
            return back
        context = {
            **self.admin_site.each_context(request),
            "title": f"Attach {record} to a request of ours",
            "opts": self.model._meta,
            "record": record,
            "form": form,
        }
        return TemplateResponse(request, "admin/network/inboundmessage/attach.html", context)


@admin.register(InboundRejection)
class InboundRejectionAdmin(WireRecordAdmin):
    """Deliveries refused by authentication, counted per day, path, source and reason."""

    list_display = ["day", "path", "source", "reason", "count", "last_seen", "last_size"]
    list_filter = [PathFilter, ("day", RangeDateFilter), ("source", FieldTextFilter)]
    list_filter_submit = True
    search_fields = ["source", "reason"]
    ordering = ["-day", "-last_seen"]
    readonly_fields = [
        "day", "path", "source", "reason", "count", "first_seen", "last_seen", "last_size",
        "first_bytes",
    ]  # fmt: skip
    fields = readonly_fields

    def get_queryset(self, request):
        # No document link on these rows: the plain queryset, nothing to join.
        return super(WireRecordAdmin, self).get_queryset(request)

    @display(description="first bytes of the latest")
    def first_bytes(self, obj):
        return pre(pretty(bytes(obj.last_first_bytes)))
