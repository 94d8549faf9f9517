"""What a locked-out login gets (django-axes counts the failures and decides).

The admin login page and the API token endpoint share one count per user name and
source address: after LOGIN_FAILURE_LIMIT failures, even the right password is refused
for LOGIN_COOLOFF_MINUTES.
"""

from axes.helpers import get_cool_off
from django.http import JsonResponse
from django.shortcuts import render

from b2bportal.api_errors import API_PREFIX


def lockout_message() -> str:
    minutes = int(get_cool_off().total_seconds() // 60)
    return (
        f"Too many failed logins: this user is locked out from this address for {minutes} "
        "minutes after the last failure. Try again later, or ask an administrator to "
        "unlock it (Admin, Axes, Access attempts)."
    )


def lockout_response(request, original_response=None, credentials=None):
    """429 with the reason and Retry-After: JSON for the API, a page for staff."""
    body = {"code": "LOCKED_OUT", "detail": lockout_message()}
    if request.path.startswith(API_PREFIX):
        response = JsonResponse(body, status=429)
    else:
        response = render(request, "access/locked_out.html", body, status=429)
    response["Retry-After"] = str(int(get_cool_off().total_seconds()))
    return response


def is_locked_out(request) -> bool:
    """True when the login attempt just made on `request` was refused or locked it."""
    return bool(getattr(request, "axes_locked_out", False))
