"""/api/purchase-orders/: list, detail, history, our confirmation of a buyer's order,
and our own orders created and sent.

The shared behaviour is `b2bportal.documents.api.DocumentViewSet`; this names the
order's models, serializers, filterset and services, and adds `POST` (create one of
ours) and `/send/`, both needing `purchase_orders.manage_purchaseorder`.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from b2bportal.documents.api import (
    DocumentViewSet,
    RefusalSerializer,
    document_schema,
    invalid,
    refusal,
)
from b2bportal.network.handling import Rejected
from purchase_orders import services
from purchase_orders.choices import Source
from purchase_orders.models import (
    PurchaseOrder,
    PurchaseOrderFinding,
    PurchaseOrderLine,
    PurchaseOrderVersion,
)

from .filtersets import PurchaseOrderFilterSet
from .serializers import (
    PurchaseOrderConfirmedSerializer,
    PurchaseOrderConfirmSerializer,
    PurchaseOrderCreateSerializer,
    PurchaseOrderDetailSerializer,
    PurchaseOrderSendSerializer,
    PurchaseOrderSerializer,
    PurchaseOrderStatusChangeSerializer,
)

MANAGE = "purchase_orders.manage_purchaseorder"
NO_MANAGE = OpenApiResponse(description=f"No permission to manage our orders ({MANAGE})")


@document_schema(
    noun="purchase order",
    confirm=PurchaseOrderConfirmSerializer,
    confirmed=PurchaseOrderConfirmedSerializer,
    refused=RefusalSerializer,
    history=PurchaseOrderStatusChangeSerializer,
)
class PurchaseOrderViewSet(DocumentViewSet):
    """Purchase orders we received (as supplier) or placed (as buyer), in their applied
    version."""

    queryset = PurchaseOrder.objects.select_related("business", "counterparty", "pending_message")
    serializer_class = PurchaseOrderSerializer
    detail_serializer_class = PurchaseOrderDetailSerializer
    history_serializer_class = PurchaseOrderStatusChangeSerializer
    confirm_serializer_class = PurchaseOrderConfirmSerializer
    filterset_class = PurchaseOrderFilterSet
    version_model = PurchaseOrderVersion
    item_model = PurchaseOrderLine
    finding_model = PurchaseOrderFinding
    services = services
    api_source = Source.API
    document_key = "purchase_order"

    def get_permissions(self):
        if self.action in ("create", "send"):
            return [IsAuthenticated()]  # the manage permission is checked with its name
        return super().get_permissions()

    def _require_manage(self) -> None:
        if not self.request.user.has_perm(MANAGE):
            raise PermissionDenied(
                f"Creating and sending our orders needs the {MANAGE} permission."
            )

    @extend_schema(
        description="Create one of our orders (we are the buyer); it is not sent until "
        "`POST /api/purchase-orders/{id}/send/`.",
        request=PurchaseOrderCreateSerializer,
        responses={
            201: PurchaseOrderDetailSerializer,
            400: OpenApiResponse(RefusalSerializer, description="Bad input (field named)"),
            403: NO_MANAGE,
        },
    )
    def create(self, request):
        self._require_manage()
        serializer = PurchaseOrderCreateSerializer(data=request.data)
        if not serializer.is_valid():
            return invalid(serializer)
        data = dict(serializer.validated_data)
        business = data.pop("business")
        try:
            order = services.create_purchase_order(business, data, actor=request.user)
        except Rejected as rejected:
            return refusal(rejected)
        self.action = "retrieve"  # the answer is the order as its detail shows it
        created = self.get_queryset().get(pk=order.pk)
        return Response(PurchaseOrderDetailSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        description="Send one of our orders to its supplier through the network.",
        request=PurchaseOrderSendSerializer,
        responses={
            202: PurchaseOrderConfirmedSerializer,
            400: OpenApiResponse(RefusalSerializer, description="Bad input (field named)"),
            403: NO_MANAGE,
            409: OpenApiResponse(RefusalSerializer, description="Not sendable, stale or pending"),
        },
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def send(self, request, pk=None):
        self._require_manage()
        order = self.get_object()
        serializer = PurchaseOrderSendSerializer(data=request.data)
        if not serializer.is_valid():
            return invalid(serializer)
        try:
            message = services.send_purchase_order(
                order,
                actor=request.user,
                expected_version=serializer.validated_data["version"],
                source=self.api_source,
            )
        except Rejected as rejected:
            return refusal(rejected)
        return self.accepted(order, message)
