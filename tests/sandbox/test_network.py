"""The network's behaviour, over real HTTP: acks, results, refusals, buyers, faults."""

import random
import time
from datetime import date

import httpx
import pytest

from b2bportal.network import auth
from b2bportal.sandbox import payloads, scenarios
from b2bportal.sandbox.data import COUNTERPARTIES, OUR_BUSINESSES

from .conftest import SIGNING_SECRET, WEBHOOK_TOKEN

CONFIRM = "/api/v0/invoice/req-confirm-invoice"
RESP_CONFIRM = "/api/v0/invoice/resp-confirm-invoice"
REQ_MSG_ID = "0123456789abcdef0123456789abcdef"


def supplier_invoice(enkash, recorder):
    """A supplier's invoice to our business, delivered (to the recorder) and on the ledger."""
    draft = payloads.draw_invoice(
        random.Random(2), COUNTERPARTIES[2], OUR_BUSINESSES[1], today=date(2026, 11, 20), sequence=1
    )
    enkash.network.deliver(scenarios.Step(scenarios.SEND, draft))
    recorder.wait_for(1)
    return draft


def confirmation(draft, *, version=1, remarks="Goods received in good condition", **extra):
    body = payloads.confirmation_body(
        buyer_b2b_id=draft.buyer.b2b_id,
        supplier_b2b_id=draft.supplier.b2b_id,
        object_id=draft.object_id,
        number=draft.number,
        version=version,
        response="ACCEPT",
        remarks=remarks,
        current_status="SENT_TO_BUYER",
        new_status="ACCEPTED",
    )
    body["additionalInfos"] = [{"name": "reqMsgId", "value": REQ_MSG_ID}]
    body.update(extra)
    return body


def test_a_confirm_is_acknowledged_then_its_result_arrives_authenticated(
    recorder, make_enkash, app_side, settings
):
    enkash = make_enkash(recorder.url)
    draft = supplier_invoice(enkash, recorder)
    answer = app_side(enkash).call(CONFIRM, confirmation(draft))
    assert answer.status_code == 200
    assert answer.json()["response_code"] == 0
    assert answer.json()["payload"]["resp"]["reqMsgId"] == REQ_MSG_ID
    path, headers, body = recorder.wait_for(2)[1]
    assert path == RESP_CONFIRM
    assert body["resp"] == {
        "reqMsgId": REQ_MSG_ID,
        "result": "SUCCESS",
        "errorCd": "",
        "errorDtl": "",
        "errorField": "",
    }
    block = body["invoiceConfirmation"]
    assert block["statusTransition"] == {"currentStatus": "SENT_TO_BUYER", "newStatus": "ACCEPTED"}
    assert block["objectVersion"] == {"currentVersion": 1, "newVersion": 1}
    assert body["b2bIds"] == {
        "buyerB2BId": draft.buyer.b2b_id,
        "supplierB2BId": draft.supplier.b2b_id,
    }
    assert enkash.network.status_of(draft.object_id) == ("ACCEPTED", 1)
    # The webhook passes the app's own authentication (token and signature).
    settings.ENKASH_WEBHOOK_TOKEN, settings.ENKASH_WEBHOOK_SIGNING_SECRET = (
        WEBHOOK_TOKEN,
        SIGNING_SECRET,
    )
    settings.ENKASH_WEBHOOK_ALLOWED_IPS = []
    raw = recorder.calls[1][2]
    auth.authenticate(headers, raw, "127.0.0.1")
    assert headers["x-webhook-token"] == WEBHOOK_TOKEN


def test_the_req_msg_id_may_come_in_the_header(recorder, make_enkash, app_side):
    enkash = make_enkash(recorder.url)
    draft = supplier_invoice(enkash, recorder)
    body = confirmation(draft)
    del body["additionalInfos"]
    assert app_side(enkash).call(CONFIRM, body, req_msg_id="f" * 32).status_code == 200
    assert recorder.wait_for(2)[1][2]["resp"]["reqMsgId"] == "f" * 32


