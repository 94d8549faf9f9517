"""Every answer under /api/ is JSON, errors included.

DRF answers its own errors in JSON; what it does not cover is handled here: a body
nested so deeply that Python's JSON reader gives up (RecursionError, not a ValueError
DRF would turn into a 400), and the errors Django answers itself (an unknown path, a
crash, a refused host), which are HTML pages everywhere else.
"""

from django.http import JsonResponse
from django.views import defaults
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

API_PREFIX = "/api/"
NESTED_TOO_DEEPLY = "JSON parse error - nested too deeply."


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, answering 400 to a body nested too deeply to read."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(NESTED_TOO_DEEPLY)


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": "Permission denied."}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def unknown_api_path(request, *args, **kwargs):
    """Any other path under /api/: a JSON 404 even with DEBUG on (Django's debug 404 page
    is HTML and replaces `page_not_found`)."""
    return JsonResponse({"detail": "Not found."}, status=404)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)
