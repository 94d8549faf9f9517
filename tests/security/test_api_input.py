"""Hostile input on our REST API gets a 4xx in JSON naming what is wrong, never a 500."""

import json
from urllib.parse import quote

import pytest
from rest_framework.test import APIClient

from b2bportal.network.models import OutboundMessage
from tests.invoices.conftest import decision_state

DEEP = 10_000


def deep_json(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "params",
    [
        {"limit": str(10**30)},
        {"limit": "9223372036854775808"},
        {"offset": str(10**30)},
        {"limit": "1000000", "offset": "9223372036854775807"},
        {"page_size": str(10**30)},
        {"page_size": "-5"},
        {"page_size": "abc"},
    ],
)
def test_huge_limits_and_offsets_are_capped_not_a_500(received, api, params):
    response = api("auditor").get("/api/invoices/", params)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    offset = int(params.get("offset", 0))
    assert [row["id"] for row in body["results"]] == ([] if offset else [received.pk])


def test_limit_is_capped_at_the_maximum_page_size(received, webhook, api, settings):
    from tests.fixtures import invoices as data
    from tests.invoices.conftest import SEND

    webhook(SEND, data.network_invoice(object_id=data.OTHER_OBJECT_ID, number="SGST/26-27/0460"))
    settings.API_MAX_PAGE_SIZE = 1
    body = api("auditor").get("/api/invoices/", {"limit": "500"}).json()
    assert body["count"] == 2
    assert len(body["results"]) == 1
    assert "limit=1" in body["next"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "-1"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"limit": "²"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "1e9"}, "offset"),
    ],
)
def test_a_malformed_limit_or_offset_is_a_400_naming_it(received, api, params, field):
    for path in ("/api/invoices/", "/api/businesses/"):
        response = api("admin").get(path, params)
        assert response.status_code == 400, response.content
        body = response.json()
        assert list(body) == [field]
        assert body[field] == [
            "A whole number from 0 up."
            if field == "offset"
            else ("A whole number from 1 up (pages hold at most 500).")
        ]


def test_a_deeply_nested_body_on_confirm_is_a_400_and_nothing_is_sent(received, api):
    before = decision_state(received)
    response = api("reviewer").post(
        f"/api/invoices/{received.pk}/confirm/", deep_json(), content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "JSON parse error - nested too deeply."}
    assert decision_state(received) == before
    assert not OutboundMessage.objects.exists()


def test_a_deeply_nested_body_on_the_token_endpoint_is_a_400(staff):
    nested = '{"username": "auditor", "password": ' + deep_json() + "}"
    response = APIClient().post("/api/auth/token/", nested, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - nested too deeply."}


def test_a_body_that_is_not_json_is_a_400_naming_the_problem(received, api):
    response = api("reviewer").post(
        f"/api/invoices/{received.pk}/confirm/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error - ")


def test_a_lone_surrogate_in_a_filter_or_body_is_no_500(received, api):
    reviewer = api("reviewer")
    listing = reviewer.get("/api/invoices/?supplier_invoice_number=%ED%BF%BF")
    assert listing.status_code in (200, 400)
    before = decision_state(received)
    body = json.dumps({"response": "ACCEPT", "remarks": "ok \udfff", "version": 1})
    response = reviewer.post(
        f"/api/invoices/{received.pk}/confirm/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "remarks"
    assert decision_state(received) == before


def test_a_nul_in_a_filter_is_a_400_naming_it(received, api):
    response = api("auditor").get("/api/invoices/", {"supplier_invoice_number": "A\x00B"})
    assert response.status_code == 400
    assert "supplier_invoice_number" in response.json()


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/api/nothing-here/", "Not found."),
        ("/api/invoices/1/nope/", "Not found."),
        ("/api/invoices/999999/", "No Invoice matches the given query."),
        ("/api/invoices/abc/", "Not found."),
    ],
)
def test_not_found_under_api_is_json(received, api, path, detail):
    response = api("auditor").get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": detail}


