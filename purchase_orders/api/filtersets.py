"""Filters of /api/purchase-orders/."""

import django_filters

from b2bportal.documents.filtersets import DocumentFilterSet
from purchase_orders.choices import Status
from purchase_orders.models import PurchaseOrder


class PurchaseOrderFilterSet(DocumentFilterSet):
    """Every column an ERP asks by: ids, status, role, parties, number, dates, flags."""

    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    po_number = django_filters.CharFilter()
    order_date_from = django_filters.DateFilter(field_name="order_date", lookup_expr="gte")
    order_date_to = django_filters.DateFilter(field_name="order_date", lookup_expr="lte")
    delivery_date_from = django_filters.DateFilter(field_name="delivery_date", lookup_expr="gte")
    delivery_date_to = django_filters.DateFilter(field_name="delivery_date", lookup_expr="lte")

    class Meta:
        model = PurchaseOrder
        fields = []
