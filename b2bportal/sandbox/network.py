"""The network's behaviour: what EnKash and NBBL do with the app's requests, and what
the counterparties do on their own.

`Network.on_request` is the hook of the HTTP core (`server.SandboxServer`). For each
request of the app it

1. checks the fields the network needs and refuses a bad one at once
   (`SandboxRefusal`: 4xx with errorCd / errorDtl / errorField);
2. acknowledges the request, then, after `result_delay` seconds, POSTs the matching
   `resp-*` webhook back to the app carrying the request's `reqMsgId`, `result`
   SUCCESS or FAILURE, and the transition the network applied. Rule breaks the
   network finds against its own ledger (an unknown invoice, a stale version, a
   status the action is not allowed from, the wrong party) come back as FAILURE
   results, as the real network reports them asynchronously;
3. plays the counterparty: an invoice the app sends is confirmed by its buyer
   (accept, reject or return, drawn from `buyer_policy`) after `buyer_delay`, and a
   purchase order the app sends by its supplier (drawn from `supplier_policy`); a
   supplier that accepted an order then invoices it (`invoice_orders`), for a share
   of each line taken in turn from `order_invoice_shares` (below 1 within the order,
   above 1 beyond it).

The ledger is the network's own view of every invoice and purchase order: status and
version. It learns the documents the sandbox's counterparties send, and those the app
sends. With `strict=False` (the default) a document it never saw is learnt from the
request that names it, so the sandbox can be restarted beside a running app.
"""

import logging
import random
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from b2bportal.network.messages import ROUTES, Action
from b2bportal.network.wire import carried_req_msg_id

from . import orders, payloads
from .data import business_by_b2b_id
from .faults import FaultPlan
from .server import SandboxRefusal
from .webhooks import Delivery, WebhookSender

logger = logging.getLogger(__name__)

OBJECT_ID = re.compile(r"^INV[A-Za-z0-9]{32}$")
# PROTOCOL.md §3: a purchase order's prefix is undocumented; any 3 capitals + 32.
ANY_OBJECT_ID = re.compile(r"^[A-Z]{3}[A-Za-z0-9]{32}$")
TEXT = re.compile(r'^[^"\\]{1,100}$')
BUYER_RESPONSES = {"ACCEPT": "ACCEPTED", "REJECT": "REJECTED", "RETURN": "UNDER_REVIEW"}
SUPPLIER_ACTIONS = {"CANCEL": "CANCELLED", "DELETE": "DELETED"}

# The network's rule table: the statuses each action may start from.
CONFIRMABLE = {"SENT_TO_BUYER", "UNDER_REVIEW"}
EDITABLE_FROM = {"CREATED", "SENT_TO_BUYER", "UNDER_REVIEW", "ACCEPTED", "REJECTED"}
CANCELLABLE_FROM = EDITABLE_FROM
PO_CONFIRMABLE = {"SENT_TO_SUPPLIER", "UNDER_REVIEW"}
PO_EDITABLE_FROM = {
    "CREATED", "SENT_TO_SUPPLIER", "ACCEPTED", "REJECTED", "UNDER_REVIEW", "PARTIALLY_INVOICED",
}  # fmt: skip
# A buyer cancels an order before it is invoiced, and closes it once accepted.
PO_STATUS_CHANGEABLE_FROM = {
    "CANCEL": {"CREATED", "SENT_TO_SUPPLIER", "ACCEPTED", "REJECTED", "UNDER_REVIEW"},
    "CLOSE": {"ACCEPTED", "PARTIALLY_INVOICED", "FULLY_INVOICED"},
}


@dataclass(frozen=True)
class Family:
    """How the network reads one kind of document: its ids, number, transition key, who
    sends it, the status sending makes, and who answers it."""

    label: str
    object_id: re.Pattern
    id_keys: tuple[str, ...]  # where its objectId may be (the internal invoice: nbblInvoiceId)
    number_keys: tuple[str, ...]
    transition_key: str
    sender: str  # the side that sends, edits and status-changes it
    sent_status: str
    editable_from: set[str]
    confirmable: set[str]
    confirm_path: str  # where its counterparty's confirmation goes
    responses: dict[str, str]
    remarks: dict[str, tuple[str, ...]]


