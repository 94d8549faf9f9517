"""Bench-only URLs: the project's URLs plus the floor, a view that only inserts the raw body.

Never part of the product: only `inbox_wsgi.py` (used by `inbox_load.py`) mounts it.
"""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from b2bportal.network.models import InboundMessage
from b2bportal.urls import urlpatterns as project_urlpatterns


@csrf_exempt
def floor(request):
    """The least a webhook can do: store the raw body, answer the ack."""
    InboundMessage.objects.create(method="POST", path=request.path, body=request.body)
    return JsonResponse({"response_code": 0, "response_message": "SUCCESS", "payload": {}})


urlpatterns = [path("bench/floor", floor), *project_urlpatterns]
