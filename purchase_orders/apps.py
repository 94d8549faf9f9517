from django.apps import AppConfig


class PurchaseOrdersConfig(AppConfig):
    name = "purchase_orders"
    verbose_name = "Purchase orders"

    def ready(self):
        # Invoices do not import purchase orders: the match reaches their versions
        # through the document layer's hooks.
        from b2bportal.documents import hooks
        from invoices.models import Invoice

        from . import matching
        from .models import PurchaseOrder

        hooks.add_version_check("invoice", matching.match_version)
        hooks.version_applied.connect(
            matching.link_order, sender=Invoice, dispatch_uid="purchase_orders.link_order"
        )
        hooks.version_applied.connect(
            matching.link_waiting_invoices,
            sender=PurchaseOrder,
            dispatch_uid="purchase_orders.link_waiting_invoices",
        )
