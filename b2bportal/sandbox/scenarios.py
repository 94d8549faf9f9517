"""Named, seeded, repeatable scripts of traffic from the sandbox to the app.

A scenario is built into a list of `Step`s (a supplier sends, edits or cancels an
invoice addressed to one of our businesses) from a seed and a day: the same seed
and day give the same bodies, byte for byte. `play` registers our businesses with
the app, applies the scenario's faults, and delivers the steps through the real
webhook paths (via `Network`, so the network's ledger knows every invoice).

    demo-day       a morning's invoices in both shapes (and the internal one wrapping
                   the network invoice), a share with mistakes our
                   findings catch, an edit and a cancellation; buyers' purchase
                   orders to our businesses (clean, and one per mistake), an edit
                   and a cancellation; and our own orders placed with suppliers,
                   who accept and invoice them; no faults
    duplicates     every webhook delivered twice
    out-of-order   invoices followed by their edits, deliveries overtaking each other
    enkash-down    the network refuses connections for a while (our calls must wait
                   and retry), then comes back
    refusals       the network refuses or fails a share of our requests, and one
                   invoice is cancelled by its supplier while staff look at it
"""

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import httpx

from b2bportal.processes import wait_until_answers

from . import orders, payloads
from .data import COUNTERPARTIES, OUR_BUSINESSES, Business
from .orders import PurchaseOrderDraft
from .payloads import INTERNAL, NETWORK, SHAPES, WRAPPED, InvoiceDraft

logger = logging.getLogger(__name__)

SEND, EDIT, CANCEL = "send", "edit", "cancel"
# A buyer's purchase order to one of our businesses: sent, edited, cancelled.
PO_SEND, PO_EDIT, PO_CANCEL = "po_send", "po_edit", "po_cancel"
ORDER_KINDS = (PO_SEND, PO_EDIT, PO_CANCEL)
NEEDS_PARTIES = {
    payloads.IGST_INTRA_STATE,
    payloads.BAD_GSTIN_CHECK,
    payloads.GSTIN_STATE_MISMATCH,
    payloads.LINE_TAX,
}


@dataclass
class Step:
    """One message a counterparty sends: `kind` of `draft` (an invoice, or for the `po_*`
    kinds a purchase order) in `shape`, `pause` s after the last.

    `late` delays only the delivery: the network has applied the step already, the app
    hears of it `late` seconds afterwards (a webhook stuck in EnKash's queue).
    """

    kind: str
    draft: InvoiceDraft | PurchaseOrderDraft
    shape: str = NETWORK
    remarks: str = ""
    pause: float = 0.0
    late: float = 0.0

    @property
    def path(self) -> str:
        return {
            SEND: "/api/v0/invoice/req-send-invoice",
            EDIT: "/api/v0/invoice/req-edit-invoice",
            CANCEL: "/api/v0/invoice/req-status-change-invoice",
            PO_SEND: "/api/v0/purchase-order/req-send",
            PO_EDIT: "/api/v0/purchase-order/req-edit",
            PO_CANCEL: "/api/v0/purchase-order/req-status-change",
        }[self.kind]

    @property
    def body(self) -> dict:
        if self.kind in (PO_SEND, PO_EDIT):
            return orders.send_po_body(self.draft)
        if self.kind == PO_CANCEL:
            return orders.po_status_body(self.draft, "CANCEL", self.remarks)
        if self.kind == SEND:
            return payloads.send_invoice_body(self.draft, self.shape)
        if self.kind == EDIT:
            return payloads.edit_invoice_body(self.draft, self.shape)
        return payloads.status_change_body(self.draft, "CANCEL", self.remarks, "CANCELLED")


@dataclass(frozen=True)
class Scenario:
    """A named script: how to build its steps and the faults it runs with."""

    name: str
    description: str
    build: Callable[[random.Random, date], list[Step]]
    faults: str = ""  # a FaultPlan text, e.g. "duplicate=1"
    down_seconds: float = 0.0  # enkash-down: how long the HTTP core refuses connections
    # Orders our own staff place with the sandbox's suppliers before the traffic starts.
    our_orders: Callable[[random.Random, date], list[PurchaseOrderDraft]] | None = None


