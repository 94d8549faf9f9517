"""The list filters every document family's API shares; a family adds its own."""

import django_filters

from .choices import Role
from .models import PENDING


class DocumentFilterSet(django_filters.FilterSet):
    """Ids, role, parties, update time and flags; a family adds `status` over its
    statuses, its numbers and dates, and `Meta.model`."""

    object_id = django_filters.CharFilter()
    role = django_filters.ChoiceFilter(choices=Role.choices)
    buyer_b2b_id = django_filters.CharFilter()
    supplier_b2b_id = django_filters.CharFilter()
    business = django_filters.CharFilter(field_name="business__b2b_id")
    counterparty = django_filters.CharFilter(field_name="counterparty__b2b_id")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="lt")
    has_findings = django_filters.BooleanFilter(method="filter_has_findings")
    pending = django_filters.BooleanFilter(method="filter_pending")

    class Meta:
        fields = []

    def filter_has_findings(self, queryset, name, value):
        return queryset.filter(finding_count__gt=0) if value else queryset.filter(finding_count=0)

    def filter_pending(self, queryset, name, value):
        return queryset.filter(PENDING) if value else queryset.exclude(PENDING)
