"""/api/invoices/: list, detail, history, and our decision (confirm)."""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from b2bportal.network.handling import Rejected
from b2bportal.parties.api.permissions import ModelPermissionsWithView
from invoices import services
from invoices.choices import Source
from invoices.models import Finding, Invoice, InvoiceItem, InvoiceVersion

from .filtersets import InvoiceFilterSet
from .serializers import (
    ConfirmedSerializer,
    ConfirmSerializer,
    InvoiceDetailSerializer,
    InvoiceSerializer,
    RefusalSerializer,
    StatusChangeSerializer,
)

# Refusal codes a client can cure by reloading: 409; anything else is bad input: 400.
CONFLICT_CODES = {"STALE_VERSION", "ACTION_PENDING", "INVALID_TRANSITION", "VERSION_CONFLICT"}


def refusal(rejected: Rejected) -> Response:
    """A service's refusal as an API answer naming the failing field."""
    code = status.HTTP_409_CONFLICT if rejected.code in CONFLICT_CODES else 400
    body = {"code": rejected.code, "detail": rejected.detail, "field": rejected.field}
    return Response(body, status=code)


class InvoiceViewSet(viewsets.ReadOnlyModelViewSet):
    """Invoices we received or sent, in their applied version."""

    queryset = Invoice.objects.select_related("business", "counterparty", "pending_message")
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilterSet
    permission_classes = [ModelPermissionsWithView]

    def get_queryset(self):
        queryset = super().get_queryset().order_by("-updated_at", "-id")
        if self.action == "retrieve":
            current = InvoiceVersion.objects.prefetch_related(
                Prefetch("items", queryset=InvoiceItem.objects.order_by("position")),
                Prefetch("findings", queryset=Finding.objects.order_by("id")),
            )
            queryset = queryset.prefetch_related(
                Prefetch("current_version", queryset=current),
                Prefetch("versions", queryset=InvoiceVersion.objects.order_by("number", "id")),
            )
        return queryset

    def get_serializer_class(self):
        return InvoiceDetailSerializer if self.action == "retrieve" else InvoiceSerializer

    def get_permissions(self):
        if self.action == "confirm":
            return [IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(responses=StatusChangeSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        """The invoice's status history, oldest first."""
        invoice = self.get_object()
        changes = invoice.status_changes.select_related("actor").order_by("at", "id")
        return Response(StatusChangeSerializer(changes, many=True).data)

    @extend_schema(
        request=ConfirmSerializer,
        responses={
            202: ConfirmedSerializer,
            400: OpenApiResponse(RefusalSerializer, description="Bad input (field named)"),
            403: OpenApiResponse(description="No invoices.decide_invoice permission"),
            409: OpenApiResponse(RefusalSerializer, description="Stale version or pending"),
        },
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def confirm(self, request, pk=None):
        """Accept, reject or return an invoice we received; sent to the network.

        `version` is the version the decision was made on: a newer one answers 409.
        """
        if not request.user.has_perm("invoices.decide_invoice"):
            raise PermissionDenied(
                "Deciding invoices needs the invoices.decide_invoice permission."
            )
        invoice = self.get_object()
        serializer = ConfirmSerializer(data=request.data)
        if not serializer.is_valid():
            field, errors = next(iter(serializer.errors.items()))
            return Response(
                {"code": "INVALID_FIELD", "detail": str(errors[0]), "field": field,
                 "errors": serializer.errors},
                status=400,
            )  # fmt: skip
        decision = serializer.validated_data
        try:
            message = services.confirm(
                invoice, decision["response"], decision["remarks"], actor=request.user,
                expected_version=decision["version"], source=Source.API,
            )  # fmt: skip
        except Rejected as rejected:
            return refusal(rejected)
        invoice.refresh_from_db()
        body = {
            "invoice": InvoiceSerializer(invoice).data,
            "req_msg_id": message.req_msg_id,
            "message_state": message.state,
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)
