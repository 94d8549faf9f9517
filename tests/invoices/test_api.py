"""/api/invoices/: list, filters, detail, history, and the decision."""

import pytest
from rest_framework.test import APIClient

from b2bportal.access.services import issue_token
from b2bportal.network.models import OutboundMessage
from invoices.models import StatusChange
from tests.fixtures import invoices as data

from .conftest import EDIT, SEND, decision_state


@pytest.fixture
def api(staff):
    """A client for a user, authenticated with an API token."""

    def as_user(username):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(staff[username]).key}")
        return client

    return as_user


def test_list_fields_and_filters(received, webhook, api):
    webhook(
        SEND,
        data.network_invoice(object_id=data.OTHER_OBJECT_ID, number="SGST/26-27/0460", intra=True),
    )
    reviewer = api("reviewer")
    response = reviewer.get("/api/invoices/", {"object_id": data.OBJECT_ID})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == received.pk
    assert (row["object_id"], row["status"], row["version"], row["role"]) == (
        data.OBJECT_ID,
        "SENT_TO_BUYER",
        1,
        "buyer",
    )
    assert row["supplier_invoice_number"] == "SGST/26-27/0458"
    assert row["supplier"] == {
        "b2b_id": data.SUPPLIER_B2B_ID,
        "gstin": data.SUPPLIER_GSTIN,
        "legal_name": "Shree Ganesh Steel Traders Private Limited",
        "trade_name": "Shree Ganesh Steel",
        "state_code": "27",
    }
    assert row["buyer"]["b2b_id"] == data.BUYER_B2B_ID
    assert row["totals"] == {
        "assessable_value": "21600.00",
        "cgst": "0.00",
        "sgst": "0.00",
        "igst": "3888.00",
        "cess": "0.00",
        "other_charges": "0.00",
        "total_value": "25488.00",
        "currency": "INR",
    }
    assert row["pending"] is False

    def ids(**params):
        rows = reviewer.get("/api/invoices/", params).json()["results"]
        return sorted(r["object_id"] for r in rows)

    assert ids(supplier_b2b_id=data.LOCAL_SUPPLIER_B2B_ID) == [data.OTHER_OBJECT_ID]
    assert ids(buyer_b2b_id=data.BUYER_B2B_ID) == sorted([data.OBJECT_ID, data.OTHER_OBJECT_ID])
    assert ids(supplier_invoice_number="SGST/26-27/0460") == [data.OTHER_OBJECT_ID]
    assert ids(status="SENT_TO_BUYER", role="buyer") == sorted(
        [data.OBJECT_ID, data.OTHER_OBJECT_ID]
    )
    assert ids(status="ACCEPTED") == []
    assert ids(role="supplier") == []
    assert ids(updated_after="2999-01-01T00:00:00Z") == []
    assert ids(min_total="25488", max_total="25488") == sorted(
        [data.OBJECT_ID, data.OTHER_OBJECT_ID]
    )
    assert ids(min_total="25488.01") == []
    assert ids(has_findings="true") == []
    assert ids(pending="false") == sorted([data.OBJECT_ID, data.OTHER_OBJECT_ID])
    assert reviewer.get("/api/invoices/", {"status": "NOPE"}).status_code == 400


def test_detail_history_and_versions(received, webhook, api):
    webhook(EDIT, data.edit_of(data.network_invoice(), version=(1, 2), price=66.0))
    reviewer = api("reviewer")
    detail = reviewer.get(f"/api/invoices/{received.pk}/").json()
    assert detail["version"] == 2
    assert [i["description"] for i in detail["items"]] == [
        "MS plate 10mm IS 2062 E250",
        "Laser cutting and bending charges",
    ]
    assert detail["items"][0]["unit_price"] == "66.0000"
    assert detail["items"][0]["igst_amount"] == "2970.00"
    assert [(v["number"], v["state"], v["totals"]["total_value"]) for v in detail["versions"]] == [
        (1, "applied", "25488.00"),
        (2, "applied", "24780.00"),
    ]
    assert detail["findings"] == []
    assert detail["sections"]["ewayBillDetail"]["transporterName"] == "VRL Logistics"
    history = reviewer.get(f"/api/invoices/{received.pk}/history/").json()
    assert [(h["action"], h["to_status"], h["version"], h["source"]) for h in history] == [
        ("send", "SENT_TO_BUYER", 1, "network"),
        ("edit", "SENT_TO_BUYER", 2, "network"),
    ]