INVOICES = Family(
    "Invoice", OBJECT_ID, ("objectId", "nbblInvoiceId"),
    ("supplierInvoiceNumber", "supplierInvoiceNo"), "statusTransition", "supplier",
    "SENT_TO_BUYER", EDITABLE_FROM, CONFIRMABLE, "/api/v0/invoice/req-confirm-invoice",
    BUYER_RESPONSES, {},
)  # fmt: skip
PURCHASE_ORDERS = Family(
    "Purchase order", ANY_OBJECT_ID, ("objectId",), ("buyerPONumber",), "poStatusTransition",
    "buyer", "SENT_TO_SUPPLIER", PO_EDITABLE_FROM, PO_CONFIRMABLE,
    "/api/v0/purchase-order/req-confirm", orders.SUPPLIER_RESPONSES, orders.SUPPLIER_REMARKS,
)  # fmt: skip
FAMILIES = {"invoice": INVOICES, "purchase_order": PURCHASE_ORDERS}  # by Action.document


@dataclass(frozen=True)
class BlockRule:
    """How the network reads a confirmation or a status change: the block, its choice
    field and the status each choice leads to, the remarks field, who may ask, and the
    statuses the invoice may be in."""

    block: str
    choice: str
    moves: dict[str, str]
    remarks: str
    side: str
    allowed_from: set[str] | dict[str, set[str]]  # the statuses, or by choice
    family: Family = INVOICES

    def allowed(self, choice: str) -> set[str]:
        if isinstance(self.allowed_from, dict):
            return self.allowed_from[choice]
        return self.allowed_from


CONFIRM = BlockRule(
    "invoiceConfirmation", "buyerResponse", BUYER_RESPONSES, "buyerRemarks", "buyer", CONFIRMABLE
)
STATUS_CHANGE = BlockRule(
    "invoiceStatus",
    "supplierAction",
    SUPPLIER_ACTIONS,
    "supplierRemarks",
    "supplier",
    CANCELLABLE_FROM,
)
PO_CONFIRM = BlockRule(
    "poConfirmation", "supplierResponse", orders.SUPPLIER_RESPONSES, "supplierRemarks",
    "supplier", PO_CONFIRMABLE, PURCHASE_ORDERS,
)  # fmt: skip
PO_STATUS_CHANGE = BlockRule(
    "poStatus", "buyerAction", orders.BUYER_ACTIONS, "buyerRemarks", "buyer",
    PO_STATUS_CHANGEABLE_FROM, PURCHASE_ORDERS,
)  # fmt: skip


BUYER_REMARKS = {
    "ACCEPT": (
        "Goods received in good condition",
        "Services rendered as per contract",
        "Approved for payment",
    ),
    "REJECT": ("Rates differ from the purchase order", "Invoice raised on the wrong entity"),
    "RETURN": ("Quantity short by 2 units, please revise", "Please quote our PO number"),
}


@dataclass
class LedgerEntry:
    """The network's record of one invoice or purchase order."""

    object_id: str
    supplier_b2b_id: str
    buyer_b2b_id: str
    number: str
    version: int
    status: str
    invoice: dict = field(default_factory=dict)  # the latest network-shape document, if known
    history: list[tuple[str, str, int]] = field(default_factory=list)  # (from, to, version)
    family: Family = INVOICES

    def move(self, status: str, version: int | None = None) -> tuple[str, str]:
        old = self.status
        self.status = status
        if version is not None:
            self.version = version
        self.history.append((old, status, self.version))
        return old, status


@dataclass
class Decision:
    """What the network decided on one request of the app (kept for tests and the log)."""

    path: str
    req_msg_id: str
    object_id: str
    result: str
    error_code: str = ""
    transition: tuple[str, str] | None = None


class NetworkRuleBroken(Exception):
    """A request breaks a rule of the network's ledger: reported as a FAILURE result."""

    def __init__(self, code: str, detail: str, field: str):
        super().__init__(f"{code}: {detail}")
        self.error = (code, detail, field)


