"""Our REST API for ERPs: one router, so `/api/` lists every collection."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from b2bportal.access.views import ObtainTokenView
from b2bportal.parties.api.views import BusinessViewSet
from invoices.api.views import InvoiceViewSet
from purchase_orders.api.views import PurchaseOrderViewSet

router = DefaultRouter()
router.register("businesses", BusinessViewSet, basename="business")
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("purchase-orders", PurchaseOrderViewSet, basename="purchase-order")

urlpatterns = [
    # An ERP trades a staff user's username and password for its API token.
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    *router.urls,
]
