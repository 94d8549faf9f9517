"""Filters of /api/invoices/."""

import django_filters

from invoices.choices import Role, Status
from invoices.models import PENDING, Invoice, overdue


class InvoiceFilterSet(django_filters.FilterSet):
    """Every column an ERP asks by: ids, status, parties, dates, amounts, flags."""

    object_id = django_filters.CharFilter()
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    role = django_filters.ChoiceFilter(choices=Role.choices)
    buyer_b2b_id = django_filters.CharFilter()
    supplier_b2b_id = django_filters.CharFilter()
    supplier_gstin = django_filters.CharFilter()
    buyer_gstin = django_filters.CharFilter()
    supplier_invoice_number = django_filters.CharFilter()
    business = django_filters.CharFilter(field_name="business__b2b_id")
    counterparty = django_filters.CharFilter(field_name="counterparty__b2b_id")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="lt")
    invoice_date_from = django_filters.DateFilter(field_name="invoice_date", lookup_expr="gte")
    invoice_date_to = django_filters.DateFilter(field_name="invoice_date", lookup_expr="lte")
    due_date_from = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_date_to = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    min_total = django_filters.NumberFilter(field_name="total_value", lookup_expr="gte")
    max_total = django_filters.NumberFilter(field_name="total_value", lookup_expr="lte")
    has_findings = django_filters.BooleanFilter(method="filter_has_findings")
    pending = django_filters.BooleanFilter(method="filter_pending")
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = Invoice
        fields = []

    def filter_has_findings(self, queryset, name, value):
        return queryset.filter(finding_count__gt=0) if value else queryset.filter(finding_count=0)

    def filter_pending(self, queryset, name, value):
        return queryset.filter(PENDING) if value else queryset.exclude(PENDING)

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue()) if value else queryset.exclude(overdue())
