"""Purchase orders in the sandbox: the bodies buyers send, the network's reading of ours
over real HTTP (results with `poStatusTransition`, refusals, rule breaks), suppliers
confirming the orders we send and invoicing the accepted ones."""

import random
from datetime import date
from decimal import Decimal

from b2bportal.parties import gstin
from b2bportal.sandbox import orders, payloads, scenarios
from b2bportal.sandbox.data import COUNTERPARTIES, OUR_BUSINESSES

DAY = date(2026, 11, 20)
REQ_MSG_ID = "fedcba9876543210fedcba9876543210"
SEND = "/api/v0/purchase-order/req-send"


def draw(mistakes=(), buyer=COUNTERPARTIES[2], supplier=OUR_BUSINESSES[1], seed=4):
    return orders.draw_purchase_order(
        random.Random(seed), buyer, supplier, today=DAY, sequence=7, mistakes=tuple(mistakes)
    )


def test_a_clean_order_adds_up_and_carries_every_field():
    draft = draw()
    block = orders.send_po_body(draft)["purchaseOrder"]
    assert block["objectId"].startswith("POR") and len(block["objectId"]) == 35
    assert block["buyerPONumber"] == "4500000007"
    assert block["objectVersion"] == {"currentVersion": 0, "newVersion": 1}
    assert block["poStatusTransition"] == {
        "currentStatus": "CREATED",
        "newStatus": "SENT_TO_SUPPLIER",
    }
    assert block["orderDate"] <= block["deliveryDate"]
    assert block["buyerDetails"]["placeOfSupply"] == COUNTERPARTIES[2].state_code
    values = block["poValueDetails"]
    assert Decimal(str(values["totalPOValue"])) == draft.total
    assert draft.total == draft.assessable + draft.cgst + draft.sgst + draft.igst
    assert draft.igst == 0 and draft.cgst == draft.sgst > 0  # Karnataka to Karnataka
    assert len(block["itemLists"]) == len(draft.lines)


def test_each_order_mistake_breaks_exactly_its_rule():
    clean = draw()
    late = draw((orders.DELIVERY_BEFORE_ORDER,))
    assert late.delivery_date < late.order_date
    bad = draw((payloads.BAD_GSTIN_CHECK,)).buyer_gstin
    assert gstin.is_well_formed(bad) and not gstin.has_valid_check_digit(bad)
    assert draw((payloads.WRONG_TOTALS,)).total != clean.total
    line = draw((payloads.LINE_ARITHMETIC,)).lines[0]
    assert line.amount != payloads.money(line.quantity * line.product.unit_price)


def test_demo_day_has_buyers_orders_and_our_own():
    steps = scenarios.build("demo-day", 0, DAY)
    ordered = [step for step in steps if step.kind in scenarios.ORDER_KINDS]
    kinds = [step.kind for step in ordered]
    assert kinds.count(scenarios.PO_SEND) == 4 + len(orders.PO_MISTAKES)
    assert kinds.count(scenarios.PO_EDIT) == kinds.count(scenarios.PO_CANCEL) == 1
    assert sorted(m for step in ordered for m in step.draft.mistakes) == sorted(orders.PO_MISTAKES)
    assert {step.draft.supplier.b2b_id for step in ordered} <= {b.b2b_id for b in OUR_BUSINESSES}
    ours = scenarios.our_orders("demo-day", 0, DAY)
    assert [order.buyer.b2b_id for order in ours] == [b.b2b_id for b in OUR_BUSINESSES]
    assert [order.number for order in ours] == ["4500077001", "4500077002", "4500077003"]
    assert scenarios.our_orders("duplicates", 0, DAY) == []


def test_an_invoice_against_an_order_names_it_and_takes_its_share():
    order = draw()
    block = orders.purchase_order_block(order)
    within = orders.invoice_against(
        random.Random(1), block, order.supplier, order.buyer, today=DAY, sequence=3,
        share=Decimal("0.5"),
    )  # fmt: skip
    beyond = orders.invoice_against(
        random.Random(1), block, order.supplier, order.buyer, today=DAY, sequence=4,
        share=Decimal("1.2"),
    )  # fmt: skip
    ordered = [line.quantity for line in order.lines]
    assert [line.quantity for line in within.lines] == [max(q * Decimal("0.5"), 1) for q in ordered]
    assert all(b.quantity > q for b, q in zip(beyond.lines, ordered, strict=True))
    assert [line.product.unit_price for line in within.lines] == [
        line.product.unit_price for line in order.lines
    ]
    network = payloads.network_invoice(within)
    assert network["poDetails"] == [
        {"poObjId": order.object_id, "buyerPoId": order.number, "poDate": str(order.order_date)}
    ]
    assert payloads.internal_invoice(within)["ponumber"] == order.number


def our_order_body():
    draft = draw(buyer=OUR_BUSINESSES[0], supplier=COUNTERPARTIES[0], seed=9)
    body = orders.send_po_body(draft)
    body["additionalInfos"] = [{"name": "reqMsgId", "value": REQ_MSG_ID}]
    return draft, body


