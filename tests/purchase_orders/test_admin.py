# ruff: noqa: F401, F811  (fixtures from .surface)
"""The purchase orders' admin: the list and its filters, "awaiting confirmation", the
page, single and bulk decisions, and our own orders created, sent, edited, cancelled and
closed; refusals change and send nothing."""

import random
from decimal import Decimal

from b2bportal.network.models import OutboundMessage
from b2bportal.parties.models import Business
from b2bportal.sandbox import orders
from b2bportal.sandbox.data import COUNTERPARTIES, OUR_BUSINESSES
from purchase_orders.models import PurchaseOrder

from . import data
from .surface import (
    EDIT,
    SEND_RESULT,
    api,
    business,
    buyer_order,
    csrf_of,
    login,
    new_order_data,
    password,
    receive,
    received,
    state_of,
)

LIST = "/admin/purchase_orders/purchaseorder/"


def detail(order) -> str:
    return f"{LIST}{order.pk}/change/"


def listed(client, query: str = "") -> list[str]:
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200, query
    return sorted(order.po_number for order in response.context["cl"].result_list)


def test_list_filters_search_and_awaiting_confirmation(receive, login, api):
    draft, order = receive()
    other_draft, other = receive(buyer_order(2, buyer=COUNTERPARTIES[3]))
    created = api("admin").post("/api/purchase-orders/", new_order_data(), format="json")
    assert created.status_code == 201
    reviewer = login("reviewer")
    theirs = sorted([draft.number, other_draft.number])
    assert listed(reviewer) == sorted([*theirs, "4500012345"])
    assert listed(reviewer, "awaiting_confirmation=yes") == theirs
    assert listed(reviewer, "role__exact=buyer") == ["4500012345"]
    assert listed(reviewer, "status__exact=CREATED") == ["4500012345"]
    assert listed(reviewer, f"q={draft.number}") == [draft.number]
    assert listed(reviewer, f"q={other.object_id}") == [other_draft.number]
    assert listed(reviewer, f"q={COUNTERPARTIES[3].b2b_id}") == [other_draft.number]
    assert listed(reviewer, "has_findings=yes") == []
    assert listed(reviewer, "pending=yes") == []
    assert listed(reviewer, f"counterparty__id__exact={other.counterparty_id}") == [
        other_draft.number
    ]
    page = reviewer.get(LIST).content.decode()
    assert "Sent to supplier" in page  # the status badge's label, not SENT_TO_SUPPLIER
    awaiting = reviewer.get(f"{LIST}awaiting/")
    assert awaiting.status_code == 302
    assert awaiting["Location"] == f"{LIST}?awaiting_confirmation=yes"


def test_detail_page_shows_the_order(received, login):
    page = login("reviewer").get(detail(received))
    assert page.status_code == 200
    html = page.content.decode()
    for shown in (
        received.po_number,
        received.object_id,
        received.subject,
        "Sent to supplier",
        'id="decision-form"',
        'id="timeline"',
        'id="items"',
        "Deccan Electricals",
        "Saraswati Engineering",
        # addresses as they are written on an envelope, not as the wire stores them
        "No. 9, KIADB Industrial Area, Bommasandra, Bengaluru, Karnataka, 560099",
        "No. 42, 2nd Phase, Peenya Industrial Area, Peenya, Bengaluru, Karnataka, 560058",
    ):
        assert shown in html, shown
    for item in received.current_version.items.all():
        assert item.description in html
    assert 'id="buyer-actions"' not in html  # a buyer's order: nothing of ours to send
    auditor = login("auditor").get(detail(received)).content.decode()
    assert 'id="decision-form"' not in auditor