class Suppliers:
    """Draws invoices from the sandbox's suppliers, keeping each one's numbers in sequence."""

    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        # Each run of a scenario numbers its invoices from its own point in the series.
        self.sequence = rng.randrange(1000, 90000, 100)
        self.numbers: dict[str, list[str]] = {}

    def invoice(self, supplier: Business, buyer: Business, mistakes=()) -> InvoiceDraft:
        self.sequence += 1
        used = self.numbers.setdefault(supplier.b2b_id, [])
        draft = payloads.draw_invoice(
            self.rng,
            supplier,
            buyer,
            today=self.today,
            sequence=self.sequence,
            mistakes=tuple(mistakes),
            used_numbers=used,
        )
        used.append(draft.number)
        return draft

    def any_pair(self) -> tuple[Business, Business]:
        return self.rng.choice(COUNTERPARTIES), self.rng.choice(OUR_BUSINESSES)

    def order(self, buyer: Business, supplier: Business, mistakes=()) -> PurchaseOrderDraft:
        self.sequence += 1
        return orders.draw_purchase_order(
            self.rng,
            buyer,
            supplier,
            today=self.today,
            sequence=self.sequence,
            mistakes=tuple(mistakes),
        )


def _buyers_orders(suppliers: Suppliers) -> list[Step]:
    """Buyers' purchase orders to our businesses: four clean, one per mistake our findings
    catch, then one edited and one cancelled by its buyer."""
    steps = [
        Step(
            PO_SEND,
            suppliers.order(COUNTERPARTIES[index], OUR_BUSINESSES[index % 3]),
            pause=0.2,
        )
        for index in range(4)
    ]
    for index, mistake in enumerate(orders.PO_MISTAKES):
        buyer, supplier = COUNTERPARTIES[(index + 4) % len(COUNTERPARTIES)], OUR_BUSINESSES[0]
        if mistake == payloads.IGST_INTRA_STATE:
            buyer = COUNTERPARTIES[0]  # Maharashtra, as our first unit: an intra-state supply
        steps.append(Step(PO_SEND, suppliers.order(buyer, supplier, (mistake,)), pause=0.2))
    steps.append(
        Step(PO_EDIT, orders.edited_purchase_order(steps[1].draft, suppliers.rng), pause=0.3)
    )
    steps.append(
        Step(PO_CANCEL, steps[2].draft, remarks="Requirement dropped, order cancelled", pause=0.3)
    )
    return steps


def _demo_day(rng: random.Random, today: date) -> list[Step]:
    suppliers = Suppliers(rng, today)
    steps: list[Step] = []
    # Twelve clean invoices, alternating shapes, from every supplier to our three units.
    for index in range(12):
        supplier = COUNTERPARTIES[index % len(COUNTERPARTIES)]
        buyer = OUR_BUSINESSES[index % len(OUR_BUSINESSES)]
        shape = SHAPES[index % len(SHAPES)]
        steps.append(Step(SEND, suppliers.invoice(supplier, buyer), shape, pause=0.2))
    # One invoice for each mistake our findings catch.
    for index, mistake in enumerate(payloads.MISTAKES):
        supplier, buyer = suppliers.any_pair()
        if mistake == payloads.IGST_INTRA_STATE:
            # An intra-state pair: a supplier in the same state as one of our units.
            supplier, buyer = COUNTERPARTIES[0], OUR_BUSINESSES[0]  # both Maharashtra
        if mistake == payloads.REPEATED_NUMBER:
            supplier = steps[0].draft.supplier
        # Mistakes in parties or taxes need the parties on the wire: not the bare internal shape.
        shape = (NETWORK, WRAPPED)[index % 2] if mistake in NEEDS_PARTIES else SHAPES[index % 3]
        steps.append(Step(SEND, suppliers.invoice(supplier, buyer, (mistake,)), shape, pause=0.2))
    # A supplier revises one invoice and cancels another.
    steps.append(Step(EDIT, payloads.edited(steps[2].draft, rng), steps[2].shape, pause=0.3))
    steps.append(
        Step(
            CANCEL,
            steps[4].draft,
            remarks=f"Raised in error, duplicate of {steps[3].draft.number}",
            pause=0.3,
        )
    )
    return steps + _buyers_orders(suppliers)


def _demo_orders(rng: random.Random, today: date) -> list[PurchaseOrderDraft]:
    """Three orders of ours, one from each unit, to suppliers who sell what is ordered."""
    suppliers = Suppliers(rng, today)
    suppliers.sequence = 77000  # our own series of PO numbers
    return [
        suppliers.order(OUR_BUSINESSES[index], COUNTERPARTIES[(0, 2, 1)[index]])
        for index in range(len(OUR_BUSINESSES))
    ]


