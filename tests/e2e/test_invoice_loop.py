"""An invoice arrives, a reviewer decides it in the admin, the network answers: end to end,
and the same under every fault the sandbox can inject."""

import random
from datetime import date

import pytest

from b2bportal.network.models import InboundMessage, OutboundMessage
from b2bportal.parties.models import Business
from b2bportal.sandbox import payloads, scenarios
from b2bportal.sandbox.data import COUNTERPARTIES, OUR_BUSINESSES
from b2bportal.sandbox.faults import FaultPlan
from invoices.models import Invoice
from invoices.services import create_invoice
from tests.live import wait_until

CONFIRM = "/api/v0/invoice/req-confirm-invoice"
DAY = date(2026, 11, 20)

pytestmark = pytest.mark.django_db(transaction=True)


def supplier_sends(stack, seed: int, *, shape=payloads.NETWORK):
    """A supplier's invoice reaches the app through the sandbox; returns draft and invoice."""
    draft = payloads.draw_invoice(
        random.Random(seed),
        COUNTERPARTIES[seed % 8],
        OUR_BUSINESSES[seed % 3],
        today=DAY,
        sequence=seed,
    )
    stack.enkash.network.deliver(scenarios.Step(scenarios.SEND, draft, shape))
    invoice = wait_until(
        lambda: Invoice.objects.filter(object_id=draft.object_id).first(), stack=stack
    )
    return draft, invoice


def decide(browser, invoice, response="ACCEPT", remarks="Goods received in good condition"):
    """The reviewer decides on the invoice's detail page, as shown."""
    page = f"/admin/invoices/invoice/{invoice.pk}/change/"
    answer = browser.post_form(
        page,
        f"/admin/invoices/invoice/{invoice.pk}/decide/",
        {
            "response": response,
            "remarks": remarks,
            "version": invoice.version,
        },
    )
    assert answer.status_code == 302
    return answer


def settled(object_id: str):
    """The invoice once nothing of ours about it awaits the network."""
    invoice = Invoice.objects.get(object_id=object_id)
    return invoice if invoice.pending_message_id is None else None


def trail(invoice) -> list[tuple]:
    return [
        (c.kind, c.action, c.from_status, c.to_status, c.version, c.source)
        for c in invoice.status_changes.order_by("at", "id")
    ]


def confirms(stack) -> list:
    return [r for r in stack.enkash.server.received if r.path == CONFIRM]


def assert_accepted_once(stack, draft, version=1):
    """ACCEPTED with its whole trail; one confirm sent, one answered, nothing twice."""
    invoice = wait_until(lambda: settled(draft.object_id), stack=stack)
    assert (invoice.status, invoice.version, invoice.last_error_code) == ("ACCEPTED", version, "")
    [outbound] = OutboundMessage.objects.filter(object_id=draft.object_id)
    assert (outbound.message_type, outbound.state, outbound.result) == (
        "invoice.confirm",
        "answered",
        "SUCCESS",
    )
    assert outbound.body["invoiceConfirmation"]["objectVersion"] == {
        "currentVersion": version,
        "newVersion": version,
    }
    delivered = [r for r in confirms(stack) if r.status == 200]
    assert len(delivered) == 1
    assert delivered[0].req_msg_id == outbound.req_msg_id
    assert delivered[0].body == outbound.body
    results = InboundMessage.objects.filter(
        path="/api/v0/invoice/resp-confirm-invoice", answers=outbound
    )
    assert results.filter(outcome="processed").count() == 1
    assert stack.enkash.network.status_of(draft.object_id) == ("ACCEPTED", version)
    return invoice, outbound


def test_an_invoice_is_accepted_in_the_admin_and_the_network_closes_the_loop(world, browser):
    draft, invoice = supplier_sends(world, 11)
    assert invoice.status == "SENT_TO_BUYER"
    reviewer = browser("reviewer")
    decide(reviewer, invoice)
    invoice, outbound = assert_accepted_once(world, draft)
    assert trail(invoice) == [
        ("applied", "send", "", "SENT_TO_BUYER", 1, "network"),
        ("requested", "confirm:ACCEPT", "SENT_TO_BUYER", "ACCEPTED", 1, "staff"),
        ("applied", "confirm", "SENT_TO_BUYER", "ACCEPTED", 1, "staff"),
    ]
    assert outbound.created_by.username == "reviewer"
    [attempt] = outbound.attempts.all()
    assert attempt.status_code == 200
    inbound = InboundMessage.objects.filter(object_id=draft.object_id).order_by("received_at", "id")
    assert [(m.path, m.outcome) for m in inbound] == [
        ("/api/v0/invoice/req-send-invoice", "processed"),
        ("/api/v0/invoice/resp-confirm-invoice", "processed"),
    ]
    page = reviewer.get(f"/admin/invoices/invoice/{invoice.pk}/change/")
    assert page.status_code == 200 and 'id="status">Accepted</span>' in page.text