def test_a_stale_version_comes_back_as_a_failure_and_changes_nothing(
    recorder, make_enkash, app_side
):
    enkash = make_enkash(recorder.url)
    draft = supplier_invoice(enkash, recorder)
    assert app_side(enkash).call(CONFIRM, confirmation(draft, version=0)).status_code == 200
    resp = recorder.wait_for(2)[1][2]["resp"]
    assert (resp["result"], resp["errorCd"], resp["errorField"]) == (
        "FAILURE",
        "STALE_VERSION",
        "invoiceConfirmation.objectVersion.currentVersion",
    )
    assert resp["errorDtl"] == (
        f"Invoice {draft.object_id} is at version 1, the request acts on version 0"
    )
    assert enkash.network.status_of(draft.object_id) == ("SENT_TO_BUYER", 1)


def test_a_cancelled_invoice_cannot_be_confirmed(recorder, make_enkash, app_side):
    enkash = make_enkash(recorder.url)
    draft = supplier_invoice(enkash, recorder)
    enkash.network.deliver(scenarios.Step(scenarios.CANCEL, draft, remarks="Raised in error"))
    recorder.wait_for(2)
    assert app_side(enkash).call(CONFIRM, confirmation(draft)).status_code == 200
    resp = recorder.wait_for(3)[2][2]["resp"]
    assert (resp["result"], resp["errorCd"], resp["errorField"]) == (
        "FAILURE",
        "INVALID_STATE",
        "invoiceConfirmation.statusTransition.currentStatus",
    )
    assert enkash.network.status_of(draft.object_id) == ("CANCELLED", 1)


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"buyerRemarks": 'Say "no"'}, "INVALID_FIELD", "invoiceConfirmation.buyerRemarks"),
        ({"buyerRemarks": ""}, "MISSING_FIELD", "invoiceConfirmation.buyerRemarks"),
        ({"buyerResponse": "MAYBE"}, "INVALID_FIELD", "invoiceConfirmation.buyerResponse"),
        ({"objectId": "INV123"}, "INVALID_FIELD", "invoiceConfirmation.objectId"),
        ({"objectVersion": None}, "MISSING_FIELD", "invoiceConfirmation.objectVersion"),
    ],
)
def test_a_bad_field_is_refused_at_once_and_nothing_follows(
    recorder, make_enkash, app_side, change, code, field
):
    enkash = make_enkash(recorder.url)
    draft = supplier_invoice(enkash, recorder)
    body = confirmation(draft)
    body["invoiceConfirmation"].update(change)
    answer = app_side(enkash).call(CONFIRM, body)
    assert answer.status_code == 400
    resp = answer.json()["payload"]["resp"]
    assert (resp["result"], resp["errorCd"], resp["errorField"]) == ("FAILURE", code, field)
    assert enkash.sender.wait_idle(2)
    assert len(recorder.calls) == 1  # the supplier's invoice only: no result
    assert enkash.network.status_of(draft.object_id) == ("SENT_TO_BUYER", 1)


def test_missing_b2b_ids_are_refused(recorder, make_enkash, app_side):
    enkash = make_enkash(recorder.url)
    draft = supplier_invoice(enkash, recorder)
    body = confirmation(draft)
    del body["b2bIds"]
    answer = app_side(enkash).call(CONFIRM, body)
    assert answer.status_code == 400
    assert answer.json()["payload"]["resp"]["errorField"] == "b2bIds"


def our_invoice_body():
    draft = payloads.draw_invoice(
        random.Random(9), OUR_BUSINESSES[0], COUNTERPARTIES[4], today=date(2026, 11, 20), sequence=5
    )
    draft.previous_status, draft.version = "CREATED", 1
    body = payloads.send_invoice_body(draft, payloads.NETWORK)
    body["additionalInfos"] = [{"name": "reqMsgId", "value": REQ_MSG_ID}]
    return draft, body


