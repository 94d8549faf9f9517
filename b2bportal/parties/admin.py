"""Admin for our businesses and our counterparties; every staff edit kept in history."""

from django.contrib import admin
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin

from b2bportal.numbers import whole_number

from .models import Business, Counterparty

PARTY_FIELDSETS = (
    (None, {"fields": ("b2b_id", "gstin", "legal_name", "trade_name", "state_code")}),
    ("Contacts", {"fields": ("address", "email", "phone")}),
    ("Bank", {"fields": ("bank_account",)}),
)


class PartyAdmin(SimpleHistoryAdmin, ModelAdmin):
    """A party's pages, with the history of every edit."""

    def history_view(self, request, object_id, extra_context=None):
        # simple_history looks the id up as it comes: /abc/history/ was a ValueError (500).
        if whole_number(str(object_id)) is None:
            raise Http404
        return super().history_view(request, object_id, extra_context)


@admin.register(Business)
class BusinessAdmin(PartyAdmin):
    """Our B2B IDs: a message addressed to one of these is ours."""

    list_display = ["b2b_id", "legal_name", "trade_name", "gstin", "state_code", "is_active"]
    list_filter = ["is_active", "state_code"]
    search_fields = ["b2b_id", "gstin", "legal_name", "trade_name"]
    fieldsets = (
        *PARTY_FIELDSETS,
        ("Network", {"fields": ("geocode",)}),
        ("Status", {"fields": ("is_active",)}),
    )
    history_list_display = ["legal_name", "gstin", "bank_account"]


@admin.register(Counterparty)
class CounterpartyAdmin(PartyAdmin):
    """Businesses we trade with, kept up to date from message content."""

    list_display = ["b2b_id", "legal_name", "trade_name", "gstin", "state_code", "updated_at"]
    list_filter = ["state_code"]
    search_fields = ["b2b_id", "gstin", "legal_name", "trade_name"]
    fieldsets = PARTY_FIELDSETS
    history_list_display = ["legal_name", "gstin", "bank_account"]
