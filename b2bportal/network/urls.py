"""Every EnKash webhook path of the catalogue, served at the site root.

Generated from `messages.ROUTES`: exactly EnKash's paths, one view. Any other path
under /api/v0/ answers a 404 in the envelope.
"""

from django.urls import path, re_path

from . import views
from .messages import ROUTES

urlpatterns = [
    *(
        path(
            route.path.lstrip("/"),
            views.webhook,
            {"path": route.path},
            name=f"webhook-{route.message_type}",
        )
        for route in ROUTES.values()
    ),
    re_path(r"^api/v0/", views.unknown_path, name="webhook-unknown"),
]
