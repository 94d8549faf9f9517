"""The REST side of every document family: one viewset base a family subclasses.

`DocumentViewSet` serves a family's list (with its filterset), detail, `/history/` and
`POST /confirm/` (202 with the request awaiting the network; 400 naming the field;
403 without the decide permission; 409 when a reload cures it). A family names its
models, services, serializers and filterset as class attributes, and its OpenAPI
descriptions with `document_schema`.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from b2bportal.documents.errors import http_status, refusal_body
from b2bportal.documents.services import REMARKS_MAX, is_pending
from b2bportal.network.handling import Rejected
from b2bportal.parties.api.permissions import ModelPermissionsWithView


class PartySerializer(serializers.Serializer):
    """A party as the document names it."""

    b2b_id = serializers.CharField()
    gstin = serializers.CharField()
    legal_name = serializers.CharField()
    trade_name = serializers.CharField()
    state_code = serializers.CharField()


class TotalsSerializer(serializers.Serializer):
    """A document's value details."""

    assessable_value = serializers.DecimalField(max_digits=18, decimal_places=2)
    cgst = serializers.DecimalField(max_digits=18, decimal_places=2)
    sgst = serializers.DecimalField(max_digits=18, decimal_places=2)
    igst = serializers.DecimalField(max_digits=18, decimal_places=2)
    cess = serializers.DecimalField(max_digits=18, decimal_places=2)
    other_charges = serializers.DecimalField(max_digits=18, decimal_places=2)
    total_value = serializers.DecimalField(max_digits=18, decimal_places=2)
    currency = serializers.CharField()


def _party(obj, side: str) -> dict:
    return {
        name: getattr(obj, f"{side}_{name}")
        for name in ("b2b_id", "gstin", "legal_name", "trade_name", "state_code")
    }


def _totals(obj) -> dict:
    return {
        "assessable_value": obj.assessable_value,
        "cgst": obj.cgst_amount,
        "sgst": obj.sgst_amount,
        "igst": obj.igst_amount,
        "cess": obj.cess_amount,
        "other_charges": obj.other_charges,
        "total_value": obj.total_value,
        "currency": obj.currency,
    }


class ContentSerializerMixin(serializers.Serializer):
    """The parties and totals of a document or version (its `supplier_*`, `buyer_*` and
    amount columns), as nested objects."""

    supplier = serializers.SerializerMethodField()
    buyer = serializers.SerializerMethodField()
    totals = serializers.SerializerMethodField()

    @extend_schema_field(PartySerializer)
    def get_supplier(self, obj):
        return _party(obj, "supplier")

    @extend_schema_field(PartySerializer)
    def get_buyer(self, obj):
        return _party(obj, "buyer")

    @extend_schema_field(TotalsSerializer)
    def get_totals(self, obj):
        return TotalsSerializer(_totals(obj)).data


def document_fields(*own: str) -> list[str]:
    """A family's list-row fields: identity and status, then `own` (its number and
    dates), then parties, totals and the pending and error columns."""
    return [
        "id", "object_id", "status", "version", "role", *own, "business", "counterparty",
        "supplier", "buyer", "place_of_supply", "totals", "finding_count", "pending",
        "pending_status", "last_error_code", "last_error_detail", "last_error_field",
        "created_at", "updated_at",
    ]  # fmt: skip


class DocumentSerializer(ContentSerializerMixin, serializers.ModelSerializer):
    """A document in its applied version; a family names its model and fields
    (`document_fields`) in its `Meta`."""

    business = serializers.CharField(source="business.b2b_id", read_only=True)
    counterparty = serializers.CharField(source="counterparty.b2b_id", read_only=True)
    pending = serializers.SerializerMethodField()

    def get_pending(self, obj) -> bool:
        return is_pending(obj)


class DocumentLineSerializer(serializers.ModelSerializer):
    """One line with its taxes; a family names its line model in its `Meta`."""

    class Meta:
        exclude = ["id", "version"]