def test_unknown_api_path_is_json_for_anonymous_callers_too(db):
    response = APIClient().post("/api/nothing-here/", {"a": 1}, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_wrong_method_is_json(received, api):
    response = api("admin").delete(f"/api/invoices/{received.pk}/")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "DELETE" not allowed.'}


def test_a_crash_inside_the_api_answers_json_500(db, settings):
    settings.ROOT_URLCONF = "tests.security.faulty_urls"
    client = APIClient(raise_request_exception=False)
    response = client.get("/api/fault/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Server error."}
    # outside the API, staff still get Django's page
    page = client.get("/admin-fault/")
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")


HOSTILE_VALUES = [
    "",
    "\x00",
    "%ED%BF%BF",
    "1e999",
    "-1e999",
    "NaN",
    "Infinity",
    "9" * 5000,
    "-" + "9" * 30,
    "²",
    "0000-00-00",
    "9999-12-31T23:59:59+99:99",
    "99999-01-01",
    "' OR 1=1 --",
    "[]",
]
INVOICE_FILTERS = [
    "object_id", "status", "role", "buyer_b2b_id", "supplier_b2b_id", "supplier_gstin",
    "buyer_gstin", "supplier_invoice_number", "business", "counterparty", "updated_after",
    "updated_before", "invoice_date_from", "invoice_date_to", "due_date_from", "due_date_to",
    "min_total", "max_total", "has_findings", "pending", "overdue", "limit", "offset",
]  # fmt: skip


@pytest.mark.parametrize("name", INVOICE_FILTERS)
def test_no_filter_value_gets_a_500(received, api, name):
    auditor = api("auditor")
    auditor.raise_request_exception = False
    answers = {}
    for value in HOSTILE_VALUES:
        query = value if value.startswith("%") else quote(value, safe="")
        answers[value] = auditor.get(f"/api/invoices/?{name}={query}").status_code
    assert {value: code for value, code in answers.items() if code not in (200, 400)} == {}


@pytest.mark.parametrize(
    "body",
    [
        {"response": "ACCEPT", "remarks": "ok", "version": 2**63},
        {"response": "ACCEPT", "remarks": "ok", "version": 10**400},
        {"response": "ACCEPT", "remarks": "ok", "version": "²"},
        {"response": "ACCEPT", "remarks": "ok", "version": 1.5},
        {"response": "ACCEPT", "remarks": "ok", "version": [1]},
        {"response": "ACCEPT", "remarks": "ok\x00", "version": 1},
        {"response": ["ACCEPT"], "remarks": "ok", "version": 1},
        {"response": "ACCEPT", "remarks": {"a": 1}, "version": 1},
        {"response": "ACCEPT", "remarks": "x" * 100_000, "version": 1},
        [],
        "ACCEPT",
        None,
    ],
)
def test_a_malformed_decision_is_refused_and_nothing_is_sent(received, api, body):
    reviewer = api("reviewer")
    reviewer.raise_request_exception = False
    before = decision_state(received)
    response = reviewer.post(
        f"/api/invoices/{received.pk}/confirm/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code in (400, 409), response.content
    assert response["Content-Type"] == "application/json"
    assert decision_state(received) == before
    assert not OutboundMessage.objects.exists()


def test_unknown_api_paths_are_json_with_debug_on_too(db, settings, api):
    settings.DEBUG = True
    response = APIClient().get("/api/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    # a known collection without its slash is still sent to it
    redirect = APIClient().get("/api/invoices")
    assert (redirect.status_code, redirect["Location"]) == (301, "/api/invoices/")


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ('{"username": "' + "a" * 3_000_000 + '"}', "application/json", 400),
        ("username=auditor&password=x", "text/plain", 415),
        (b"\xff\xfe\x00", "application/json", 400),
        ("username=%00&password=x", "application/x-www-form-urlencoded", 400),
    ],
)
def test_odd_bodies_on_the_token_endpoint_are_json_4xx(staff, body, content_type, status):
    client = APIClient(raise_request_exception=False)
    response = client.post("/api/auth/token/", body, content_type=content_type)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert "token" not in response.json()