class Network:
    """EnKash, NBBL and the counterparties, as seen from the app."""

    def __init__(
        self,
        sender: WebhookSender,
        *,
        plan: FaultPlan | None = None,
        result_delay: float = 0.5,
        buyer_delay: float = 2.0,
        buyer_policy: dict[str, float] | None = None,
        supplier_policy: dict[str, float] | None = None,
        play_buyers: bool = True,
        invoice_orders: bool = True,
        strict: bool = False,
        seed: int = 0,
    ):
        self.sender = sender
        self.plan = plan or sender.faults
        self.result_delay = result_delay
        self.buyer_delay = buyer_delay
        self.buyer_policy = buyer_policy or {"ACCEPT": 0.7, "RETURN": 0.15, "REJECT": 0.15}
        self.supplier_policy = supplier_policy or {"ACCEPT": 0.8, "RETURN": 0.1, "REJECT": 0.1}
        self.play_buyers = play_buyers
        self.invoice_orders = invoice_orders
        self.order_invoice_shares = (Decimal("0.5"), Decimal("1.2"), Decimal("1"))
        self._orders_invoiced = 0
        self.strict = strict
        self.ledger: dict[str, LedgerEntry] = {}
        self.decisions: list[Decision] = []
        self._rng = random.Random(f"network-{seed}")
        self._lock = threading.RLock()

    # -- the hook of the HTTP core ---------------------------------------------------------
    def on_request(self, received) -> dict | None:
        """Decide on one request of the app; refuse it, or ack it and schedule its result."""
        route = ROUTES.get(received.path)
        body = received.body
        if route is None:
            return None
        if not isinstance(body, dict):
            raise SandboxRefusal("INVALID_JSON", "The body is not a JSON object", "")
        action = route.action
        req_msg_id = _req_msg_id(body, received.req_msg_id)
        if action.needs_b2b_ids:
            _require_b2b_ids(body)
        if not isinstance(body.get(action.body_block), dict | list):
            raise SandboxRefusal(
                "MISSING_FIELD", f"{action.body_block} is required", action.body_block
            )
        decide = {
            "invoice.confirm": self._confirm,
            "invoice.send": self._send,
            "invoice.edit": self._edit,
            "invoice.status_change": self._status_change,
            "purchase_order.send": self._send,
            "purchase_order.edit": self._edit,
            "purchase_order.confirm": lambda *args: self._decide_block(*args, PO_CONFIRM),
            "purchase_order.status_change": lambda *args: self._decide_block(
                *args, PO_STATUS_CHANGE
            ),
        }.get(action.name, self._acknowledge)
        with self._lock:
            decide(action, body, req_msg_id)
        return {"resp": payloads.resp_block(req_msg_id)}

    # -- the app as buyer ----------------------------------------------------------------------
    def _confirm(self, action: Action, body: dict, req_msg_id: str) -> None:
        self._decide_block(action, body, req_msg_id, CONFIRM)

    # -- the app as supplier ----------------------------------------------------------------
    def _send(self, action: Action, body: dict, req_msg_id: str) -> None:
        """An invoice (as supplier) or purchase order (as buyer) the app sends."""
        family, name = FAMILIES[action.document], action.body_block
        document = body[name]
        object_id, field_name = _document_object_id(document, family, name)
        number = _document_number(document, family, name)
        version = _invoice_version(document)

        def rule(entry: LedgerEntry | None):
            if entry is not None:
                raise NetworkRuleBroken(
                    "DUPLICATE_OBJECT", f"{family.label} {object_id} was already sent", field_name
                )
            ids = body["b2bIds"]
            entry = LedgerEntry(
                object_id,
                ids["supplierB2BId"],
                ids["buyerB2BId"],
                str(number),
                version,
                "CREATED",
                _network_copy(document),
                family=family,
            )
            self.ledger[object_id] = entry
            return entry.move(family.sent_status)

        entry = self._decide(action, body, req_msg_id, object_id, document, rule, create=True)
        if entry is not None and entry.status == family.sent_status:
            self._play_counterparty(entry)

    def _edit(self, action: Action, body: dict, req_msg_id: str) -> None:
        family, name = FAMILIES[action.document], action.body_block
        document = body[name]
        object_id, field_name = _document_object_id(document, family, name)
        if "objectVersion" in document:
            version = _version(document, name)
        else:  # EnKash's internal shape: its wrapped network invoice's version, else 1
            new = _invoice_version(document)
            version = new - 1, new

        def rule(entry: LedgerEntry):
            self._check_party(entry, body, family.sender)
            self._check_version(entry, version, name)
            if version[1] != entry.version + 1:
                raise NetworkRuleBroken(
                    "INVALID_VERSION",
                    f"An edit makes the next version ({entry.version + 1}), not {version[1]}",
                    f"{name}.objectVersion.newVersion",
                )
            self._check_status(entry, family.editable_from, name)
            entry.invoice = _network_copy(document)
            return entry.move(family.sent_status, version[1])

        entry = self._decide(action, body, req_msg_id, object_id, document, rule)
        if entry is not None and entry.status == family.sent_status:
            self._play_counterparty(entry)

    def _status_change(self, action: Action, body: dict, req_msg_id: str) -> None:
        self._decide_block(action, body, req_msg_id, STATUS_CHANGE)

    def _decide_block(self, action: Action, body: dict, req_msg_id: str, rule: BlockRule):
        """A confirmation or a status change: one choice and remarks about an invoice."""
        name = rule.block
        block = body[name]
        object_id = _object_id(block, f"{name}.objectId", rule.family)
        choice = block.get(rule.choice)
        if choice not in rule.moves:
            *others, last = rule.moves
            raise SandboxRefusal(
                "INVALID_FIELD",
                f"{rule.choice} must be {', '.join(others)} or {last}",
                f"{name}.{rule.choice}",
            )
        _text(block, rule.remarks, f"{name}.{rule.remarks}")
        version = _version(block, name)

        def apply(entry: LedgerEntry):
            self._check_party(entry, body, rule.side)
            self._check_version(entry, version, name)
            self._check_status(entry, rule.allowed(choice), name)
            return entry.move(rule.moves[choice])

        self._decide(action, body, req_msg_id, object_id, block, apply)

    def _acknowledge(self, action: Action, body: dict, req_msg_id: str) -> None:
        """Payments, POs, notes, financing, onboarding: acknowledged, then a SUCCESS result."""
        block = body.get(action.body_block)
        error = self._injected_failure()
        self._result(action, body, req_msg_id, block if isinstance(block, dict) else {}, error)

    # -- deciding ----------------------------------------------------------------------------
    def _decide(self, action, body, req_msg_id, object_id, block, rule, create=False):
        """Apply `rule` to the ledger entry (or report its break), then schedule the result."""
        family = FAMILIES.get(action.document, INVOICES)
        entry = self.ledger.get(object_id)
        if entry is None and not create:
            entry = self._learn(object_id, body, block, family)
        error = self._injected_failure()
        transition = None
        if error is None:
            try:
                if entry is None and not create:
                    raise NetworkRuleBroken(
                        "UNKNOWN_OBJECT",
                        f"No {family.label.lower()} {object_id} on the network",
                        f"{action.body_block}.objectId",
                    )
                transition = rule(entry)
                entry = self.ledger.get(object_id)
            except NetworkRuleBroken as broken:
                error = broken.error
        reply = dict(block)
        if entry is not None:
            reply["objectVersion"] = {"currentVersion": entry.version, "newVersion": entry.version}
            if action.body_block == family_block(family):
                reply = self._reply_document(entry)
                reply["objectVersion"] = (
                    {"currentVersion": entry.version - 1, "newVersion": entry.version}
                    if transition
                    else reply["objectVersion"]
                )
            current = transition[0] if transition else entry.status
            reply[family.transition_key] = {"currentStatus": current, "newStatus": entry.status}
        self._result(action, body, req_msg_id, reply, error, object_id, transition)
        return entry

    def _result(self, action, body, req_msg_id, block, error, object_id="", transition=None):
        resp = payloads.resp_block(req_msg_id, error=error)
        decision = Decision(
            action.request_path, req_msg_id, object_id, resp["result"], resp["errorCd"], transition
        )
        self.decisions.append(decision)
        logger.info(
            "sandbox network: %s %s %s %s",
            action.name,
            object_id,
            resp["result"],
            resp["errorCd"] or (transition or ""),
        )
        if action.result_path is None:
            return
        result = payloads.result_body(body.get("b2bIds") or {}, action.body_block, block, resp)
        self.sender.schedule(
            action.result_path,
            result,
            delay=self.result_delay,
            label=f"{action.result_type} {object_id}",
            result=True,
        )

    def _injected_failure(self) -> tuple[str, str, str] | None:
        if self.plan.happens("fail"):
            return (
                "NETWORK_ERROR",
                "The counterparty's operating unit did not answer in time; send the request again",
                "",
            )
        return None

    def _learn(self, object_id: str, body: dict, block: dict, family: Family = INVOICES):
        """A document the network never saw (lenient mode): taken as the request describes it."""
        if self.strict or not family.object_id.match(object_id):
            return None
        ids = body.get("b2bIds") or {}
        version = block.get("objectVersion") or {}
        carried = block.get(family.transition_key) or {}
        entry = LedgerEntry(
            object_id,
            ids.get("supplierB2BId", ""),
            ids.get("buyerB2BId", ""),
            str(block.get(family.number_keys[0]) or ""),
            int(version.get("currentVersion") or 1),
            carried.get("currentStatus") or family.sent_status,
            family=family,
        )
        self.ledger[object_id] = entry
        return entry

    def _check_party(self, entry: LedgerEntry, body: dict, side: str) -> None:
        ids = body["b2bIds"]
        key = "buyerB2BId" if side == "buyer" else "supplierB2BId"
        expected = entry.buyer_b2b_id if side == "buyer" else entry.supplier_b2b_id
        if expected and ids.get(key) != expected:
            raise NetworkRuleBroken(
                "B2B_ID_MISMATCH",
                f"{entry.family.label} {entry.object_id} is not addressed to {ids.get(key)} "
                f"as {side}",
                f"b2bIds.{key}",
            )

    @staticmethod
    def _check_version(entry: LedgerEntry, version: tuple[int, int], block: str) -> None:
        if version[0] != entry.version:
            raise NetworkRuleBroken(
                "STALE_VERSION",
                f"{entry.family.label} {entry.object_id} is at version {entry.version}, "
                f"the request acts on version {version[0]}",
                f"{block}.objectVersion.currentVersion",
            )

    @staticmethod
    def _check_status(entry: LedgerEntry, allowed: set[str], block: str) -> None:
        if entry.status not in allowed:
            raise NetworkRuleBroken(
                "INVALID_STATE",
                f"{entry.family.label} {entry.object_id} is {entry.status}; the action is not "
                "allowed",
                f"{block}.{entry.family.transition_key}.currentStatus",
            )

    @staticmethod
    def _reply_document(entry: LedgerEntry) -> dict:
        """The document a send or edit result carries: the one the app sent, or, when it
        sent EnKash's internal invoice, what identifies the invoice."""
        document = dict(entry.invoice)
        document.setdefault("objectId", entry.object_id)
        document.setdefault(entry.family.number_keys[0], entry.number)
        return document

    # -- counterparties ----------------------------------------------------------------------
    def _play_counterparty(self, entry: LedgerEntry) -> None:
        """The counterparty of a document the app sent confirms it after `buyer_delay`
        seconds: the buyer of an invoice (`buyer_policy`), the supplier of a purchase
        order (`supplier_policy`)."""
        if not self.play_buyers:
            return
        family = entry.family
        policy = self.supplier_policy if family is PURCHASE_ORDERS else self.buyer_policy
        roll, response = self._rng.random(), "ACCEPT"
        for candidate, share in policy.items():
            if roll < share:
                response = candidate
                break
            roll -= share
        remarks = (family.remarks or BUYER_REMARKS)[response]
        timer = threading.Timer(
            self.buyer_delay,
            self._counterparty_confirms,
            (entry.object_id, response, self._rng.choice(remarks)),
        )
        timer.daemon = True  # a counterparty still thinking does not keep the sandbox running
        timer.start()

    def _counterparty_confirms(self, object_id: str, response: str, remarks: str) -> None:
        with self._lock:
            entry = self.ledger[object_id]
            family = entry.family
            if entry.status not in family.confirmable:
                return  # cancelled or edited meanwhile: nothing to confirm
            old, new = entry.move(family.responses[response])
            answer = {
                "buyer_b2b_id": entry.buyer_b2b_id,
                "supplier_b2b_id": entry.supplier_b2b_id,
                "object_id": object_id,
                "number": entry.number,
                "version": entry.version,
                "response": response,
                "remarks": remarks,
                "current_status": old,
            }
            if family is PURCHASE_ORDERS:
                body = orders.po_confirmation_body(**answer)
            else:
                body = payloads.confirmation_body(**answer, new_status=new)
        side = "supplier" if family is PURCHASE_ORDERS else "buyer"
        self.sender.schedule(family.confirm_path, body, label=f"{side} {response} {object_id}")
        if family is PURCHASE_ORDERS and response == "ACCEPT" and self.invoice_orders:
            timer = threading.Timer(self.buyer_delay, self.invoice_order, (object_id,))
            timer.daemon = True
            timer.start()

    def invoice_order(self, object_id: str, share: Decimal | None = None, today=None):
        """The supplier of our purchase order `object_id` invoices it: every line at `share`
        of its ordered quantity (the next of `order_invoice_shares` when not given). Returns
        the invoice's draft, or None when the network does not know the order's parties."""
        with self._lock:
            entry = self.ledger.get(object_id)
            order = entry.invoice if entry else {}
            supplier = business_by_b2b_id(entry.supplier_b2b_id) if entry else None
            buyer = business_by_b2b_id(entry.buyer_b2b_id) if entry else None
            if not order.get("objectId") or supplier is None or buyer is None:
                return None
            if share is None:
                shares = self.order_invoice_shares
                share = shares[self._orders_invoiced % len(shares)]
                self._orders_invoiced += 1
            draft = orders.invoice_against(
                self._rng,
                order,
                supplier,
                buyer,
                today=today or date.today(),
                sequence=self._rng.randrange(1, 99999),
                share=share,
            )
        from .scenarios import SEND, Step  # the scenarios' step: delivered like theirs

        self.deliver(Step(SEND, draft))
        return draft

    def deliver(self, step, *, delay: float = 0.0) -> list[Delivery]:
        """A counterparty's step (send, edit or cancel of a scenario): applied to the ledger
        now, delivered to the app after `delay` seconds (with this run's faults)."""
        draft = step.draft
        is_order = isinstance(draft, orders.PurchaseOrderDraft)
        wire = orders.purchase_order_block if is_order else payloads.network_invoice
        with self._lock:
            if step.kind in ("send", "po_send"):
                entry = LedgerEntry(
                    draft.object_id,
                    draft.supplier.b2b_id,
                    draft.buyer.b2b_id,
                    draft.number,
                    draft.version,
                    "CREATED",
                    wire(draft),
                    family=PURCHASE_ORDERS if is_order else INVOICES,
                )
                self.ledger.setdefault(draft.object_id, entry).move(draft.status)
            elif step.kind in ("edit", "po_edit"):
                entry = self.ledger[draft.object_id]
                entry.invoice = wire(draft)
                entry.move(draft.status, draft.version)
            else:
                self.ledger[draft.object_id].move("CANCELLED")
        return self.sender.schedule(
            step.path, step.body, delay=delay, label=f"{step.kind} {draft.number} v{draft.version}"
        )

    def status_of(self, object_id: str) -> tuple[str, int] | None:
        with self._lock:
            entry = self.ledger.get(object_id)
            return (entry.status, entry.version) if entry else None