def test_confirm_through_the_api(received, api, staff, settings):
    settings.ENKASH_DEVICE_GEOCODE = "12.9716,77.5946"
    reviewer = api("reviewer")
    response = reviewer.post(
        f"/api/invoices/{received.pk}/confirm/",
        {"response": "ACCEPT", "remarks": "Matches GRN 4471", "version": 1},
        format="json",
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["invoice"]["pending"] is True
    assert body["invoice"]["status"] == "SENT_TO_BUYER"
    assert body["invoice"]["pending_status"] == "ACCEPTED"
    message = OutboundMessage.objects.get()
    assert body["req_msg_id"] == message.req_msg_id
    assert message.created_by == staff["reviewer"]
    assert message.body["device"] == {"tag": {"name": "GEOCODE", "value": "12.9716,77.5946"}}
    block = message.body["invoiceConfirmation"]
    assert (block["buyerResponse"], block["buyerRemarks"], block["objectVersion"]) == (
        "ACCEPT",
        "Matches GRN 4471",
        {"currentVersion": 1, "newVersion": 1},
    )
    change = StatusChange.objects.last()
    assert (change.kind, change.source, change.actor, change.to_status) == (
        "requested",
        "api",
        staff["reviewer"],
        "ACCEPTED",
    )
    # a second decision while the first is pending
    before = decision_state(received)
    again = reviewer.post(
        f"/api/invoices/{received.pk}/confirm/",
        {"response": "REJECT", "remarks": "Oops", "version": 1},
        format="json",
    )
    assert again.status_code == 409
    assert again.json()["code"] == "ACTION_PENDING"
    assert decision_state(received) == before


@pytest.mark.parametrize(
    ("payload", "status", "code", "field"),
    [
        ({"response": "MAYBE", "remarks": "x", "version": 1}, 400, "INVALID_FIELD", "response"),
        ({"response": "ACCEPT", "remarks": "", "version": 1}, 400, "INVALID_FIELD", "remarks"),
        (
            {"response": "ACCEPT", "remarks": "r" * 101, "version": 1},
            400,
            "INVALID_FIELD",
            "remarks",
        ),
        (
            {"response": "ACCEPT", "remarks": 'say "ok"', "version": 1},
            400,
            "INVALID_FIELD",
            "remarks",
        ),
        (
            {"response": "ACCEPT", "remarks": "back\\slash", "version": 1},
            400,
            "INVALID_FIELD",
            "remarks",
        ),
        ({"response": "ACCEPT", "remarks": "fine"}, 400, "INVALID_FIELD", "version"),
        ({"response": "ACCEPT", "remarks": "fine", "version": 2}, 409, "STALE_VERSION", "version"),
    ],
)
def test_confirm_refusals_change_nothing(received, api, payload, status, code, field):
    before = decision_state(received)
    response = api("reviewer").post(f"/api/invoices/{received.pk}/confirm/", payload, format="json")
    assert response.status_code == status
    assert (response.json()["code"], response.json()["field"]) == (code, field)
    assert decision_state(received) == before


def test_confirm_needs_the_decide_permission(received, api, client):
    before = decision_state(received)
    auditor = api("auditor")
    assert auditor.get(f"/api/invoices/{received.pk}/").status_code == 200
    response = auditor.post(
        f"/api/invoices/{received.pk}/confirm/",
        {"response": "ACCEPT", "remarks": "ok", "version": 1},
        format="json",
    )
    assert response.status_code == 403
    assert APIClient().get("/api/invoices/").status_code == 401
    assert decision_state(received) == before


def test_confirm_a_status_the_rules_forbid(received, webhook, api):
    from .conftest import STATUS

    webhook(STATUS, data.status_change())
    before = decision_state(received)
    response = api("reviewer").post(
        f"/api/invoices/{received.pk}/confirm/",
        {"response": "ACCEPT", "remarks": "ok", "version": 1},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "INVALID_TRANSITION"
    assert decision_state(received) == before
