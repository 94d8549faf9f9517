"""API tokens expire, a new one retires the old after a grace, and an expired one is a 401
that says what to do."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from b2bportal.access.models import ApiToken
from b2bportal.access.services import digest_of, issue_token


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def get_token(username: str, password: str) -> dict:
    response = APIClient().post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_a_token_is_issued_for_30_days_and_only_its_digest_is_kept(staff, password):
    before = timezone.now()
    body = get_token("auditor", password)
    key = body["token"]
    token = ApiToken.objects.get()
    assert (token.user, token.digest, token.prefix) == (staff["auditor"], digest_of(key), key[:8])
    assert not ApiToken.objects.filter(digest=key).exists()
    assert before + timedelta(days=30) <= token.expires_at <= timezone.now() + timedelta(days=30)
    assert body["expires_at"] == timezone.localtime(token.expires_at).isoformat()
    assert client_with(key).get("/api/invoices/").status_code == 200
    staff["auditor"].refresh_from_db()
    assert staff["auditor"].last_login is not None


def test_an_expired_token_is_refused_with_a_clear_401(staff):
    key = issue_token(staff["auditor"]).key
    ended = timezone.now() - timedelta(seconds=1)
    ApiToken.objects.update(expires_at=ended)
    response = client_with(key).get("/api/invoices/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    expired = timezone.localtime(ended).isoformat(timespec="seconds")
    assert response.json() == {
        "detail": f"Token expired at {expired}; get a new one with POST /api/auth/token/."
    }


def test_an_unknown_token_is_refused(staff):
    response = client_with("0" * 40).get("/api/invoices/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_a_token_of_a_deactivated_user_is_refused(staff):
    key = issue_token(staff["auditor"]).key
    staff["auditor"].is_active = False
    staff["auditor"].save()
    assert client_with(key).get("/api/invoices/").status_code == 401


def test_a_new_token_retires_the_old_one_after_the_grace(staff, password, settings):
    old = get_token("auditor", password)["token"]
    issued_at = timezone.now()
    new = get_token("auditor", password)["token"]
    old_row, new_row = (
        ApiToken.objects.get(digest=digest_of(old)),
        ApiToken.objects.get(digest=digest_of(new)),
    )
    # the old token now ends 10 minutes after the new one was issued; both work meanwhile
    assert issued_at + timedelta(seconds=600) <= old_row.expires_at
    assert old_row.expires_at <= timezone.now() + timedelta(seconds=600)
    assert new_row.expires_at - new_row.created_at == timedelta(days=30)
    assert client_with(old).get("/api/invoices/").status_code == 200
    assert client_with(new).get("/api/invoices/").status_code == 200
    # after the grace
    ApiToken.objects.filter(pk=old_row.pk).update(expires_at=timezone.now())
    assert client_with(old).get("/api/invoices/").status_code == 401
    assert client_with(new).get("/api/invoices/").status_code == 200
    # the next rotation deletes the expired token; other users' tokens are untouched
    reviewer = issue_token(staff["reviewer"]).token
    get_token("auditor", password)
    assert not ApiToken.objects.filter(pk=old_row.pk).exists()
    assert ApiToken.objects.get(pk=reviewer.pk).expires_at == reviewer.expires_at


def test_with_no_grace_a_new_token_retires_the_old_at_once(staff, password, settings):
    settings.API_TOKEN_ROTATION_GRACE_SECONDS = 0
    settings.API_TOKEN_LIFETIME_DAYS = 2
    old = get_token("auditor", password)["token"]
    new = get_token("auditor", password)["token"]
    assert client_with(old).get("/api/invoices/").status_code == 401
    assert client_with(new).get("/api/invoices/").status_code == 200
    row = ApiToken.objects.get(digest=digest_of(new))
    assert row.expires_at - row.created_at == timedelta(days=2)


def test_the_token_endpoint_names_a_missing_field(staff):
    before = ApiToken.objects.count()
    response = APIClient().post("/api/auth/token/", {"username": "auditor"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"password": ["This field is required."]}
    nul = APIClient().post(
        "/api/auth/token/", {"username": "aud\x00itor", "password": "x"}, format="json"
    )
    assert nul.status_code == 400
    assert list(nul.json()) == ["username"]
    assert ApiToken.objects.count() == before


def test_create_api_token_command_prints_a_working_key(staff):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "reviewer", "--days", "7", stdout=out, stderr=err)
    key = out.getvalue().strip()
    token = ApiToken.objects.get(digest=digest_of(key))
    assert token.user == staff["reviewer"]
    assert token.expires_at - token.created_at == timedelta(days=7)
    assert err.getvalue().startswith("Valid until ")
    assert client_with(key).get("/api/invoices/").status_code == 200
    with pytest.raises(CommandError, match="No user 'nobody'"):
        call_command("create_api_token", "nobody")
    with pytest.raises(CommandError, match="--days must be 1 or more"):
        call_command("create_api_token", "reviewer", "--days", "0")


def test_an_administrator_expires_a_token_in_the_admin(staff, login):
    key = issue_token(staff["auditor"]).key
    admin = login("admin")
    from tests.invoices.conftest import csrf_of

    listing = admin.get("/admin/access/apitoken/")
    assert listing.status_code == 200
    assert key[:8] in listing.content.decode()
    token = ApiToken.objects.get()
    done = admin.post(
        "/admin/access/apitoken/",
        {
            "csrfmiddlewaretoken": csrf_of(listing),
            "action": "expire_now",
            "_selected_action": [token.pk],
        },
        follow=True,
    )
    assert "1 token(s) expired." in done.content.decode()
    assert client_with(key).get("/api/invoices/").status_code == 401
