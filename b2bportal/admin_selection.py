"""Admin actions posted with a selection that names no valid id."""

from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import Resolver404, resolve


class RefuseMalformedAdminSelection:
    """Refuse an admin action whose selected ids are not ids of the list's model.

    Django filters the list by the posted ids as they come (`pk__in=["abc"]`), which
    raises a ValueError, a 500, in every admin, ours and the libraries' alike.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and ACTION_CHECKBOX_NAME in request.POST:
            pk_field = self._pk_field(request)
            if pk_field is not None and not self._all_valid(pk_field, request):
                messages.error(request, "Nothing was done: the selection is not a list of ids.")
                return HttpResponseRedirect(request.get_full_path())
        return self.get_response(request)

    @staticmethod
    def _pk_field(request):
        try:
            view = resolve(request.path_info).func
        except Resolver404:
            return None
        model_admin = getattr(view, "model_admin", None)  # set on every ModelAdmin URL
        return model_admin.model._meta.pk if model_admin is not None else None

    @staticmethod
    def _all_valid(pk_field, request) -> bool:
        try:
            for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
                pk_field.to_python(value)
        except ValidationError:
            return False
        return True
