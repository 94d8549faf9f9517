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
   (accept, reject or return, drawn from `buyer_policy`) after `buyer_delay`.

The ledger is the network's own view of every invoice: status and version. It
learns invoices the sandbox's suppliers send, and invoices the app sends. With
`strict=False` (the default) an invoice it never saw is learnt from the request
that names it, so the sandbox can be restarted beside a running app.
"""

import logging
import random
import re
import threading
from dataclasses import dataclass, field

from b2bportal.network.messages import ROUTES, Action
from b2bportal.network.wire import carried_req_msg_id

from . import payloads
from .faults import FaultPlan
from .server import SandboxRefusal
from .webhooks import Delivery, WebhookSender

logger = logging.getLogger(__name__)

OBJECT_ID = re.compile(r"^INV[A-Za-z0-9]{32}$")
TEXT = re.compile(r'^[^"\\]{1,100}$')
BUYER_RESPONSES = {"ACCEPT": "ACCEPTED", "REJECT": "REJECTED", "RETURN": "UNDER_REVIEW"}
SUPPLIER_ACTIONS = {"CANCEL": "CANCELLED", "DELETE": "DELETED"}

# The network's rule table: the statuses each action may start from.
CONFIRMABLE = {"SENT_TO_BUYER", "UNDER_REVIEW"}
EDITABLE_FROM = {"CREATED", "SENT_TO_BUYER", "UNDER_REVIEW", "ACCEPTED", "REJECTED"}
CANCELLABLE_FROM = EDITABLE_FROM


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
    allowed_from: set[str]


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
    """The network's record of one invoice."""

    object_id: str
    supplier_b2b_id: str
    buyer_b2b_id: str
    number: str
    version: int
    status: str
    invoice: dict = field(default_factory=dict)  # the latest network-shape invoice, if known
    history: list[tuple[str, str, int]] = field(default_factory=list)  # (from, to, version)

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
        play_buyers: bool = True,
        strict: bool = False,
        seed: int = 0,
    ):
        self.sender = sender
        self.plan = plan or sender.faults
        self.result_delay = result_delay
        self.buyer_delay = buyer_delay
        self.buyer_policy = buyer_policy or {"ACCEPT": 0.7, "RETURN": 0.15, "REJECT": 0.15}
        self.play_buyers = play_buyers
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
        }.get(action.name, self._acknowledge)
        with self._lock:
            decide(action, body, req_msg_id)
        return {"resp": payloads.resp_block(req_msg_id)}

    # -- the app as buyer ----------------------------------------------------------------------
    def _confirm(self, action: Action, body: dict, req_msg_id: str) -> None:
        self._decide_block(action, body, req_msg_id, CONFIRM)

    # -- the app as supplier ----------------------------------------------------------------
    def _send(self, action: Action, body: dict, req_msg_id: str) -> None:
        invoice = body["invoice"]
        object_id, field_name = _invoice_object_id(invoice)
        number = invoice.get("supplierInvoiceNumber") or invoice.get("supplierInvoiceNo") or ""
        if not number or not TEXT.match(str(number)) or len(str(number)) > 50:
            raise SandboxRefusal(
                "INVALID_FIELD",
                'The supplier invoice number must be 1-50 characters without " or \\',
                "invoice.supplierInvoiceNumber",
            )
        version = _invoice_version(invoice)

        def rule(entry: LedgerEntry | None):
            if entry is not None:
                raise NetworkRuleBroken(
                    "DUPLICATE_OBJECT", f"Invoice {object_id} was already sent", field_name
                )
            ids = body["b2bIds"]
            entry = LedgerEntry(
                object_id,
                ids["supplierB2BId"],
                ids["buyerB2BId"],
                str(number),
                version,
                "CREATED",
                _network_copy(invoice),
            )
            self.ledger[object_id] = entry
            return entry.move("SENT_TO_BUYER")

        entry = self._decide(action, body, req_msg_id, object_id, invoice, rule, create=True)
        if entry is not None and entry.status == "SENT_TO_BUYER":
            self._play_buyer(entry)

    def _edit(self, action: Action, body: dict, req_msg_id: str) -> None:
        invoice = body["invoice"]
        object_id, field_name = _invoice_object_id(invoice)
        if "objectVersion" in invoice:
            version = _version(invoice, "invoice")
        else:  # EnKash's internal shape: its wrapped network invoice's version, else 1
            new = _invoice_version(invoice)
            version = new - 1, new

        def rule(entry: LedgerEntry):
            self._check_party(entry, body, "supplier")
            self._check_version(entry, version, "invoice")
            if version[1] != entry.version + 1:
                raise NetworkRuleBroken(
                    "INVALID_VERSION",
                    f"An edit makes the next version ({entry.version + 1}), not {version[1]}",
                    "invoice.objectVersion.newVersion",
                )
            self._check_status(entry, EDITABLE_FROM, "invoice")
            entry.invoice = _network_copy(invoice)
            return entry.move("SENT_TO_BUYER", version[1])

        entry = self._decide(action, body, req_msg_id, object_id, invoice, rule)
        if entry is not None and entry.status == "SENT_TO_BUYER":
            self._play_buyer(entry)

    def _status_change(self, action: Action, body: dict, req_msg_id: str) -> None:
        self._decide_block(action, body, req_msg_id, STATUS_CHANGE)

    def _decide_block(self, action: Action, body: dict, req_msg_id: str, rule: BlockRule):
        """A confirmation or a status change: one choice and remarks about an invoice."""
        name = rule.block
        block = body[name]
        object_id = _object_id(block, f"{name}.objectId")
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
            self._check_status(entry, rule.allowed_from, name)
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
        entry = self.ledger.get(object_id)
        if entry is None and not create:
            entry = self._learn(object_id, body, block)
        error = self._injected_failure()
        transition = None
        if error is None:
            try:
                if entry is None and not create:
                    raise NetworkRuleBroken(
                        "UNKNOWN_OBJECT",
                        f"No invoice {object_id} on the network",
                        f"{action.body_block}.objectId",
                    )
                transition = rule(entry)
                entry = self.ledger.get(object_id)
            except NetworkRuleBroken as broken:
                error = broken.error
        reply = dict(block)
        if entry is not None:
            reply["objectVersion"] = {"currentVersion": entry.version, "newVersion": entry.version}
            if action.name in ("invoice.send", "invoice.edit"):
                reply = self._reply_invoice(entry)
                reply["objectVersion"] = (
                    {"currentVersion": entry.version - 1, "newVersion": entry.version}
                    if transition
                    else reply["objectVersion"]
                )
            current = transition[0] if transition else entry.status
            reply["statusTransition"] = {"currentStatus": current, "newStatus": entry.status}
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

    def _learn(self, object_id: str, body: dict, block: dict) -> LedgerEntry | None:
        """An invoice the network never saw (lenient mode): taken as the request describes it."""
        if self.strict or not OBJECT_ID.match(object_id):
            return None
        ids = body.get("b2bIds") or {}
        version = block.get("objectVersion") or {}
        status = (block.get("statusTransition") or {}).get("currentStatus") or "SENT_TO_BUYER"
        entry = LedgerEntry(
            object_id,
            ids.get("supplierB2BId", ""),
            ids.get("buyerB2BId", ""),
            str(block.get("supplierInvoiceNumber") or ""),
            int(version.get("currentVersion") or 1),
            status,
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
                f"Invoice {entry.object_id} is not addressed to {ids.get(key)} as {side}",
                f"b2bIds.{key}",
            )

    @staticmethod
    def _check_version(entry: LedgerEntry, version: tuple[int, int], block: str) -> None:
        if version[0] != entry.version:
            raise NetworkRuleBroken(
                "STALE_VERSION",
                f"Invoice {entry.object_id} is at version {entry.version}, "
                f"the request acts on version {version[0]}",
                f"{block}.objectVersion.currentVersion",
            )

    @staticmethod
    def _check_status(entry: LedgerEntry, allowed: set[str], block: str) -> None:
        if entry.status not in allowed:
            raise NetworkRuleBroken(
                "INVALID_STATE",
                f"Invoice {entry.object_id} is {entry.status}; the action is not allowed",
                f"{block}.statusTransition.currentStatus",
            )

    @staticmethod
    def _reply_invoice(entry: LedgerEntry) -> dict:
        """The network invoice a send or edit result carries: the one the app sent, or,
        when it sent EnKash's internal shape, what identifies the invoice."""
        invoice = dict(entry.invoice)
        invoice.setdefault("objectId", entry.object_id)
        invoice.setdefault("supplierInvoiceNumber", entry.number)
        return invoice

    # -- counterparties ----------------------------------------------------------------------
    def _play_buyer(self, entry: LedgerEntry) -> None:
        """The buyer of an invoice the app sent confirms it after `buyer_delay` seconds."""
        if not self.play_buyers:
            return
        roll, response = self._rng.random(), "ACCEPT"
        for candidate, share in self.buyer_policy.items():
            if roll < share:
                response = candidate
                break
            roll -= share
        timer = threading.Timer(
            self.buyer_delay,
            self._buyer_confirms,
            (entry.object_id, response, self._rng.choice(BUYER_REMARKS[response])),
        )
        timer.daemon = True  # a buyer still thinking does not keep the sandbox running
        timer.start()

    def _buyer_confirms(self, object_id: str, response: str, remarks: str) -> None:
        with self._lock:
            entry = self.ledger[object_id]
            if entry.status not in CONFIRMABLE:
                return  # cancelled or edited meanwhile: the buyer has nothing to confirm
            old, new = entry.move(BUYER_RESPONSES[response])
            body = payloads.confirmation_body(
                buyer_b2b_id=entry.buyer_b2b_id,
                supplier_b2b_id=entry.supplier_b2b_id,
                object_id=object_id,
                number=entry.number,
                version=entry.version,
                response=response,
                remarks=remarks,
                current_status=old,
                new_status=new,
            )
        self.sender.schedule(
            "/api/v0/invoice/req-confirm-invoice", body, label=f"buyer {response} {object_id}"
        )

    def deliver(self, step, *, delay: float = 0.0) -> list[Delivery]:
        """A counterparty's step (send, edit or cancel of a scenario): applied to the ledger
        now, delivered to the app after `delay` seconds (with this run's faults)."""
        draft = step.draft
        with self._lock:
            if step.kind == "send":
                entry = LedgerEntry(
                    draft.object_id,
                    draft.supplier.b2b_id,
                    draft.buyer.b2b_id,
                    draft.number,
                    draft.version,
                    "CREATED",
                    payloads.network_invoice(draft),
                )
                self.ledger.setdefault(draft.object_id, entry).move(draft.status)
            elif step.kind == "edit":
                entry = self.ledger[draft.object_id]
                entry.invoice = payloads.network_invoice(draft)
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


def _object_id(block: dict, path: str) -> str:
    value = block.get("objectId")
    if not value:
        raise SandboxRefusal("MISSING_FIELD", "objectId is required", path)
    if not isinstance(value, str) or not OBJECT_ID.match(value):
        raise SandboxRefusal("INVALID_FIELD", "objectId must be INV and 32 letters or digits", path)
    return value


def _invoice_object_id(invoice: dict) -> tuple[str, str]:
    """objectId of either invoice shape, and the field it came from."""
    if "objectId" in invoice:
        return _object_id(invoice, "invoice.objectId"), "invoice.objectId"
    value = invoice.get("nbblInvoiceId")
    return _object_id({"objectId": value}, "invoice.nbblInvoiceId"), "invoice.nbblInvoiceId"


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