class DocumentFindingSerializer(serializers.ModelSerializer):
    """What is wrong with a version; a family names its finding model in its `Meta`."""

    class Meta:
        fields = ["code", "field", "message"]


class DocumentStatusChangeSerializer(serializers.ModelSerializer):
    """One row of the status history; a family names its history model in its `Meta`."""

    actor = serializers.CharField(source="actor.username", default=None, read_only=True)
    inbound_message = serializers.PrimaryKeyRelatedField(read_only=True)
    outbound_message = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        fields = [
            "at", "kind", "action", "from_status", "to_status", "version", "source", "actor",
            "remarks", "inbound_message", "outbound_message",
        ]  # fmt: skip


class DocumentConfirmSerializer(serializers.Serializer):
    """Our decision on a document we received; a family names its `responses` (the
    choices of its confirmation)."""

    responses = None
    response = serializers.ChoiceField(choices=[])
    remarks = serializers.CharField(max_length=REMARKS_MAX, trim_whitespace=True)
    version = serializers.IntegerField(
        min_value=0, help_text="The version you decided on; refused (409) if it changed."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["response"].choices = self.responses.choices


class AcceptedSerializer(serializers.Serializer):
    """A request recorded, now awaiting the network; a family adds the document under
    its `document_key`."""

    req_msg_id = serializers.CharField()
    message_state = serializers.CharField()


class DocumentVersionSerializer(ContentSerializerMixin, serializers.ModelSerializer):
    """One version snapshot (without its lines)."""


def version_fields(*own: str, kinds: tuple[str, ...] = ()) -> list[str]:
    """A family's version fields: number and state (then `kinds`, e.g. an invoice's
    shape), status and time, `own` (its number and dates), parties and totals."""
    return [
        "number", "state", *kinds, "status", "created_at", *own, "supplier", "buyer",
        "place_of_supply", "totals",
    ]  # fmt: skip


def for_model(base, model, doc: str = "", **meta) -> type:
    """The serializer `base` over a family's `model` (`<model>Serializer`), with more
    `Meta` options (`fields`, ...) and its own description `doc`."""
    options = {"model": model, **meta}
    attrs = {"Meta": type("Meta", (getattr(base, "Meta", object),), options)}
    attrs["__doc__"] = doc or base.__doc__
    return type(base)(f"{model.__name__}Serializer", (base,), attrs)


class RefusalSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    field = serializers.CharField()


def first_error(errors, prefix: str = "") -> tuple[str, str]:
    """The first failing field of a serializer's `errors`, as a path ("items[1].quantity"),
    and its message."""
    if isinstance(errors, dict):
        name, sub = next(iter(errors.items()))
        if name == "non_field_errors":
            return first_error(sub, prefix)
        if isinstance(name, int):  # a list's member, by its index
            return first_error(sub, f"{prefix}[{name}]")
        return first_error(sub, f"{prefix}.{name}" if prefix else name)
    if isinstance(errors, list):
        for index, sub in enumerate(errors):
            if isinstance(sub, dict | list):
                if sub:
                    return first_error(sub, f"{prefix}[{index}]")
                continue
            return prefix, str(sub)
    return prefix, str(errors)


def invalid(serializer) -> Response:
    """400 naming the first failing field of `serializer` (all of them under `errors`)."""
    field, detail = first_error(serializer.errors)
    body = {"code": "INVALID_FIELD", "detail": detail, "field": field, "errors": serializer.errors}
    return Response(body, status=400)


def refusal(rejected: Rejected) -> Response:
    """A service's refusal as an API answer naming the failing field, with the status the
    envelope's catalogue gives its code (the same on the webhooks)."""
    return Response(refusal_body(rejected), status=http_status(rejected))


def document_schema(*, noun: str, confirm, confirmed, refused, history):
    """The OpenAPI descriptions of a family's `/history/` and `/confirm/` (a class decorator)."""
    return extend_schema_view(
        history=extend_schema(
            description=f"The {noun}'s status history, oldest first.",
            responses=history(many=True),
        ),
        confirm=extend_schema(
            description=f"Accept, reject or return one of the {noun}s we received; sent to the "
            "network.\n\n`version` is the version the decision was made on: a newer one "
            "answers 409.",
            request=confirm,
            responses={
                202: confirmed,
                400: OpenApiResponse(refused, description="Bad input (field named)"),
                403: OpenApiResponse(
                    description=f"No permission to decide {noun}s (decide_{noun})"
                ),
                409: OpenApiResponse(refused, description="Stale version or pending"),
            },
        ),
    )


class DocumentViewSet(viewsets.ReadOnlyModelViewSet):
    """A family's documents in their applied version: list, detail, history, confirm.

    A subclass sets `queryset`, `serializer_class` (list rows), `detail_serializer_class`,
    `history_serializer_class`, `confirm_serializer_class`, `filterset_class`,
    `version_model`, `item_model`, `finding_model`, `services` (its `confirm`),
    `api_source` (the history's source for API decisions) and `document_key` (the name
    of the document in the confirm answer).
    """

    permission_classes = [ModelPermissionsWithView]
    detail_serializer_class = None
    history_serializer_class = None
    confirm_serializer_class = None
    version_model = None
    item_model = None
    finding_model = None
    services = None
    api_source = "api"
    document_key = "document"

    @property
    def decide_permission(self) -> str:
        meta = self.queryset.model._meta
        return f"{meta.app_label}.decide_{meta.model_name}"

    def get_queryset(self):
        queryset = super().get_queryset().order_by("-updated_at", "-id")
        if self.action == "retrieve":
            current = self.version_model.objects.prefetch_related(
                Prefetch("items", queryset=self.item_model.objects.order_by("position")),
                Prefetch("findings", queryset=self.finding_model.objects.order_by("id")),
            )
            versions = self.version_model.objects.order_by("number", "id")
            queryset = queryset.prefetch_related(
                Prefetch("current_version", queryset=current),
                Prefetch("versions", queryset=versions),
            )
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return self.detail_serializer_class
        return self.serializer_class

    def get_permissions(self):
        if self.action == "confirm":
            # Read permissions are not the point here: the decide permission is checked
            # in the action, with a message naming it.
            return [IsAuthenticated()]
        return super().get_permissions()

    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        """The document's status history, oldest first."""
        document = self.get_object()
        changes = document.status_changes.select_related("actor").order_by("at", "id")
        return Response(self.history_serializer_class(changes, many=True).data)

    @action(detail=True, methods=["post"], filterset_class=None)
    def confirm(self, request, pk=None):
        """Accept, reject or return a document we received; sent to the network.

        `version` is the version the decision was made on: a newer one answers 409.
        """
        if not request.user.has_perm(self.decide_permission):
            noun = self.queryset.model._meta.verbose_name_plural
            raise PermissionDenied(
                f"Deciding {noun} needs the {self.decide_permission} permission."
            )
        document = self.get_object()
        serializer = self.confirm_serializer_class(data=request.data)
        if not serializer.is_valid():
            return invalid(serializer)
        decision = serializer.validated_data
        try:
            message = self.services.confirm(
                document, decision["response"], decision["remarks"], actor=request.user,
                expected_version=decision["version"], source=self.api_source,
            )  # fmt: skip
        except Rejected as rejected:
            return refusal(rejected)
        return self.accepted(document, message)

    def accepted(self, document, message) -> Response:
        """202: `document` as a list row after the request `message` of ours, which now
        awaits the network."""
        document.refresh_from_db()
        body = {
            self.document_key: self.serializer_class(document).data,
            "req_msg_id": message.req_msg_id,
            "message_state": message.state,
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)
