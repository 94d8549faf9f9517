"""/api/businesses/: a provisioning script registers our B2B IDs."""

import json

import pytest
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from b2bportal.access.services import issue_token
from b2bportal.parties.gstin import make_gstin
from b2bportal.parties.models import Business
from b2bportal.parties.services import SUPPLIER, resolve_sides


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user).key}")
    return client


def test_create_list_retrieve_update(staff):
    admin = client_for(staff["admin"])
    gstin = make_gstin("27", "AAECN4455P")
    payload = {
        "b2b_id": "NASHIKAGRO.B2B.01",
        "gstin": gstin,
        "legal_name": "Nashik Agro Foods Private Limited",
        "trade_name": "Nashik Agro",
        "state_code": "27",
    }
    created = admin.post("/api/businesses/", payload, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert {k: body[k] for k in payload} == payload
    listed = admin.get("/api/businesses/").json()
    assert [r["b2b_id"] for r in listed["results"]] == ["NASHIKAGRO.B2B.01"]
    assert admin.get(f"/api/businesses/{body['id']}/").json()["gstin"] == gstin
    patched = admin.patch(
        f"/api/businesses/{body['id']}/", {"trade_name": "Nashik Agro Foods"}, format="json"
    )
    assert patched.status_code == 200
    business = Business.objects.get()
    assert business.trade_name == "Nashik Agro Foods"
    # staff edits are kept in the history with who made them
    assert business.history.count() == 2
    assert business.history.first().history_user in (None, staff["admin"])
    # messages for it now resolve to our side
    sides = resolve_sides("SOMEBUYER.B2B", "NASHIKAGRO.B2B.01")
    assert (sides.role, sides.business) == (SUPPLIER, business)


def test_bad_gstin_and_state(staff):
    admin = client_for(staff["admin"])
    gstin = make_gstin("27", "AAECN4455P")
    bad = admin.post(
        "/api/businesses/",
        {"b2b_id": "X.1", "gstin": gstin[:14] + "0", "state_code": "27"},
        format="json",
    )
    assert bad.status_code == 400 and "gstin" in bad.json()
    wrong_state = admin.post(
        "/api/businesses/", {"b2b_id": "X.1", "gstin": gstin, "state_code": "29"}, format="json"
    )
    assert wrong_state.status_code == 400 and "state_code" in wrong_state.json()
    assert not Business.objects.exists()


def test_permissions(staff):
    reviewer = client_for(staff["reviewer"])
    assert reviewer.get("/api/businesses/").status_code == 200
    denied = reviewer.post("/api/businesses/", {"b2b_id": "Y.1"}, format="json")
    assert denied.status_code == 403
    assert APIClient().get("/api/businesses/").status_code == 401
    assert client_for(staff["admin"]).delete("/api/businesses/1/").status_code == 405


def test_geocode_is_set_through_the_api_and_checked(staff):
    admin = client_for(staff["admin"])
    gstin = make_gstin("27", "AAECN4455P")
    created = admin.post(
        "/api/businesses/",
        {"b2b_id": "NASHIKAGRO.B2B.01", "gstin": gstin, "state_code": "27",
         "geocode": "19.9975,73.7898"},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    assert created.json()["geocode"] == "19.9975,73.7898"
    url = f"/api/businesses/{created.json()['id']}/"

    bad = admin.patch(url, {"geocode": "Nashik"}, format="json")

    assert bad.status_code == 400
    assert list(bad.json()) == ["geocode"]
    assert Business.objects.get().geocode == "19.9975,73.7898"


def business_payload(**fields) -> dict:
    return {
        "b2b_id": "NASHIKAGRO.B2B.01",
        "gstin": make_gstin("27", "AAECN4455P"),
        "legal_name": "Nashik Agro Foods Private Limited",
        "state_code": "27",
        "address": {"line1": "Plot 14, MIDC Ambad", "city": "Nashik", "pincode": "422010"},
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"b2b_id": ""}, "b2b_id", "This field may not be blank."),
        ({"b2b_id": "   "}, "b2b_id", "This field may not be blank."),
        ({"b2b_id": "NASHIK\x01AGRO"}, "b2b_id", "Control or invisible character U+0001."),
        ({"b2b_id": "NASHIK\u200bAGRO"}, "b2b_id", "Control or invisible character U+200B."),
        ({"b2b_id": 'NASHIK"AGRO'}, "b2b_id", 'No " or \\ in a B2B ID.'),
        ({"b2b_id": "NASHIK\\AGRO"}, "b2b_id", 'No " or \\ in a B2B ID.'),
        ({"legal_name": "Nashik\x00Agro"}, "legal_name", "Null characters are not allowed."),
        ({"trade_name": "Nashik\x1bAgro"}, "trade_name", "Control character U+001B."),
        ({"email": "a@b.in\r\nBcc: x@y.in"}, "email", "Control character U+000D."),
        ({"phone": "\udfff"}, "phone", "Surrogate characters are not allowed: U+DFFF."),
        (
            {"address": {"line1": "Plot 14\u0000", "city": "Nashik"}},
            "address",
            "address.line1: control character U+0000.",
        ),
        (
            {"address": {"lines": ["ok", "Ambad\udfff"]}},
            "address",
            "address.lines[1]: a lone surrogate U+DFFF.",
        ),
        ({"address": {"\x00": "x"}}, "address", "address: a key with control character U+0000."),
        (
            {"bank_account": {"ifsc": "HDFC\x000001"}},
            "bank_account",
            ("bank_account.ifsc: control character U+0000."),
        ),
        ({"address": "Nashik"}, "address", 'An object of named parts, e.g. {"city": ...}.'),
        (
            {"address": [[[[[[["deep"]]]]]]]},
            "address",
            ('An object of named parts, e.g. {"city": ...}.'),
        ),
    ],
)
def test_control_characters_and_malformed_fields_are_refused(staff, fields, field, message):
    # json.dumps escapes what UTF-8 cannot carry (a lone surrogate) as \\uXXXX
    body = json.dumps(business_payload(**fields))
    response = client_for(staff["admin"]).post(
        "/api/businesses/", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert response.json() == {field: [message]}
    assert not Business.objects.exists()


def test_control_characters_are_refused_on_update_too(staff):
    admin = client_for(staff["admin"])
    created = admin.post("/api/businesses/", business_payload(), format="json").json()
    response = admin.patch(
        f"/api/businesses/{created['id']}/",
        {"address": {"line1": "\x00"}, "trade_name": "Nashik Agro"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"address": ["address.line1: control character U+0000."]}
    business = Business.objects.get()
    assert (business.trade_name, business.address["line1"]) == ("", "Plot 14, MIDC Ambad")
    assert business.history.count() == 1


def test_a_gstin_already_registered_is_refused(staff):
    admin = client_for(staff["admin"])
    first = admin.post("/api/businesses/", business_payload(), format="json")
    assert first.status_code == 201
    second = admin.post(
        "/api/businesses/", business_payload(b2b_id="NASHIKAGRO.B2B.02"), format="json"
    )
    assert second.status_code == 400
    assert second.json() == {"gstin": ["GSTIN already registered for NASHIKAGRO.B2B.01."]}
    assert list(Business.objects.values_list("b2b_id", flat=True)) == ["NASHIKAGRO.B2B.01"]
    # another business cannot take it by an update either; saving its own is fine
    other = admin.post(
        "/api/businesses/",
        business_payload(b2b_id="PUNEAGRO.B2B.01", gstin=make_gstin("27", "AAECP1234Q")),
        format="json",
    ).json()
    taken = admin.patch(
        f"/api/businesses/{other['id']}/", {"gstin": first.json()["gstin"]}, format="json"
    )
    assert taken.status_code == 400 and list(taken.json()) == ["gstin"]
    assert Business.objects.get(pk=other["id"]).gstin == other["gstin"]
    same = admin.put(
        f"/api/businesses/{first.json()['id']}/", business_payload(trade_name="NA"), format="json"
    )
    assert same.status_code == 200


def test_the_admin_refuses_control_characters_and_a_registered_gstin(staff, client):
    client.force_login(staff["admin"])
    existing = Business.objects.create(
        b2b_id="NASHIKAGRO.B2B.01", gstin=make_gstin("27", "AAECN4455P")
    )
    form = {
        "b2b_id": "PUNEAGRO.B2B.01",
        "gstin": existing.gstin,
        "legal_name": "Pune Agro",
        "trade_name": "",
        "state_code": "27",
        "address": '{"line1": "Shop 3\\u0000"}',
        "email": "",
        "phone": "",
        "bank_account": "{}",
        "is_active": "on",
    }
    page = client.post("/admin/parties/business/add/", form)
    assert page.status_code == 200
    errors = page.context["adminform"].form.errors
    assert errors["address"] == ["address.line1: control character U+0000."]
    assert errors["gstin"] == ["GSTIN already registered for NASHIKAGRO.B2B.01."]
    assert list(Business.objects.all()) == [existing]


def test_the_database_holds_a_gstin_once_even_past_the_check(db):
    # Two registrations at the same moment both pass the check; the constraint stops one.
    gstin = make_gstin("27", "AAECN4455P")
    Business.objects.create(b2b_id="NASHIKAGRO.B2B.01", gstin=gstin)
    with pytest.raises(IntegrityError), transaction.atomic():
        Business.objects.create(b2b_id="NASHIKAGRO.B2B.02", gstin=gstin)
    Business.objects.create(b2b_id="NOGSTIN.B2B.01", gstin="")
    Business.objects.create(b2b_id="NOGSTIN.B2B.02", gstin="")
    assert list(Business.objects.order_by("b2b_id").values_list("b2b_id", flat=True)) == [
        "NASHIKAGRO.B2B.01",
        "NOGSTIN.B2B.01",
        "NOGSTIN.B2B.02",
    ]
