"""Filters of /api/purchase-orders/."""

import django_filters

from b2bportal.desk.families import pending
from purchase_orders.choices import Role, Status
from purchase_orders.models import PurchaseOrder


class PurchaseOrderFilterSet(django_filters.FilterSet):
    """Every column an ERP asks by: ids, status, role, parties, number, dates, flags."""

    object_id = django_filters.CharFilter()
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    role = django_filters.ChoiceFilter(choices=Role.choices)
    buyer_b2b_id = django_filters.CharFilter()
    supplier_b2b_id = django_filters.CharFilter()
    po_number = django_filters.CharFilter()
    business = django_filters.CharFilter(field_name="business__b2b_id")
    counterparty = django_filters.CharFilter(field_name="counterparty__b2b_id")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="lt")
    order_date_from = django_filters.DateFilter(field_name="order_date", lookup_expr="gte")
    order_date_to = django_filters.DateFilter(field_name="order_date", lookup_expr="lte")
    delivery_date_from = django_filters.DateFilter(field_name="delivery_date", lookup_expr="gte")
    delivery_date_to = django_filters.DateFilter(field_name="delivery_date", lookup_expr="lte")
    has_findings = django_filters.BooleanFilter(method="filter_has_findings")
    pending = django_filters.BooleanFilter(method="filter_pending")

    class Meta:
        model = PurchaseOrder
        fields = []

    def filter_has_findings(self, queryset, name, value):
        return queryset.filter(finding_count__gt=0) if value else queryset.filter(finding_count=0)

    def filter_pending(self, queryset, name, value):
        return queryset.filter(pending()) if value else queryset.exclude(pending())