# -- reading requests ----------------------------------------------------------------------
def _req_msg_id(body: dict, header: str) -> str:
    """Our reqMsgId: from `additionalInfos` (either spelling), else the X-Request-Id header."""
    return carried_req_msg_id(body) or header or ""


def _require_b2b_ids(body: dict) -> None:
    ids = body.get("b2bIds")
    if not isinstance(ids, dict):
        raise SandboxRefusal("MISSING_FIELD", "b2bIds is required", "b2bIds")
    for key in ("buyerB2BId", "supplierB2BId"):
        value = ids.get(key)
        if not isinstance(value, str) or not value:
            raise SandboxRefusal("MISSING_FIELD", f"{key} is required", f"b2bIds.{key}")
        if len(value) > 100 or '"' in value or "\\" in value:
            raise SandboxRefusal(
                "INVALID_FIELD", f'{key} must be 1-100 characters without " or \\', f"b2bIds.{key}"
            )


def _object_id(block: dict, path: str, family: Family = INVOICES) -> str:
    value = block.get("objectId")
    if not value:
        raise SandboxRefusal("MISSING_FIELD", "objectId is required", path)
    if not isinstance(value, str) or not family.object_id.match(value):
        prefix = "INV" if family is INVOICES else "3 capital letters"
        raise SandboxRefusal(
            "INVALID_FIELD", f"objectId must be {prefix} and 32 letters or digits", path
        )
    return value


