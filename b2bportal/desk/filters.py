"""Admin list filters behind the home page's numbers, for every family's list.

`?attention=any|failed|overdue|conflict` and `?outstanding=yes|no` use the very
conditions the home page counts with (`families`), so each number's link shows exactly
the documents it counted.
"""

from django.contrib import admin
from django.db.models import BooleanField, ExpressionWrapper
from django.utils import timezone
from unfold.decorators import display

from .families import ATTENTION_REASONS, family_of, outstanding
from .services import assigned_to, current_assignee_id


class AttentionFilter(admin.SimpleListFilter):
    """Documents a person must look at: failed or refused, overdue at the network, conflict."""

    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [(value, label) for value, (label, _) in ATTENTION_REASONS.items()]

    def queryset(self, request, queryset):
        reason = ATTENTION_REASONS.get(self.value() or "")
        if reason is None:
            return queryset
        return queryset.filter(reason[1](family_of(queryset.model), None, False))


class OutstandingFilter(admin.SimpleListFilter):
    """Sent and not yet settled (paid, closed, cancelled, rejected, ...)."""

    title = "outstanding"
    parameter_name = "outstanding"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        condition = outstanding(family_of(queryset.model))
        if self.value() == "yes":
            return queryset.filter(condition)
        if self.value() == "no":
            return queryset.exclude(condition)
        return queryset


class AssignedFilter(admin.SimpleListFilter):
    """Documents by who has them now: `?assigned=me` (the person looking) or `nobody`."""

    title = "assigned"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", "Assigned to me"), ("nobody", "Not assigned")]

    def queryset(self, request, queryset):
        if self.value() not in ("me", "nobody"):
            return queryset
        if self.value() == "me":
            return queryset.filter(assigned_to(queryset.model, request.user.pk))
        queryset = queryset.annotate(desk_assignee_id=current_assignee_id(queryset.model))
        return queryset.filter(desk_assignee_id__isnull=True)


class AttentionColumnMixin:
    """A "needs attention" column for a family's admin list: why a row needs a person.

    The reasons are computed in the list's own query, from the same conditions as the
    filter and the home page (no query per row).
    """

    def get_queryset(self, request):
        family = family_of(self.model)
        now = timezone.now()
        return (
            super()
            .get_queryset(request)
            .annotate(
                **{
                    f"attention_{reason}": ExpressionWrapper(
                        condition(family, now, True), output_field=BooleanField()
                    )
                    for reason, (_, condition) in ATTENTION_REASONS.items()
                    if reason != "any"
                }
            )
        )

    @display(description="needs attention")
    def attention_column(self, obj):
        reasons = [
            label
            for reason, (label, _) in ATTENTION_REASONS.items()
            if getattr(obj, f"attention_{reason}", False)
        ]
        return ", ".join(reasons) if reasons else "-"
