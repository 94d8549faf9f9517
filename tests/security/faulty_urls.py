"""The project's URLs plus two views that fail, to see what a crash answers."""

from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from b2bportal import urls


@api_view(["GET"])
@permission_classes([AllowAny])
def api_fault(request):
    raise RuntimeError("a bug")


def page_fault(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("api/fault/", api_fault),
    path("admin-fault/", page_fault),
    *urls.urlpatterns,
]
handler500 = urls.handler500
