"""The one webhook view serving every path of the catalogue (POST only)."""

import logging

from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from . import envelope, inbox
from .inbox_schema import WebhookSchema
from .messages import ROUTES

logger = logging.getLogger(__name__)


class AlwaysJSON(BaseContentNegotiation):
    """The answer is JSON whatever the sender's Accept header says."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _reply(status: int, body: dict) -> JsonResponse:
    # Sorted keys: a repeat answered from the stored reply (jsonb keeps its own key order)
    # is then byte for byte the answer the first delivery got.
    return JsonResponse(body, status=status, json_dumps_params={"sort_keys": True})


class WebhookView(APIView):
    """Receives one EnKash message and answers with the envelope; the inbox does the work."""

    # Authentication is the inbox's (a webhook token or signature, auth.py), done before
    # the request is recorded; DRF's user authentication and permissions do not apply.
    http_method_names = ["post"]
    authentication_classes = ()
    permission_classes = ()
    renderer_classes = (JSONRenderer,)
    content_negotiation_class = AlwaysJSON
    parser_classes = (JSONParser,)  # documents the body as JSON; the inbox reads raw bytes
    schema = WebhookSchema()

    def post(self, request, path: str):
        # Read at most one byte beyond the limit: enough to know the body is too large.
        body = request._request.read(settings.ENKASH_WEBHOOK_MAX_BODY_BYTES + 1)
        try:
            answer = inbox.receive(
                path=path,
                headers=request.headers,
                body=body,
                source_ip=request.META.get("REMOTE_ADDR"),
                method=request.method,
            )
        except Exception:
            # Our fault (e.g. the database is down): 5xx, so the sender retries.
            logger.exception("Could not receive a message on %s", path)
            return _reply(*envelope.error("INTERNAL_ERROR"))
        return _reply(answer.status, answer.body)

    def http_method_not_allowed(self, request, *args, **kwargs):
        response = _reply(*envelope.error("METHOD_NOT_ALLOWED"))
        response["Allow"] = "POST"
        return response

    def handle_exception(self, exc):
        # Anything DRF itself refuses still answers in the envelope.
        logger.warning("Webhook request refused by the framework: %s", exc)
        status = getattr(exc, "status_code", 500)
        code = "INTERNAL_ERROR" if status >= 500 else "INVALID_FIELD"
        return _reply(status, envelope.error(code, str(exc))[1])


# Never inside a request-wide transaction (ATOMIC_REQUESTS): an authenticated record is
# committed first, on its own, and processing runs in a transaction of its own.
webhook = transaction.non_atomic_requests(WebhookView.as_view())


@csrf_exempt
def unknown_path(request, *args, **kwargs):
    """Any other path under /api/v0/: a 404 in the envelope, not an HTML page.

    A path registered in the catalogue after the URLs were built (`messages.register`)
    is served here by the webhook view.
    """
    if request.path in ROUTES:
        return webhook(request, path=request.path)
    return _reply(*envelope.error("NOT_FOUND", f"no webhook at {request.path}"))
