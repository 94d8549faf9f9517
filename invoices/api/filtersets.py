"""Filters of /api/invoices/."""

import django_filters

from b2bportal.documents.filtersets import DocumentFilterSet
from invoices.choices import Status
from invoices.models import Invoice, overdue


class InvoiceFilterSet(DocumentFilterSet):
    """Every column an ERP asks by: ids, status, parties, dates, amounts, flags."""

    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    supplier_gstin = django_filters.CharFilter()
    buyer_gstin = django_filters.CharFilter()
    supplier_invoice_number = django_filters.CharFilter()
    invoice_date_from = django_filters.DateFilter(field_name="invoice_date", lookup_expr="gte")
    invoice_date_to = django_filters.DateFilter(field_name="invoice_date", lookup_expr="lte")
    due_date_from = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_date_to = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    min_total = django_filters.NumberFilter(field_name="total_value", lookup_expr="gte")
    max_total = django_filters.NumberFilter(field_name="total_value", lookup_expr="lte")
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = Invoice
        fields = []

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue()) if value else queryset.exclude(overdue())
