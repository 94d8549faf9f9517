"""Brute force: after LOGIN_FAILURE_LIMIT failures even the right password is refused for
the cool-off, on the admin login page and the API token endpoint alike."""

from datetime import timedelta

from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client
from rest_framework.test import APIClient

from b2bportal.access.models import ApiToken
from tests.invoices.conftest import csrf_of

GUESSES = 100
LOCKED_DETAIL = (
    "Too many failed logins: this user is locked out from this address for 15 minutes after "
    "the last failure. Try again later, or ask an administrator to unlock it (Admin, Axes, "
    "Access attempts)."
)


def admin_login(client: Client, username: str, password: str):
    page = client.get("/admin/login/")
    return client.post(
        "/admin/login/",
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": csrf_of(page),
            "next": "/admin/",
        },
    )


def token_request(client: APIClient, username: str, password: str):
    return client.post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )


def let_the_cool_off_pass():
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))


def test_admin_login_refuses_the_right_password_after_100_wrong_ones(staff, password):
    client = Client(enforce_csrf_checks=True)
    answers = [admin_login(client, "admin", f"guess-{n}").status_code for n in range(GUESSES)]
    # the form says "wrong" four times; the fifth failure locks
    assert answers == [200] * 4 + [429] * (GUESSES - 4)

    refused = admin_login(client, "admin", password)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "900"
    assert LOCKED_DETAIL in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still sent to the login page

    let_the_cool_off_pass()
    welcome = admin_login(client, "admin", password)
    assert welcome.status_code == 302 and welcome["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_token_endpoint_refuses_the_right_password_after_100_wrong_ones(staff, password):
    client = APIClient()
    answers = [token_request(client, "auditor", f"guess-{n}") for n in range(GUESSES)]
    assert [a.status_code for a in answers] == [400] * 4 + [429] * (GUESSES - 4)

    refused = token_request(client, "auditor", password)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "900"
    assert refused.json() == {"code": "LOCKED_OUT", "detail": LOCKED_DETAIL}
    assert not ApiToken.objects.exists()

    let_the_cool_off_pass()
    issued = token_request(client, "auditor", password)
    assert issued.status_code == 200
    assert ApiToken.objects.get().user == staff["auditor"]


def test_failures_on_the_admin_and_the_api_count_together(staff, password):
    client = Client(enforce_csrf_checks=True)
    for n in range(3):
        assert admin_login(client, "reviewer", f"guess-{n}").status_code == 200
    api = APIClient()
    assert token_request(api, "reviewer", "guess-3").status_code == 400
    assert token_request(api, "reviewer", "guess-4").status_code == 429
    assert token_request(api, "reviewer", password).status_code == 429
    assert admin_login(client, "reviewer", password).status_code == 429


def test_a_lockout_is_per_user_and_address(staff, password):
    api = APIClient()
    for n in range(5):
        token_request(api, "auditor", f"guess-{n}")
    assert token_request(api, "auditor", password).status_code == 429
    # another user from the same address, and the same user from elsewhere, log in
    assert token_request(api, "reviewer", password).status_code == 200
    elsewhere = APIClient(REMOTE_ADDR="10.1.2.3")
    assert token_request(elsewhere, "auditor", password).status_code == 200


def test_a_success_clears_earlier_failures(staff, password, settings):
    api = APIClient()
    for n in range(4):
        assert token_request(api, "auditor", f"guess-{n}").status_code == 400
    assert token_request(api, "auditor", password).status_code == 200
    for n in range(4):
        assert token_request(api, "auditor", f"again-{n}").status_code == 400
    assert token_request(api, "auditor", password).status_code == 200


def test_the_failure_limit_and_cool_off_are_settings(staff, password, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=3)
    api = APIClient()
    assert token_request(api, "auditor", "guess-1").status_code == 400
    locked = token_request(api, "auditor", "guess-2")
    assert locked.status_code == 429
    assert locked["Retry-After"] == "180"
    assert "for 3 minutes" in locked.json()["detail"]
