"""REST endpoints for our businesses."""

from rest_framework import viewsets

from b2bportal.parties.models import Business

from .permissions import ModelPermissionsWithView
from .serializers import BusinessSerializer


class BusinessViewSet(viewsets.ModelViewSet):
    """Our businesses on the network: register, list, read and update (no delete)."""

    queryset = Business.objects.order_by("id")
    serializer_class = BusinessSerializer
    permission_classes = [ModelPermissionsWithView]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_fields = ["b2b_id", "gstin", "state_code", "is_active"]