def test_an_invoice_we_send_is_taken_then_its_buyer_confirms(recorder, make_enkash, app_side):
    enkash = make_enkash(recorder.url, buyer_policy={"RETURN": 1.0})
    draft, body = our_invoice_body()
    assert app_side(enkash).call("/api/v0/invoice/req-send-invoice", body).status_code == 200
    (path, _h, result), (confirm_path, _h2, confirm) = recorder.wait_for(2)
    assert path == "/api/v0/invoice/resp-send-invoice"
    assert result["resp"]["result"] == "SUCCESS"
    assert result["invoice"]["objectId"] == draft.object_id
    assert result["invoice"]["statusTransition"] == {
        "currentStatus": "CREATED",
        "newStatus": "SENT_TO_BUYER",
    }
    assert confirm_path == CONFIRM
    block = confirm["invoiceConfirmation"]
    assert (block["buyerResponse"], block["objectId"], block["objectVersion"]) == (
        "RETURN",
        draft.object_id,
        {"currentVersion": 1, "newVersion": 1},
    )
    assert block["statusTransition"] == {
        "currentStatus": "SENT_TO_BUYER",
        "newStatus": "UNDER_REVIEW",
    }
    assert confirm["b2bIds"]["supplierB2BId"] == OUR_BUSINESSES[0].b2b_id
    # Sending the same objectId again is a duplicate on the network.
    app_side(enkash).call("/api/v0/invoice/req-send-invoice", body)
    assert recorder.wait_for(3)[2][2]["resp"]["errorCd"] == "DUPLICATE_OBJECT"


def test_duplicate_fault_delivers_each_webhook_twice_with_one_id(recorder, make_enkash):
    enkash = make_enkash(recorder.url, faults="duplicate=1")
    draft = payloads.draw_invoice(
        random.Random(2), COUNTERPARTIES[0], OUR_BUSINESSES[0], today=date(2026, 11, 20), sequence=1
    )
    enkash.network.deliver(scenarios.Step(scenarios.SEND, draft))
    (p1, h1, b1), (p2, h2, b2) = recorder.wait_for(2)
    assert (p1, b1) == (p2, b2)
    assert h1["webhook-id"] == h2["webhook-id"]


def test_reorder_fault_lets_the_next_webhook_overtake(recorder, make_enkash):
    enkash = make_enkash(recorder.url, faults="reorder=1")
    first = payloads.draw_invoice(
        random.Random(2), COUNTERPARTIES[0], OUR_BUSINESSES[0], today=date(2026, 11, 20), sequence=1
    )
    second = payloads.edited(first, random.Random(3))
    enkash.network.deliver(scenarios.Step(scenarios.SEND, first))
    enkash.network.deliver(scenarios.Step(scenarios.EDIT, second))
    arrived = recorder.wait_for(2)
    assert [path for path, _h, _b in arrived] == [
        "/api/v0/invoice/req-edit-invoice",
        "/api/v0/invoice/req-send-invoice",
    ]


def test_lost_and_failed_results(recorder, make_enkash, app_side):
    lossy = make_enkash(recorder.url, faults="lose=1")
    draft = supplier_invoice(lossy, recorder)
    assert app_side(lossy).call(CONFIRM, confirmation(draft)).status_code == 200
    assert lossy.sender.wait_idle(2)
    assert len(recorder.calls) == 1
    assert [d.lost for d in lossy.sender.deliveries] == [False, True]

    failing = make_enkash(recorder.url, faults="fail=1")
    draft = supplier_invoice(failing, recorder)
    assert app_side(failing).call(CONFIRM, confirmation(draft)).status_code == 200
    resp = recorder.wait_for(3)[2][2]["resp"]
    assert (resp["result"], resp["errorCd"]) == ("FAILURE", "NETWORK_ERROR")
    assert failing.network.status_of(draft.object_id) == ("SENT_TO_BUYER", 1)


def test_answer_faults_come_from_the_plan(recorder, make_enkash, app_side):
    enkash = make_enkash(recorder.url, faults="error_5xx=1")
    draft = supplier_invoice(enkash, recorder)
    assert app_side(enkash).call(CONFIRM, confirmation(draft)).status_code == 503
    assert enkash.sender.wait_idle(2)
    assert len(recorder.calls) == 1
    refusing = make_enkash(recorder.url, faults="refuse=1")
    assert app_side(refusing).call(CONFIRM, confirmation(draft)).status_code == 400


