"""The webhook paths in the OpenAPI schema: request bodies, the envelope, the common blocks.

Documentation only: the inbox reads raw bytes and the handlers validate. An app may
document a richer request body for a message type with `SERIALIZERS` in its
handlers.py (registry.py); otherwise the path gets a generic body listing the
blocks the catalogue requires.
"""

import re
from functools import cache

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from . import envelope, registry
from .messages import REQUEST, ROUTES, Route
from .wire import MAX_VERSION

SAFE_TEXT = r'^([^\\"]){1,100}$'


class WebhookB2BIdsSerializer(serializers.Serializer):
    """`b2bIds`: the buyer's and the supplier's Bharat Connect B2B IDs."""

    buyerB2BId = serializers.RegexField(SAFE_TEXT, max_length=100)  # noqa: N815
    supplierB2BId = serializers.RegexField(SAFE_TEXT, max_length=100)  # noqa: N815


class WebhookRespSerializer(serializers.Serializer):
    """`resp`: the verdict on a request, tied to it by `reqMsgId`."""

    reqMsgId = serializers.CharField(allow_blank=True)  # noqa: N815
    result = serializers.CharField(help_text="SUCCESS, or FAILURE with the error fields set.")
    errorCd = serializers.CharField(allow_blank=True, help_text="A code of the error catalogue.")  # noqa: N815
    errorDtl = serializers.CharField(allow_blank=True)  # noqa: N815
    errorField = serializers.CharField(  # noqa: N815
        allow_blank=True, help_text="JSON path of the failing field, e.g. invoice.objectId."
    )


class WebhookNameValueSerializer(serializers.Serializer):
    """One entry of `additionalInfos` (also spelled `additionalInfo`); ours carry reqMsgId."""

    name = serializers.CharField()
    value = serializers.CharField(allow_blank=True)


class WebhookObjectVersionSerializer(serializers.Serializer):
    """`objectVersion`: the version a message acts on and the version it makes."""

    currentVersion = serializers.IntegerField(min_value=0, max_value=MAX_VERSION)  # noqa: N815
    newVersion = serializers.IntegerField(min_value=0, max_value=MAX_VERSION)  # noqa: N815


class WebhookStatusTransitionSerializer(serializers.Serializer):
    """`statusTransition` (`poStatusTransition`, `cdNoteStatusTransition` for POs, notes)."""

    currentStatus = serializers.CharField()  # noqa: N815
    newStatus = serializers.CharField()  # noqa: N815


class WebhookDocumentBlockSerializer(serializers.Serializer):
    """The message's document block; every field of the EnKash page is accepted.

    Only the identifying fields are listed here; the owning app documents the rest.
    """

    objectId = serializers.CharField(required=False, help_text="INV/PMT/ORG... + 32 chars.")  # noqa: N815
    objectVersion = WebhookObjectVersionSerializer(required=False)  # noqa: N815
    statusTransition = WebhookStatusTransitionSerializer(required=False)  # noqa: N815


class WebhookReplyPayloadSerializer(serializers.Serializer):
    """The reply's payload: the B2B IDs echoed (when sent) and the `resp` verdict."""

    b2bIds = WebhookB2BIdsSerializer(required=False)  # noqa: N815
    resp = WebhookRespSerializer()


class WebhookAckSerializer(serializers.Serializer):
    """200: accepted for processing (`response_code` 0, `resp.result` SUCCESS)."""

    response_code = serializers.IntegerField(help_text="0")
    response_message = serializers.CharField(help_text="SUCCESS")
    payload = WebhookReplyPayloadSerializer()


class WebhookErrorSerializer(serializers.Serializer):
    """A refusal: `response_code` is the HTTP status, `response_message` the error code."""

    response_code = serializers.IntegerField()
    response_message = serializers.CharField(help_text="The errorCd of the catalogue.")
    payload = WebhookReplyPayloadSerializer()


BLOCKS = {"b2bIds": WebhookB2BIdsSerializer, "resp": WebhookRespSerializer}
LIST_BLOCKS = {"criteria"}  # onboarding search carries a list of criteria


def _component_name(route: Route) -> str:
    words = re.split(r"[._]", route.message_type)
    return "".join(word.title() for word in words) + "WebhookSerializer"


@cache
def generic_request_serializer(route: Route) -> type[serializers.Serializer]:
    """A body listing the blocks the catalogue requires for `route`, plus the optional ones."""
    fields = {}
    for block in route.action.required_blocks(route.kind):
        serializer = BLOCKS.get(block, WebhookDocumentBlockSerializer)
        fields[block] = serializer(many=block in LIST_BLOCKS, help_text=f"{block} (required)")
    fields["additionalInfos"] = WebhookNameValueSerializer(many=True, required=False)
    if route.kind != REQUEST and route.action.body_block not in fields:
        fields[route.action.body_block] = WebhookDocumentBlockSerializer(required=False)
    doc = f"Body of `{route.message_type}` on {route.path}; required: " + ", ".join(
        route.action.required_blocks(route.kind)
    )
    return type(_component_name(route), (serializers.Serializer,), {"__doc__": doc, **fields})


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(WebhookErrorSerializer, description=description)


def _codes(status: int) -> str:
    return ", ".join(
        code for code, (code_status, _) in envelope.ERRORS.items() if code_status == status
    )


class WebhookSchema(AutoSchema):
    """Describes each webhook path of the catalogue from its route."""

    @property
    def route(self) -> Route:
        return ROUTES[self.path]

    def get_operation_id(self) -> str:
        return "webhook_" + self.route.message_type.replace(".", "_")

    def get_tags(self) -> list[str]:
        return ["EnKash webhooks: " + self.route.action.document.replace("_", " ")]

    def get_summary(self) -> str:
        route = self.route
        what = "request" if route.kind == REQUEST else "network's result of our request"
        return f"{route.action.name} {what}"

    def get_description(self) -> str:
        return (
            "Authenticated with `X-Webhook-Token` and, when configured, a Standard Webhooks "
            "signature. Recorded before anything else; applied once (a repeated delivery gets "
            "the first reply)."
        )

    def get_auth(self) -> list:
        return []

    def get_request_serializer(self):
        route = self.route
        return registry.serializer_for(route.message_type) or generic_request_serializer(route)

    def get_response_serializers(self):
        return {
            200: OpenApiResponse(WebhookAckSerializer, description="Accepted for processing."),
            400: _error(_codes(400)),
            401: _error(_codes(401)),
            409: _error(_codes(409)),
            413: _error(_codes(413)),
            415: _error(_codes(415)),
            500: _error(_codes(500)),
        }