def test_decide_from_the_page_then_the_network_answers(received, login, webhook):
    reviewer = login("reviewer")
    page = reviewer.get(detail(received))
    answer = reviewer.post(
        f"{LIST}{received.pk}/decide/",
        {
            "csrfmiddlewaretoken": csrf_of(page),
            "response": "ACCEPT",
            "remarks": "Accepted, material in stock",
            "version": "1",
        },
    )
    assert answer.status_code == 302
    outbound = OutboundMessage.objects.get()
    assert outbound.message_type == "purchase_order.confirm"
    assert outbound.body["poConfirmation"]["supplierResponse"] == "ACCEPT"
    pending = reviewer.get(detail(received)).content.decode()
    assert 'id="pending"' in pending and 'id="decision-form"' not in pending
    row = reviewer.get(LIST).content.decode()
    assert '<span class="pending-mark">' in row and "awaiting network" in row
    result = result_of(outbound, "poConfirmation", "SENT_TO_SUPPLIER", "ACCEPTED")
    assert webhook("/api/v0/purchase-order/resp-confirm", result).status_code == 200
    received.refresh_from_db()
    assert (received.status, received.pending_message_id) == ("ACCEPTED", None)
    timeline = reviewer.get(detail(received)).content.decode()
    assert "Accepted, material in stock" in timeline


def test_refused_decisions_change_and_send_nothing(received, login):
    before = state_of(received)
    reviewer = login("reviewer")
    page = reviewer.get(detail(received))
    for posted in (
        {"response": "ACCEPT", "remarks": "", "version": "1"},
        {"response": "ACCEPT", "remarks": 'a "quote"', "version": "1"},
        {"response": "NOPE", "remarks": "Fine", "version": "1"},
        {"response": "ACCEPT", "remarks": "Fine", "version": "7"},
    ):
        answer = reviewer.post(
            f"{LIST}{received.pk}/decide/", {"csrfmiddlewaretoken": csrf_of(page), **posted}
        )
        assert answer.status_code == 302, posted
        assert state_of(received) == before, posted
    auditor = login("auditor")
    page = auditor.get(detail(received))
    refused = auditor.post(
        f"{LIST}{received.pk}/decide/",
        {"csrfmiddlewaretoken": csrf_of(page), "response": "ACCEPT", "remarks": "x", "version": 1},
    )
    assert refused.status_code == 403
    assert state_of(received) == before


def test_bulk_decision(receive, login):
    _, first = receive()
    _, second = receive(buyer_order(2, buyer=COUNTERPARTIES[3]))
    reviewer = login("reviewer")
    listing = reviewer.get(LIST)
    ask = reviewer.post(
        LIST,
        {
            "csrfmiddlewaretoken": csrf_of(listing),
            "action": "reject_selected",
            "_selected_action": [first.pk, second.pk],
        },
    )
    assert ask.status_code == 200
    assert f'name="version_{first.pk}" value="1"' in ask.content.decode()
    done = reviewer.post(
        LIST,
        {
            "csrfmiddlewaretoken": csrf_of(ask),
            "action": "reject_selected",
            "apply": "1",
            "_selected_action": [first.pk, second.pk],
            "remarks": "Rates no longer valid",
            f"version_{first.pk}": "1",
            f"version_{second.pk}": "1",
        },
        follow=True,
    )
    text = done.content.decode()
    assert f"{first.po_number}: reject sent" in text
    assert f"{second.po_number}: reject sent" in text
    sent = OutboundMessage.objects.order_by("id")
    assert [m.body["poConfirmation"]["supplierResponse"] for m in sent] == ["REJECT", "REJECT"]
    assert {m.body["poConfirmation"]["objectId"] for m in sent} == {
        first.object_id,
        second.object_id,
    }


ORDER_FORM = {
    "supplier_b2b_id": COUNTERPARTIES[0].b2b_id,
    "supplier_gstin": COUNTERPARTIES[0].gstin,
    "supplier_legal_name": COUNTERPARTIES[0].legal_name,
    "supplier_trade_name": COUNTERPARTIES[0].trade_name,
    "supplier_state_code": "27",
    "place_of_supply": "27",
    "po_number": "4500077001",
    "order_date": "20/11/2026",
    "delivery_date": "05/12/2026",
    "subject": "Steel for the press shop",
    "lines-TOTAL_FORMS": "3",
    "lines-INITIAL_FORMS": "0",
    "lines-MIN_NUM_FORMS": "1",
    "lines-MAX_NUM_FORMS": "1000",
    "lines-0-description": "Mild steel angle 50x50x6 mm",
    "lines-0-hsn_code": "7216",
    "lines-0-quantity": "400",
    "lines-0-unit": "KGS",
    "lines-0-unit_price": "62.50",
    "lines-0-gst_rate": "18",
}


