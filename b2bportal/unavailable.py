"""While the database is away: a clear 503 for staff and API callers, not a 500.

When PostgreSQL restarts or fails over, every view that touches it raises
OperationalError (or InterfaceError on a connection already closed). Staff then saw
Django's 500 page, and API callers an HTML error. This middleware answers instead:

- the admin and other pages: an HTML 503 "Service unavailable: nothing was lost,
  try again in a moment" (a page of its own, which needs no database);
- `/api/` callers: JSON 503 with the same message;
- EnKash's webhook paths: EnKash's envelope with INTERNAL_ERROR (500), so the sender
  retries the message later (the webhook view answers so itself when it can).

Every answer carries `Retry-After`. Nothing was lost: a request that failed here
changed nothing (its transaction, if any, never committed).
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

from b2bportal.api_errors import API_PREFIX
from b2bportal.network import envelope

logger = logging.getLogger(__name__)

DATABASE_AWAY = (OperationalError, InterfaceError)
MESSAGE = "Service unavailable: nothing was lost, try again in a moment."
RETRY_AFTER_SECONDS = 10
WEBHOOK_PREFIX = "/api/v0/"


class DatabaseUnavailableMiddleware:
    """Turns a lost database connection in any view into a 503 its caller understands."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_AWAY):
            return None
        logger.warning("Database unavailable on %s %s: %s", request.method, request.path, exception)
        return unavailable_response(request.path)


def unavailable_response(path: str) -> HttpResponse:
    """The 503 (or, for EnKash, the envelope's 500) for a request to `path`."""
    if path.startswith(WEBHOOK_PREFIX):
        status, body = envelope.error("INTERNAL_ERROR", "The database is unavailable; retry later.")
        response = JsonResponse(body, status=status, json_dumps_params={"sort_keys": True})
    elif path.startswith(API_PREFIX):
        response = JsonResponse({"detail": MESSAGE, "code": "service_unavailable"}, status=503)
    else:
        # Rendered without the request: context processors (the user, messages) would
        # query the database that is away.
        html = render_to_string("503.html", {"message": MESSAGE})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