def _duplicates(rng: random.Random, today: date) -> list[Step]:
    suppliers = Suppliers(rng, today)
    steps = []
    for index in range(4):
        supplier, buyer = suppliers.any_pair()
        steps.append(
            Step(
                SEND,
                suppliers.invoice(supplier, buyer),
                NETWORK if index % 2 == 0 else INTERNAL,
                pause=0.2,
            )
        )
    steps.append(Step(EDIT, payloads.edited(steps[0].draft, rng), NETWORK, pause=0.3))
    return steps


def _out_of_order(rng: random.Random, today: date) -> list[Step]:
    suppliers = Suppliers(rng, today)
    steps = []
    for _ in range(3):
        supplier, buyer = suppliers.any_pair()
        first = suppliers.invoice(supplier, buyer)
        second = payloads.edited(first, rng)
        steps.append(Step(SEND, first, NETWORK, pause=0.2))
        steps.append(Step(EDIT, second, NETWORK, pause=0.1))
        steps.append(Step(EDIT, payloads.edited(second, rng), NETWORK, pause=0.1))
    return steps


def _enkash_down(rng: random.Random, today: date) -> list[Step]:
    suppliers = Suppliers(rng, today)
    return [
        Step(SEND, suppliers.invoice(*suppliers.any_pair()), NETWORK, pause=0.2) for _ in range(4)
    ]


def _refusals(rng: random.Random, today: date) -> list[Step]:
    suppliers = Suppliers(rng, today)
    steps = [
        Step(SEND, suppliers.invoice(*suppliers.any_pair()), NETWORK, pause=0.2) for _ in range(4)
    ]
    # Cancelled on the network at once, but the app hears of it only minutes later:
    # a reviewer who accepts it meanwhile gets the network's INVALID_STATE.
    steps.append(
        Step(CANCEL, steps[0].draft, remarks="Supply not made, cancelling", pause=0.5, late=300.0)
    )
    return steps


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "demo-day",
            "A day's invoices and purchase orders, some with mistakes; our orders invoiced",
            _demo_day,
            our_orders=_demo_orders,
        ),
        Scenario("duplicates", "Every webhook delivered twice", _duplicates, "duplicate=1"),
        Scenario(
            "out-of-order",
            "Edits overtaking the versions before them",
            _out_of_order,
            "reorder=0.5",
        ),
        Scenario(
            "enkash-down",
            "The network is unreachable for a while, then back",
            _enkash_down,
            down_seconds=20.0,
        ),
        Scenario(
            "refusals",
            "A share of our requests refused or failed; a late cancellation",
            _refusals,
            "refuse=0.25,fail=0.25",
        ),
    )
}


def build(name: str, seed: int = 0, today: date | None = None) -> list[Step]:
    """The steps of scenario `name` for `seed` and `today` (repeatable)."""
    scenario = SCENARIOS[name]
    return scenario.build(random.Random(f"{name}-{seed}"), today or date.today())


def our_orders(name: str, seed: int = 0, today: date | None = None) -> list[PurchaseOrderDraft]:
    """The orders our staff place in scenario `name` (repeatable; none for most)."""
    scenario = SCENARIOS[name]
    if scenario.our_orders is None:
        return []
    return scenario.our_orders(random.Random(f"{name}-orders-{seed}"), today or date.today())


def place_in_process(drafts: list[PurchaseOrderDraft]) -> list[str]:
    """Create and send our orders `drafts` as staff would (same process and database as
    the app); an order whose number our business already holds is left as it is.
    Returns the objectIds of the orders placed now."""
    from b2bportal.parties.models import Business as OurBusiness
    from purchase_orders import services
    from purchase_orders.models import PurchaseOrder

    placed = []
    for draft in drafts:
        data = orders.order_data(draft)
        business = OurBusiness.objects.get(b2b_id=data.pop("business"))
        if PurchaseOrder.objects.filter(business=business, po_number=draft.number).exists():
            continue
        order = services.create_purchase_order(business, data)
        services.send_purchase_order(order)
        placed.append(order.object_id)
    return placed


def _as_json(data: dict) -> dict:
    """An order's data with its dates and numbers as the REST API reads them."""
    texts = ("quantity", "unit_price", "gst_rate")
    return {
        **data,
        "order_date": data["order_date"].isoformat(),
        "delivery_date": data["delivery_date"].isoformat(),
        "items": [{**item, **{key: str(item[key]) for key in texts}} for item in data["items"]],
    }