def family_block(family: Family) -> str:
    """The block a family's send and edit carry the document in."""
    return "purchaseOrder" if family is PURCHASE_ORDERS else "invoice"


def _document_object_id(document: dict, family: Family, name: str) -> tuple[str, str]:
    """objectId of the document (either invoice shape), and the field it came from."""
    key = next((key for key in family.id_keys if key in document), family.id_keys[0])
    path = f"{name}.{key}"
    return _object_id({"objectId": document.get(key)}, path, family), path


def _document_number(document: dict, family: Family, name: str) -> str:
    number = next((document[key] for key in family.number_keys if document.get(key)), "")
    if not number or not TEXT.match(str(number)) or len(str(number)) > 50:
        label = "supplier invoice number" if family is INVOICES else "buyer PO number"
        raise SandboxRefusal(
            "INVALID_FIELD",
            f'The {label} must be 1-50 characters without " or \\',
            f"{name}.{family.number_keys[0]}",
        )
    return str(number)


def _text(block: dict, name: str, path: str) -> str:
    value = block.get(name)
    if not value:
        raise SandboxRefusal("MISSING_FIELD", f"{name} is required", path)
    if not isinstance(value, str) or not TEXT.match(value):
        raise SandboxRefusal(
            "INVALID_FIELD", f'{name} must be 1-100 characters without " or \\', path
        )
    return value


def _version(block: dict, path: str) -> tuple[int, int]:
    version = block.get("objectVersion")
    if not isinstance(version, dict):
        raise SandboxRefusal("MISSING_FIELD", "objectVersion is required", f"{path}.objectVersion")
    try:
        return int(version["currentVersion"]), int(version["newVersion"])
    except (KeyError, TypeError, ValueError):
        raise SandboxRefusal(
            "INVALID_FIELD",
            "objectVersion needs integer currentVersion and newVersion",
            f"{path}.objectVersion",
        )


def _invoice_version(invoice: dict) -> int:
    """The version an invoice of either shape makes (1 when it names none)."""
    version = invoice.get("objectVersion") or (invoice.get("nbblInvoiceData") or {}).get(
        "objectVersion"
    )
    if isinstance(version, dict) and isinstance(version.get("newVersion"), int):
        return max(version["newVersion"], 1)
    return 1


def _network_copy(invoice: dict) -> dict:
    """The invoice as the network shape keeps it (an internal-shape body has none)."""
    return dict(invoice) if "objectId" in invoice else {}


__all__ = ["Delivery", "LedgerEntry", "Network", "NetworkRuleBroken"]
