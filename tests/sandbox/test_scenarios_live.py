"""Scenarios played against the real app (its live server and inbox, the test database)."""

from datetime import date

import pytest

from b2bportal.network.models import InboundMessage
from b2bportal.sandbox import orders, payloads, scenarios
from b2bportal.sandbox.data import OUR_BUSINESSES
from invoices.choices import FindingCode
from invoices.models import Finding, Invoice
from purchase_orders.choices import FindingCode as OrderFindingCode
from purchase_orders.models import PurchaseOrder, PurchaseOrderFinding

from .conftest import SIGNING_SECRET, WEBHOOK_TOKEN

DAY = date(2026, 11, 20)
FINDING_OF = {
    payloads.LINE_ARITHMETIC: FindingCode.LINE_AMOUNT,
    payloads.LINE_TAX: FindingCode.LINE_TAX,
    payloads.WRONG_TOTALS: FindingCode.TOTALS,
    payloads.IGST_INTRA_STATE: FindingCode.TAX_TYPE,
    payloads.BAD_GSTIN_CHECK: FindingCode.GSTIN_CHECK_DIGIT,
    payloads.GSTIN_STATE_MISMATCH: FindingCode.GSTIN_STATE,
    payloads.DUE_BEFORE_INVOICE: FindingCode.DUE_BEFORE_INVOICE,
    payloads.REPEATED_NUMBER: FindingCode.DUPLICATE_NUMBER,
}
ORDER_FINDING_OF = {
    payloads.LINE_ARITHMETIC: OrderFindingCode.LINE_AMOUNT,
    payloads.LINE_TAX: OrderFindingCode.LINE_TAX,
    payloads.WRONG_TOTALS: OrderFindingCode.TOTALS,
    payloads.IGST_INTRA_STATE: OrderFindingCode.TAX_TYPE,
    payloads.BAD_GSTIN_CHECK: OrderFindingCode.GSTIN_CHECK_DIGIT,
    orders.DELIVERY_BEFORE_ORDER: OrderFindingCode.DELIVERY_BEFORE_ORDER,
}

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def app(live_server, settings):
    """The live app, authenticating webhooks as in production, with our businesses registered."""
    settings.ENKASH_WEBHOOK_TOKEN = WEBHOOK_TOKEN
    settings.ENKASH_WEBHOOK_SIGNING_SECRET = SIGNING_SECRET
    settings.ENKASH_WEBHOOK_ALLOWED_IPS = []
    assert scenarios.register_in_process() == [b.b2b_id for b in OUR_BUSINESSES]
    return live_server


def findings_by_invoice() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for finding in Finding.objects.select_related("version__invoice"):
        found.setdefault(finding.version.invoice.object_id, set()).add(finding.code)
    return found


def test_demo_day_arrives_through_the_inbox_with_the_findings_meant(app, make_enkash):
    enkash = make_enkash(app.url)
    played = enkash.play("demo-day", today=DAY, pace=0)
    assert [d.status for d in played.deliveries] == [200] * len(played.steps)
    sends = [step for step in played.steps if step.kind == scenarios.SEND]
    assert Invoice.objects.count() == len(sends) == 20
    expected = {
        step.draft.object_id: {FINDING_OF[m] for m in step.draft.mistakes}
        for step in sends
        if step.draft.mistakes
    }
    assert findings_by_invoice() == expected
    edit = next(step for step in played.steps if step.kind == scenarios.EDIT)
    cancel = next(step for step in played.steps if step.kind == scenarios.CANCEL)
    edited = Invoice.objects.get(object_id=edit.draft.object_id)
    assert (edited.version, edited.total_value) == (2, edit.draft.total)
    assert Invoice.objects.get(object_id=cancel.draft.object_id).status == "CANCELLED"
    assert Invoice.objects.filter(status="SENT_TO_BUYER").count() == 19
    # Buyers' purchase orders: each mistake caught, the edit applied, the cancel too.
    placed = [step for step in played.steps if step.kind == scenarios.PO_SEND]
    assert PurchaseOrder.objects.filter(role="supplier").count() == len(placed) == 10
    found: dict[str, set[str]] = {}
    for finding in PurchaseOrderFinding.objects.select_related("version__purchase_order"):
        found.setdefault(finding.version.purchase_order.object_id, set()).add(finding.code)
    assert found == {
        step.draft.object_id: {ORDER_FINDING_OF[m] for m in step.draft.mistakes}
        for step in placed
        if step.draft.mistakes
    }
    order_edit = next(step for step in played.steps if step.kind == scenarios.PO_EDIT)
    order_cancel = next(step for step in played.steps if step.kind == scenarios.PO_CANCEL)
    edited_order = PurchaseOrder.objects.get(object_id=order_edit.draft.object_id)
    assert (edited_order.version, edited_order.total_value) == (2, order_edit.draft.total)
    cancelled = PurchaseOrder.objects.get(object_id=order_cancel.draft.object_id)
    assert cancelled.status == "CANCELLED"
    # Played again (same seed, same day): every message is a duplicate, nothing changes.
    again = make_enkash(app.url).play("demo-day", today=DAY, pace=0)
    assert [d.status for d in again.deliveries] == [200] * len(again.steps)
    assert Invoice.objects.count() == 20
    assert PurchaseOrder.objects.count() == 10
    assert InboundMessage.objects.filter(outcome="duplicate").count() == len(again.steps)


def test_duplicates_apply_once(app, make_enkash):
    played = make_enkash(app.url).play("duplicates", today=DAY, pace=0)
    assert len(played.deliveries) == 2 * len(played.steps)
    assert all(d.ok for d in played.deliveries)
    assert Invoice.objects.count() == 4
    assert InboundMessage.objects.filter(outcome="duplicate").count() == len(played.steps)
    edit = played.steps[-1].draft
    assert Invoice.objects.get(object_id=edit.object_id).version == 2


def test_out_of_order_versions_end_at_the_last_one(app, make_enkash):
    played = make_enkash(app.url, seed=1).play("out-of-order", today=DAY)
    arrived = [
        (d.body["invoice"]["objectId"], d.body["invoice"]["objectVersion"]["newVersion"])
        for d in played.deliveries
    ]
    meant = [(s.draft.object_id, s.draft.version) for s in played.steps]
    assert sorted(arrived) == sorted(meant) and arrived != meant  # all came, not in order
    for step in played.steps:
        invoice = Invoice.objects.get(object_id=step.draft.object_id)
        assert invoice.version == 3
    last = played.steps[-1].draft
    assert Invoice.objects.get(object_id=last.object_id).total_value == last.total
