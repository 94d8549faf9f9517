"""/api/businesses/: a provisioning script registers our B2B IDs."""

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
