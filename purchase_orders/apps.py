from django.apps import AppConfig


class PurchaseOrdersConfig(AppConfig):
    name = "purchase_orders"
    verbose_name = "Purchase orders"
