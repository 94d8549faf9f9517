"""The staff's home page, and the notes and assignments posted from a document's page."""

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from b2bportal.numbers import whole_number

from . import services
from .dashboard import home_figures
from .families import document_url, family_by_key


@staff_member_required(login_url="admin:login")
def home(request):
    """Needs attention first, then the work waiting, ageing, counterparties, the week."""
    context = {
        **admin.site.each_context(request),
        "title": "Home",
        **home_figures(request.user),
    }
    return TemplateResponse(request, "desk/home.html", context)


def _document(request, family_key: str, pk: str, permission: str):
    """The document posted about, if the user may see it and holds `permission`."""
    family = family_by_key(family_key)
    number = whole_number(pk)
    if family is None or number is None:
        raise Http404
    if not (request.user.has_perm(family.permission("view")) and request.user.has_perm(permission)):
        raise PermissionDenied
    return get_object_or_404(family.model, pk=number)


def _record(request, document, write, done: str):
    """Write, then back to the document's page; refused input is a 400 naming its field."""
    try:
        write()
    except services.NotRecorded as refused:
        context = {
            **admin.site.each_context(request),
            "title": "Not recorded",
            "refused": refused,
            "back": document_url(document),
        }
        return TemplateResponse(request, "desk/refused.html", context, status=400)
    messages.success(request, done)
    return HttpResponseRedirect(document_url(document))


@staff_member_required(login_url="admin:login")
@require_POST
def add_note(request, family_key, pk):
    """A note from the document's page (reviewers and admins)."""
    document = _document(request, family_key, pk, services.ADD_NOTE)
    text = request.POST.get("text", "")
    return _record(
        request,
        document,
        lambda: services.add_note(document, request.user, text),
        "Note added (internal: never sent to the network).",
    )


@staff_member_required(login_url="admin:login")
@require_POST
def assign(request, family_key, pk):
    """Hand the document to a reviewer, or release it (reviewers and admins)."""
    document = _document(request, family_key, pk, services.ASSIGN)
    assignee_id = request.POST.get("assignee", "")
    return _record(
        request,
        document,
        lambda: services.assign(document, assignee_id, request.user),
        "Assigned." if assignee_id else "Released: nobody has it now.",
    )