def test_duplicate_deliveries_apply_once(world, browser):
    world.enkash.set_faults(FaultPlan(duplicate=1.0))
    draft, invoice = supplier_sends(world, 12, shape=payloads.INTERNAL)
    mine = InboundMessage.objects.filter(object_id=draft.object_id)
    wait_until(lambda: mine.filter(outcome="duplicate").count() == 1, stack=world)
    decide(browser("reviewer"), invoice)
    invoice, outbound = assert_accepted_once(world, draft)
    wait_until(lambda: mine.filter(outcome="duplicate").count() == 2, stack=world)
    assert Invoice.objects.filter(object_id=draft.object_id).count() == 1
    assert mine.count() == 4  # the invoice twice, the result twice
    assert [(kind, to) for kind, _a, _f, to, _v, _s in trail(invoice)] == [
        ("applied", "SENT_TO_BUYER"),
        ("requested", "ACCEPTED"),
        ("applied", "ACCEPTED"),
    ]


def test_versions_arriving_out_of_order_end_at_the_last_and_it_is_accepted(world, browser):
    world.enkash.set_faults(FaultPlan(reorder=1.0))
    first = payloads.draw_invoice(
        random.Random(13), COUNTERPARTIES[1], OUR_BUSINESSES[2], today=DAY, sequence=13
    )
    second = payloads.edited(first, random.Random(14))
    world.enkash.network.deliver(scenarios.Step(scenarios.SEND, first))
    world.enkash.network.deliver(scenarios.Step(scenarios.EDIT, second))
    invoice = wait_until(
        lambda: Invoice.objects.filter(object_id=first.object_id, version=2).first(), stack=world
    )
    assert world.enkash.sender.wait_idle(5)
    arrived = [d.path for d in world.enkash.sender.deliveries]
    assert arrived == ["/api/v0/invoice/req-edit-invoice", "/api/v0/invoice/req-send-invoice"]
    world.reset_faults()
    assert invoice.total_value == second.total
    decide(browser("reviewer"), invoice)
    assert_accepted_once(world, second, version=2)


def test_enkash_down_then_up_delivers_the_decision_once(world, browser):
    draft, invoice = supplier_sends(world, 15)
    world.enkash.server.stop()
    decide(browser("reviewer"), invoice)
    outbound = wait_until(
        lambda: OutboundMessage.objects.filter(
            object_id=draft.object_id, attempt_count__gte=2
        ).first(),
        stack=world,
    )
    assert outbound.state in ("pending", "sending")
    assert Invoice.objects.get(pk=invoice.pk).status == "SENT_TO_BUYER"  # pending, unchanged
    world.enkash.server.start()
    invoice, outbound = assert_accepted_once(world, draft)
    attempts = list(outbound.attempts.order_by("started_at", "id"))
    assert [a.status_code for a in attempts[:-1]] == [None] * (len(attempts) - 1)
    assert all(a.error for a in attempts[:-1])
    assert attempts[-1].status_code == 200
    assert {a.request_headers["X-Request-Id"] for a in attempts} == {outbound.req_msg_id}


def test_5xx_answers_are_retried_and_delivered_once(world, browser):
    draft, invoice = supplier_sends(world, 16)
    world.enkash.server.faults.fail_next(2, status=503)
    decide(browser("reviewer"), invoice)
    invoice, outbound = assert_accepted_once(world, draft)
    assert [r.status for r in confirms(world)] == [503, 503, 200]
    assert list(outbound.attempts.values_list("status_code", flat=True)) == [503, 503, 200]