def result_of(outbound, block_name: str, current: str, new: str) -> dict:
    """The network's SUCCESS for our request, carrying the transition it applied."""
    block = outbound.body[block_name]
    return data.result(
        outbound.req_msg_id,
        block_name,
        {
            "objectId": block["objectId"],
            "buyerPONumber": block["buyerPONumber"],
            "objectVersion": {"currentVersion": 1, "newVersion": 1},
            "poStatusTransition": {"currentStatus": current, "newStatus": new},
        },
    )


def test_staff_create_send_and_edit_our_order(business, login, webhook):
    admin_client = login("admin")
    form = admin_client.get(f"{LIST}add/")
    assert form.status_code == 200
    pune = Business.objects.get(b2b_id=OUR_BUSINESSES[0].b2b_id)
    response = admin_client.post(
        f"{LIST}add/", {"csrfmiddlewaretoken": csrf_of(form), "business": pune.pk, **ORDER_FORM}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    order = PurchaseOrder.objects.get(business=pune, po_number="4500077001")
    assert (order.role, order.status, order.total_value) == (
        "buyer",
        "CREATED",
        Decimal("29500.00"),
    )
    assert (str(order.cgst_amount), str(order.sgst_amount)) == ("2250.00", "2250.00")
    page = admin_client.get(detail(order))
    assert 'id="buyer-actions"' in page.content.decode()
    admin_client.post(
        f"{LIST}{order.pk}/send/", {"csrfmiddlewaretoken": csrf_of(page), "version": "1"}
    )
    sent = OutboundMessage.objects.get()
    assert sent.message_type == "purchase_order.send"
    answer = webhook(SEND_RESULT, result_of(sent, "purchaseOrder", "CREATED", "SENT_TO_SUPPLIER"))
    assert answer.status_code == 200, answer.content
    order.refresh_from_db()
    assert (order.status, order.pending_message_id) == ("SENT_TO_SUPPLIER", None)
    # Edit: a new version, sent at once.
    edit_page = admin_client.get(f"{LIST}{order.pk}/edit/")
    assert edit_page.status_code == 200
    assert 'value="4500077001"' in edit_page.content.decode()
    edited = admin_client.post(
        f"{LIST}{order.pk}/edit/",
        {
            "csrfmiddlewaretoken": csrf_of(edit_page),
            "business": order.business_id,
            **ORDER_FORM,
            "lines-0-quantity": "500",
            "version": str(order.version),
        },
    )
    assert edited.status_code == 302, edited.content.decode()[:3000]
    edit = OutboundMessage.objects.get(message_type="purchase_order.edit")
    assert edit.body["purchaseOrder"]["itemLists"][0]["quantity"] == 500
    order.refresh_from_db()
    assert order.pending_message_id == edit.pk


def test_buyer_side_needs_the_manage_permission(received, login):
    reviewer = login("reviewer")
    assert reviewer.get(f"{LIST}add/").status_code == 403
    page = reviewer.get(detail(received))
    before = state_of(received)
    for action in ("send", "cancel", "close"):
        answer = reviewer.post(
            f"{LIST}{received.pk}/{action}/",
            {"csrfmiddlewaretoken": csrf_of(page), "version": "1", "remarks": "x"},
        )
        assert answer.status_code == 403, action
    assert reviewer.get(f"{LIST}{received.pk}/edit/").status_code == 403
    # Even with it, a buyer's order to us is not ours to send, edit, cancel or close.
    admin_client = login("admin")
    page = admin_client.get(detail(received))
    for action in ("send", "cancel", "close"):
        answer = admin_client.post(
            f"{LIST}{received.pk}/{action}/",
            {"csrfmiddlewaretoken": csrf_of(page), "version": "1", "remarks": "x"},
        )
        assert answer.status_code == 404, action
    assert state_of(received) == before


def test_an_edit_from_the_buyer_shows_its_diff(receive, login, webhook):
    draft, order = receive()
    second = orders.edited_purchase_order(draft, random.Random(3))
    assert webhook(EDIT, orders.send_po_body(second)).status_code == 200
    order.refresh_from_db()
    assert order.version == 2
    versions = list(order.versions.order_by("number"))
    page = login("reviewer").get(f"{detail(order)}?from={versions[0].pk}&to={versions[1].pk}")
    changes = [change.sentence for change in page.context["changes"]]
    old, new = draft.delivery_date, second.delivery_date
    assert f"Delivery date changed from {old:%d/%m/%Y} to {new:%d/%m/%Y}" in changes
    assert f"Quantity of line {len(draft.lines)} changed from" in " ".join(changes)


def accepted_order_of_ours(api, webhook) -> PurchaseOrder:
    """One of our orders, sent, and accepted by its supplier (both through the webhooks)."""
    admin = api("admin")
    created = admin.post("/api/purchase-orders/", new_order_data(), format="json").json()
    order = PurchaseOrder.objects.get(pk=created["id"])
    assert admin.post(f"/api/purchase-orders/{order.pk}/send/", {}).status_code == 202
    sent = OutboundMessage.objects.get(message_type="purchase_order.send")
    webhook(SEND_RESULT, result_of(sent, "purchaseOrder", "CREATED", "SENT_TO_SUPPLIER"))
    accepted = orders.po_confirmation_body(
        buyer_b2b_id=order.buyer_b2b_id,
        supplier_b2b_id=order.supplier_b2b_id,
        object_id=order.object_id,
        number=order.po_number,
        version=1,
        response="ACCEPT",
        remarks="Order accepted",
        current_status="SENT_TO_SUPPLIER",
    )
    assert webhook("/api/v0/purchase-order/req-confirm", accepted).status_code == 200
    order.refresh_from_db()
    assert (order.status, order.pending_message_id) == ("ACCEPTED", None)
    return order


def test_staff_close_an_accepted_order_and_a_refused_cancel_sends_nothing(
    business, api, login, webhook
):
    order = accepted_order_of_ours(api, webhook)
    admin_client = login("admin")
    page = admin_client.get(detail(order))
    html = page.content.decode()
    assert 'id="close-form"' in html and 'id="cancel-form"' in html
    assert 'action="/admin/purchase_orders/purchaseorder/' in html
    before = state_of(order)
    refused = admin_client.post(
        f"{LIST}{order.pk}/cancel/",
        {"csrfmiddlewaretoken": csrf_of(page), "version": "1", "remarks": ""},
        follow=True,
    )
    assert "Not sent: remarks" in refused.content.decode()
    assert state_of(order) == before
    admin_client.post(
        f"{LIST}{order.pk}/close/",
        {"csrfmiddlewaretoken": csrf_of(page), "version": "1", "remarks": "Delivered in full"},
    )
    close = OutboundMessage.objects.get(message_type="purchase_order.status_change")
    assert (close.body["poStatus"]["buyerAction"], close.body["poStatus"]["buyerRemarks"]) == (
        "CLOSE",
        "Delivered in full",
    )
    order.refresh_from_db()
    assert (order.status, order.pending_status) == ("ACCEPTED", "CLOSED")
    pending = admin_client.get(detail(order)).content.decode()
    assert 'id="pending"' in pending and 'id="buyer-actions"' not in pending


def test_the_home_page_counts_orders_awaiting_confirmation_and_lists_exactly_them(
    receive, login, api
):
    _, first = receive()
    _, second = receive(buyer_order(2, buyer=COUNTERPARTIES[3]))
    decided = api("reviewer").post(
        f"/api/purchase-orders/{second.pk}/confirm/",
        {"response": "RETURN", "remarks": "Check the rates", "version": 1},
    )
    assert decided.status_code == 202
    client = login("reviewer")
    response = client.get("/")
    desk = next(d for d in response.context["desks"] if d.family.key == "purchase_orders")
    waiting = {figure.label: figure for figure in desk.waiting}
    to_review = waiting["To review"]
    assert (to_review.count, to_review.value) == (1, first.total_value)
    assert to_review.url == f"{LIST}?awaiting_confirmation=yes"
    assert listed(client, to_review.url.split("?")[1]) == [first.po_number]
    pending = waiting["Pending at the network"]
    assert pending.count == 1
    assert listed(client, pending.url.split("?")[1]) == [second.po_number]
    assert waiting["Delivery this week"].hint.startswith("outstanding, delivery ")
    decisions = {figure.label: figure.count for figure in desk.decisions}
    assert decisions["Under review (returned)"] == 1
    html = response.content.decode()
    assert 'id="family-purchase_orders"' in html and "Days since the order date" in html
