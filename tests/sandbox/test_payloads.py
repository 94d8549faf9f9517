"""Scenario bodies: repeatable for a seed, accepted by the app's serializers, mistakes as meant."""

import json
import random
from datetime import date
from decimal import Decimal

import pytest

from b2bportal.network.wire import parse
from b2bportal.parties import gstin
from b2bportal.sandbox import payloads, scenarios
from b2bportal.sandbox.data import COUNTERPARTIES, OUR_BUSINESSES
from invoices import wire
from invoices.handlers import StatusChangeRequestSerializer

DAY = date(2026, 11, 20)


def canonical(body: dict) -> dict:
    """The app's canonical content for an invoice body of either shape."""
    block = body["invoice"]
    if wire.is_internal(block):
        validated = parse(wire.InternalInvoiceSerializer, block, "invoice")
        return wire.internal_content(validated, block, body["b2bIds"])
    return wire.network_content(parse(wire.NetworkInvoiceSerializer, block, "invoice"), block)


@pytest.mark.parametrize("name", sorted(scenarios.SCENARIOS))
def test_a_scenario_is_the_same_for_the_same_seed(name):
    first = [json.dumps(step.body, sort_keys=True) for step in scenarios.build(name, 3, DAY)]
    again = [json.dumps(step.body, sort_keys=True) for step in scenarios.build(name, 3, DAY)]
    other = [json.dumps(step.body, sort_keys=True) for step in scenarios.build(name, 4, DAY)]
    assert first == again
    assert first != other


@pytest.mark.parametrize("name", sorted(scenarios.SCENARIOS))
def test_every_body_is_read_by_the_app(name):
    for step in scenarios.build(name, 0, DAY):
        if step.kind in scenarios.ORDER_KINDS:
            continue  # purchase orders: tests/sandbox/test_orders.py
        if step.kind == scenarios.CANCEL:
            block = parse(StatusChangeRequestSerializer, step.body)["invoiceStatus"]
            assert block["supplierAction"] == "CANCEL"
            continue
        content = canonical(step.body)
        draft = step.draft
        assert content["object_id"] == draft.object_id
        assert content["supplier_invoice_number"] == draft.number
        assert content["total_value"] == draft.total
        assert len(content["items"]) == len(draft.lines)
        if step.shape != payloads.INTERNAL:
            assert content["version"] == draft.version
            assert content["invoice_date"] == draft.invoice_date
            assert content["due_date"] == draft.due_date


def test_demo_day_uses_every_shape_and_every_mistake():
    steps = [s for s in scenarios.build("demo-day", 0, DAY) if s.kind not in scenarios.ORDER_KINDS]
    kinds = [step.kind for step in steps]
    assert kinds.count("send") == 12 + len(payloads.MISTAKES)
    assert kinds.count("edit") == kinds.count("cancel") == 1
    assert {step.shape for step in steps} == set(payloads.SHAPES)
    assert sorted(m for step in steps for m in step.draft.mistakes) == sorted(payloads.MISTAKES)
    pairs = {(s.draft.supplier.state_code == s.draft.buyer.state_code) for s in steps}
    assert pairs == {True, False}  # intra- and inter-state supplies both occur


def draw(mistakes=(), supplier=COUNTERPARTIES[0], buyer=OUR_BUSINESSES[0], used=None):
    return payloads.draw_invoice(
        random.Random(5),
        supplier,
        buyer,
        today=DAY,
        sequence=1,
        mistakes=mistakes,
        used_numbers=used,
    )


def test_a_clean_invoice_adds_up():
    intra = draw()
    inter = draw(buyer=OUR_BUSINESSES[1])
    for draft in (intra, inter):
        for line in draft.lines:
            assert line.amount == payloads.money(line.quantity * line.product.unit_price)
            assert abs(line.tax - line.amount * line.product.gst_rate / 100) <= Decimal("0.01")
        assert draft.total == draft.assessable + draft.cgst + draft.sgst + draft.igst
    assert intra.igst == 0 and intra.cgst == intra.sgst > 0
    assert inter.cgst == inter.sgst == 0 and inter.igst > 0
    assert gstin.has_valid_check_digit(intra.supplier_gstin)


def test_each_mistake_breaks_exactly_its_rule():
    clean = draw()
    wrong_line = draw((payloads.LINE_ARITHMETIC,)).lines[0]
    assert wrong_line.amount != payloads.money(wrong_line.quantity * wrong_line.product.unit_price)
    wrong_tax = draw((payloads.LINE_TAX,)).lines[0]
    assert wrong_tax.tax - wrong_tax.amount * wrong_tax.product.gst_rate / 100 == Decimal("3.00")
    assert draw((payloads.WRONG_TOTALS,)).total != clean.total
    igst = draw((payloads.IGST_INTRA_STATE,))
    assert igst.intra_state and igst.igst > 0 and igst.cgst == 0
    bad = draw((payloads.BAD_GSTIN_CHECK,)).supplier_gstin
    assert gstin.is_well_formed(bad) and not gstin.has_valid_check_digit(bad)
    moved = draw((payloads.GSTIN_STATE_MISMATCH,))
    assert gstin.has_valid_check_digit(moved.supplier_gstin)
    assert gstin.state_code(moved.supplier_gstin) != moved.supplier_state_code
    late = draw((payloads.DUE_BEFORE_INVOICE,))
    assert late.due_date < late.invoice_date
    assert draw((payloads.REPEATED_NUMBER,), used=["KAL/26-27/00007"]).number == "KAL/26-27/00007"


def test_an_edit_is_the_next_version_with_the_same_identity():
    first = draw()
    second = payloads.edited(first, random.Random(1))
    assert (second.object_id, second.number, second.version) == (first.object_id, first.number, 2)
    assert second.lines[-1].quantity > first.lines[-1].quantity
    body = payloads.edit_invoice_body(second, payloads.NETWORK)["invoice"]
    assert body["objectVersion"] == {"currentVersion": 1, "newVersion": 2}