def test_an_order_we_send_is_taken_then_its_supplier_confirms_and_invoices_it(
    recorder, make_enkash, app_side
):
    enkash = make_enkash(recorder.url, buyer_delay=0.05)
    enkash.network.supplier_policy = {"ACCEPT": 1.0}
    draft, body = our_order_body()
    assert app_side(enkash).call(SEND, body).status_code == 200
    calls = recorder.wait_for(3)
    (path, _h, result), (confirm_path, _h2, confirm), (invoice_path, _h3, invoice) = calls
    assert path == "/api/v0/purchase-order/resp-send"
    assert result["resp"]["result"] == "SUCCESS"
    assert result["purchaseOrder"]["objectId"] == draft.object_id
    assert result["purchaseOrder"]["poStatusTransition"] == {
        "currentStatus": "CREATED",
        "newStatus": "SENT_TO_SUPPLIER",
    }
    assert confirm_path == "/api/v0/purchase-order/req-confirm"
    block = confirm["poConfirmation"]
    assert (block["supplierResponse"], block["objectId"], block["buyerPONumber"]) == (
        "ACCEPT",
        draft.object_id,
        draft.number,
    )
    assert block["poStatusTransition"] == {
        "currentStatus": "SENT_TO_SUPPLIER",
        "newStatus": "ACCEPTED",
    }
    assert invoice_path == "/api/v0/invoice/req-send-invoice"
    sent = invoice["invoice"]
    assert sent["poDetails"][0]["poObjId"] == draft.object_id
    assert invoice["b2bIds"] == {
        "buyerB2BId": OUR_BUSINESSES[0].b2b_id,
        "supplierB2BId": COUNTERPARTIES[0].b2b_id,
    }
    # The first order a supplier invoices is half of it: within the order.
    assert [item["quantity"] for item in sent["itemLists"]] == [
        int(max(line.quantity / 2, 1)) for line in draft.lines
    ]
    assert enkash.network.status_of(draft.object_id) == ("ACCEPTED", 1)


def test_the_network_refuses_and_fails_bad_order_requests(recorder, make_enkash, app_side):
    enkash = make_enkash(recorder.url, play_buyers=False)
    draft, body = our_order_body()
    side = app_side(enkash)
    broken = {**body, "purchaseOrder": {**body["purchaseOrder"], "buyerPONumber": 'PO"1'}}
    answer = side.call(SEND, broken)
    assert answer.status_code == 400
    assert answer.json()["payload"]["resp"]["errorField"] == "purchaseOrder.buyerPONumber"
    assert side.call(SEND, body).status_code == 200
    # Cancelling as the supplier is not allowed: the network fails it (B2B_ID_MISMATCH).
    cancel = orders.po_status_body(draft, "CANCEL", "Not needed")
    cancel["b2bIds"] = {**cancel["b2bIds"], "buyerB2BId": COUNTERPARTIES[5].b2b_id}
    assert side.call("/api/v0/purchase-order/req-status-change", cancel).status_code == 200
    results = recorder.wait_for(2)
    assert results[1][0] == "/api/v0/purchase-order/resp-status-change"
    assert results[1][2]["resp"]["errorCd"] == "B2B_ID_MISMATCH"
    # Closing an order its supplier has not accepted breaks the rule table.
    close = orders.po_status_body(draft, "CLOSE", "Delivered in full")
    side.call("/api/v0/purchase-order/req-status-change", close)
    closing = recorder.wait_for(3)[2][2]
    assert (closing["resp"]["errorCd"], closing["resp"]["errorField"]) == (
        "INVALID_STATE",
        "poStatus.poStatusTransition.currentStatus",
    )
    # Cancelling it is allowed: the result carries the transition.
    side.call(
        "/api/v0/purchase-order/req-status-change", orders.po_status_body(draft, "CANCEL", "x")
    )
    cancelled = recorder.wait_for(4)[3][2]
    assert cancelled["resp"]["result"] == "SUCCESS"
    assert cancelled["poStatus"]["poStatusTransition"] == {
        "currentStatus": "SENT_TO_SUPPLIER",
        "newStatus": "CANCELLED",
    }
    assert enkash.network.status_of(draft.object_id) == ("CANCELLED", 1)


def test_demo_day_places_our_orders_once(db):
    """`manage.py sandbox --scenario demo-day` places and sends our three orders; played
    again, it finds them and places nothing."""
    from b2bportal.network.models import OutboundMessage
    from purchase_orders.models import PurchaseOrder

    scenarios.register_in_process()
    drafts = scenarios.our_orders("demo-day", 0, DAY)
    placed = scenarios.place_in_process(drafts)
    orders_placed = PurchaseOrder.objects.filter(object_id__in=placed).order_by("po_number")
    assert [(o.po_number, o.role, o.business.b2b_id) for o in orders_placed] == [
        (draft.number, "buyer", draft.buyer.b2b_id) for draft in drafts
    ]
    assert [o.total_value for o in orders_placed] == [draft.total for draft in drafts]
    sent = OutboundMessage.objects.filter(message_type="purchase_order.send")
    assert sorted(sent.values_list("object_id", flat=True)) == sorted(placed)
    assert scenarios.place_in_process(drafts) == []
    assert PurchaseOrder.objects.count() == 3 and sent.count() == 3
