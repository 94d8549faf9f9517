"""API tokens in the admin: who holds one and until when; revoked here, issued elsewhere."""

from django.contrib import admin, messages
from django.utils import timezone
from unfold.admin import ModelAdmin
from unfold.decorators import display

from .models import ApiToken
from .services import expire_tokens


@admin.register(ApiToken)
class ApiTokenAdmin(ModelAdmin):
    """Tokens are issued by POST /api/auth/token/ or `manage.py create_api_token`."""

    list_display = ["prefix", "user", "created_at", "expires_at", "live"]
    list_filter = ["user"]
    search_fields = ["prefix", "user__username"]
    list_select_related = ["user"]
    readonly_fields = ["user", "prefix", "created_at", "expires_at"]
    actions = ["expire_now"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @display(description="live", boolean=True)
    def live(self, obj):
        return not obj.has_expired(timezone.now())

    @admin.action(description="Expire the selected tokens now", permissions=["delete"])
    def expire_now(self, request, queryset):
        count = expire_tokens(queryset)
        messages.success(request, f"{count} token(s) expired.")