def test_timeout_fault_answers_after_the_caller_gave_up(recorder, make_enkash, app_side):
    enkash = make_enkash(recorder.url, faults="timeout=1,timeout_seconds=1.5")
    draft = supplier_invoice(enkash, recorder)
    side = app_side(enkash)
    with pytest.raises(httpx.ReadTimeout):
        side.client.post(
            CONFIRM,
            json=confirmation(draft),
            timeout=0.5,
            headers={"Authorization": f"Bearer {side.token}"},
        )


def test_delay_fault_holds_a_webhook_back(recorder, make_enkash):
    enkash = make_enkash(recorder.url, faults="delay=1,delay_max=1")
    draft = payloads.draw_invoice(
        random.Random(2), COUNTERPARTIES[0], OUR_BUSINESSES[0], today=date(2026, 11, 20), sequence=1
    )
    started = time.monotonic()
    enkash.network.deliver(scenarios.Step(scenarios.SEND, draft))
    recorder.wait_for(1)
    assert 0.2 <= time.monotonic() - started < 3


def wait_until_up(url: str, within: float) -> bool:
    """Poll until the sandbox accepts connections again (its down window has passed)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            httpx.post(url + "/api/v0/auth/token", json={}, timeout=1.0)
            return True
        except httpx.TransportError:
            time.sleep(0.1)
    return False


def test_enkash_down_refuses_connections_then_comes_back(recorder, make_enkash, app_side):
    enkash = make_enkash(recorder.url)
    played = enkash.play(
        "enkash-down", today=date(2026, 11, 20), pace=0, down_seconds=1.0, wait=False
    )
    with pytest.raises(httpx.ConnectError):
        httpx.post(enkash.url + "/api/v0/auth/token", json={})
    assert wait_until_up(enkash.url, within=15.0)
    assert app_side(enkash).call(CONFIRM, {}).status_code == 400  # up again (a bad body)
    assert len(recorder.wait_for(len(played.steps))) == 4


def test_our_edit_and_cancel_move_the_network_s_version_and_status(recorder, make_enkash, app_side):
    enkash = make_enkash(recorder.url, play_buyers=False)
    side = app_side(enkash)
    draft, body = our_invoice_body()
    side.call("/api/v0/invoice/req-send-invoice", body)
    recorder.wait_for(1)
    second = payloads.edited(draft, random.Random(4))
    edit = payloads.edit_invoice_body(second, payloads.NETWORK)
    assert side.call("/api/v0/invoice/req-edit-invoice", edit, "e" * 32).status_code == 200
    path, _h, result = recorder.wait_for(2)[1]
    assert (path, result["resp"]["result"]) == ("/api/v0/invoice/resp-edit-invoice", "SUCCESS")
    assert result["invoice"]["objectVersion"] == {"currentVersion": 1, "newVersion": 2}
    assert enkash.network.status_of(draft.object_id) == ("SENT_TO_BUYER", 2)
    # The same edit again names version 1, which the network has left behind.
    side.call("/api/v0/invoice/req-edit-invoice", edit, "d" * 32)
    resp = recorder.wait_for(3)[2][2]["resp"]
    assert (resp["errorCd"], resp["errorField"]) == (
        "STALE_VERSION",
        "invoice.objectVersion.currentVersion",
    )
    cancel = payloads.status_change_body(second, "CANCEL", "Order withdrawn", "CANCELLED")
    assert side.call("/api/v0/invoice/req-status-change-invoice", cancel, "c" * 32).is_success
    path, _h, result = recorder.wait_for(4)[3]
    assert path == "/api/v0/invoice/resp-status-change-invoice"
    assert result["resp"]["reqMsgId"] == "c" * 32
    assert result["invoiceStatus"]["statusTransition"] == {
        "currentStatus": "SENT_TO_BUYER",
        "newStatus": "CANCELLED",
    }
    assert enkash.network.status_of(draft.object_id) == ("CANCELLED", 2)
