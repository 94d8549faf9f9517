"""Top-level URLs: the admin, our REST API with its schema and docs, and the EnKash paths."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from b2bportal.api_errors import unknown_api_path
from b2bportal.health import healthz

admin.site.site_header = admin.site.site_title = "B2B Portal"
admin.site.index_title = "Back office"

# Under /api/ Django's own error answers are JSON too (see b2bportal/api_errors.py).
handler400 = "b2bportal.api_errors.bad_request"
handler403 = "b2bportal.api_errors.permission_denied"
handler404 = "b2bportal.api_errors.page_not_found"
handler500 = "b2bportal.api_errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("b2bportal.api")),
    path("", include("b2bportal.desk.urls")),
    path("", include("b2bportal.network.urls")),
    # Last: only paths ending in "/", so /api/invoices still redirects to /api/invoices/.
    re_path(r"^api/.*/$", unknown_api_path),
]