def place_via_api(app_url: str, api_token: str, drafts: list[PurchaseOrderDraft]) -> list[str]:
    """The same through the REST API (`POST /api/purchase-orders/`, then `/send/`)."""
    placed = []
    headers = {"Authorization": f"Token {api_token}"}
    with httpx.Client(base_url=app_url.rstrip("/"), headers=headers, timeout=10) as client:
        for draft in drafts:
            held = client.get(
                "/api/purchase-orders/",
                params={"po_number": draft.number, "buyer_b2b_id": draft.buyer.b2b_id},
            )
            if held.status_code == 200 and held.json()["results"]:
                continue
            created = client.post("/api/purchase-orders/", json=_as_json(orders.order_data(draft)))
            if created.status_code != 201:
                raise RuntimeError(f"placing {draft.number}: {created.status_code} {created.text}")
            order = created.json()
            sent = client.post(f"/api/purchase-orders/{order['id']}/send/", json={})
            if sent.status_code != 202:
                raise RuntimeError(f"sending {draft.number}: {sent.status_code} {sent.text}")
            placed.append(order["object_id"])
    return placed


# -- playing against a running app -------------------------------------------------------------
def wait_until_healthy(app_url: str, timeout: float = 120.0) -> None:
    """Wait for the app's `GET /healthz` to answer 200 (TimeoutError after `timeout` s)."""
    wait_until_answers(app_url.rstrip("/") + "/healthz", timeout)


def business_fields(business: Business) -> dict:
    """Our business as `/api/businesses/` takes it."""
    return {
        "b2b_id": business.b2b_id,
        "gstin": business.gstin,
        "legal_name": business.legal_name,
        "trade_name": business.trade_name,
        "state_code": business.state_code,
    }


def register_via_api(app_url: str, api_token: str) -> list[str]:
    """Register our demo businesses through the REST API; an existing one is left as it is."""
    done = []
    headers = {"Authorization": f"Token {api_token}"}
    with httpx.Client(base_url=app_url.rstrip("/"), headers=headers, timeout=10) as client:
        for business in OUR_BUSINESSES:
            response = client.post("/api/businesses/", json=business_fields(business))
            if response.status_code == 201:
                done.append(business.b2b_id)
            elif response.status_code != 400 or "b2b_id" not in response.text:
                raise RuntimeError(
                    f"registering {business.b2b_id}: {response.status_code} {response.text[:300]}"
                )
    return done


def register_in_process() -> list[str]:
    """Register our demo businesses straight in the database (same process as the app's code)."""
    from b2bportal.parties.models import Business as OurBusiness

    done = []
    for business in OUR_BUSINESSES:
        fields = business_fields(business)
        _obj, created = OurBusiness.objects.get_or_create(
            b2b_id=fields.pop("b2b_id"), defaults=fields
        )
        if created:
            done.append(business.b2b_id)
    return done


@dataclass
class Played:
    """What a scenario run delivered."""

    scenario: str
    steps: list[Step]
    deliveries: list = field(default_factory=list)

    def summary(self) -> str:
        sent = [d for d in self.deliveries if not d.lost]
        ok = sum(1 for d in sent if d.ok)
        lost = len(self.deliveries) - len(sent)
        return (
            f"scenario {self.scenario}: {len(self.steps)} steps, {len(sent)} webhooks "
            f"delivered ({ok} answered 2xx), {lost} lost"
        )


def play(
    network,
    name: str,
    *,
    seed: int = 0,
    today: date | None = None,
    server=None,
    wait: bool = True,
    timeout: float = 60.0,
    pace: float = 1.0,
    down_seconds: float | None = None,
) -> Played:
    """Deliver scenario `name` through `network` (faults set on its plan beforehand).

    With `server` given and the scenario an outage, the HTTP core refuses
    connections for `down_seconds` (the scenario's unless given) from the start, then
    comes back. `pace` scales the pauses between steps (0: as fast as the app takes
    them, order kept).
    """
    scenario = SCENARIOS[name]
    steps = build(name, seed, today)
    down = scenario.down_seconds if down_seconds is None else down_seconds
    if server is not None and down:
        server.stop()
        timer = threading.Timer(down, server.start)
        timer.daemon = True
        timer.start()
    clock = horizon = 0.0
    for step in steps:
        clock += step.pause * pace
        network.deliver(step, delay=clock + step.late)
        if not step.late:
            horizon = clock
    played = Played(name, steps)
    if wait:
        # Late steps are meant to stay pending; wait for the others only.
        deadline = time.monotonic() + horizon + timeout
        while network.sender.pending() > sum(1 for step in steps if step.late):
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
    played.deliveries = list(network.sender.deliveries)
    return played
