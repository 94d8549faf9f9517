"""Admin actions on a posted selection of ids that are not ids."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect

from b2bportal.numbers import whole_number


class WholeNumberSelectionMixin:
    """Refuse an action whose posted selection holds something other than whole numbers.

    Django filters the list by the posted ids as they come (`pk__in=["abc"]`), which
    raises a ValueError, a 500, for any id that is not a number.
    """

    def response_action(self, request, queryset, **kwargs):
        selected = request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
        if any(whole_number(pk) is None for pk in selected):
            self.message_user(
                request, "Nothing was done: the selection is not a list of ids.", messages.ERROR
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset, **kwargs)