def test_a_network_refusal_leaves_the_invoice_as_it_was_and_shows_why(world, browser):
    draft, invoice = supplier_sends(world, 17)
    # The supplier cancels on the network; the app hears of it only much later.
    world.enkash.network.deliver(
        scenarios.Step(scenarios.CANCEL, draft, remarks="Supply not made"), delay=600
    )
    decide(browser("reviewer"), invoice)
    invoice = wait_until(lambda: settled(draft.object_id), stack=world)
    assert (invoice.status, invoice.last_error_code, invoice.last_error_field) == (
        "SENT_TO_BUYER",
        "INVALID_STATE",
        "invoiceConfirmation.statusTransition.currentStatus",
    )
    [outbound] = OutboundMessage.objects.filter(object_id=draft.object_id)
    assert (outbound.state, outbound.result, outbound.error_code) == (
        "answered",
        "FAILURE",
        "INVALID_STATE",
    )
    assert len(confirms(world)) == 1
    assert [(kind, to) for kind, _a, _f, to, _v, _s in trail(invoice)] == [
        ("applied", "SENT_TO_BUYER"),
        ("requested", "ACCEPTED"),
        ("refused", "SENT_TO_BUYER"),
    ]


def test_a_request_refused_at_the_door_fails_once_and_is_not_retried(world, browser):
    draft, invoice = supplier_sends(world, 18)
    world.enkash.server.faults.refuse_next(
        1,
        code="INVALID_FIELD",
        detail="Remarks not allowed",
        field="invoiceConfirmation.buyerRemarks",
    )
    decide(browser("reviewer"), invoice)
    outbound = wait_until(
        lambda: OutboundMessage.objects.filter(object_id=draft.object_id, state="failed").first(),
        stack=world,
    )
    assert (outbound.error_code, outbound.error_field) == (
        "INVALID_FIELD",
        "invoiceConfirmation.buyerRemarks",
    )
    assert [r.status for r in confirms(world)] == [400]
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.status == "SENT_TO_BUYER"
    assert world.enkash.network.status_of(draft.object_id) == ("SENT_TO_BUYER", 1)


def test_an_invoice_we_send_is_taken_by_the_network_and_accepted_by_its_buyer(world, browser):
    world.enkash.network.play_buyers = True
    world.enkash.network.buyer_delay = 0.3
    world.enkash.network.buyer_policy = {"ACCEPT": 1.0}
    buyer = COUNTERPARTIES[4]
    ours = create_invoice(
        Business.objects.get(b2b_id=OUR_BUSINESSES[0].b2b_id),
        {
            "buyer": {
                "b2b_id": buyer.b2b_id,
                "gstin": buyer.gstin,
                "legal_name": buyer.legal_name,
                "state_code": buyer.state_code,
            },
            "supplier_invoice_number": "SEW/26-27/00042",
            "invoice_date": DAY,
            "due_date": date(2026, 12, 20),
            "items": [
                {
                    "description": "CNC machined flange",
                    "hsn_code": "8487",
                    "quantity": "40",
                    "unit": "NOS",
                    "unit_price": "1250.00",
                    "gst_rate": "18",
                }
            ],
        },
    )
    page = f"/admin/invoices/invoice/{ours.pk}/change/"
    answer = browser("admin").post_form(
        page, f"/admin/invoices/invoice/{ours.pk}/send/", {"version": 1}
    )
    assert answer.status_code == 302
    invoice = wait_until(
        lambda: Invoice.objects.filter(pk=ours.pk, status="ACCEPTED").first(), stack=world
    )
    [sent] = [r for r in world.enkash.server.received if r.path.endswith("req-send-invoice")]
    assert sent.status == 200
    assert sent.body["invoice"]["objectId"] == ours.object_id
    assert world.enkash.network.status_of(ours.object_id) == ("ACCEPTED", 1)
    [outbound] = OutboundMessage.objects.filter(object_id=ours.object_id)
    assert (outbound.message_type, outbound.state, outbound.result) == (
        "invoice.send",
        "answered",
        "SUCCESS",
    )
    assert [(c.kind, c.to_status, c.source) for c in invoice.status_changes.all()] == [
        ("applied", "CREATED", "staff"),
        ("requested", "SENT_TO_BUYER", "staff"),
        ("applied", "SENT_TO_BUYER", "staff"),
        ("applied", "ACCEPTED", "network"),
    ]
