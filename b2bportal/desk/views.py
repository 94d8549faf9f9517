"""The staff's home page: what is waiting for them, in their role."""

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.template.response import TemplateResponse

from .dashboard import home_figures


@staff_member_required(login_url="admin:login")
def home(request):
    """Needs attention first, then the work waiting, ageing, counterparties, the week."""
    context = {
        **admin.site.each_context(request),
        "title": "Home",
        **home_figures(request.user),
    }
    return TemplateResponse(request, "desk/home.html", context)
