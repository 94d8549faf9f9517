"""The message catalogue: every EnKash B2B path, its message type, and who sends it.

One table (PROTOCOL.md §2). Paths marked [I] in the protocol are inferred from
EnKash's naming pattern; they are data here, so a confirmed path is a one-line change.

Message types name the action (`invoice.confirm`); a message arriving on the
action's request path has that type, one arriving on its result path has the
type with `.result` appended (`invoice.confirm.result`). Our outbound calls use
the action's type and POST its request path.
"""

from dataclasses import dataclass

REQUEST = "request"
RESULT = "result"
RESULT_SUFFIX = ".result"


@dataclass(frozen=True)
class Action:
    """One network action: its request path, the path its result comes back on, its body."""

    name: str
    document: str  # invoice, payment, purchase_order, cd_note, finance, onboarding
    request_path: str
    result_path: str | None
    body_block: str  # the top-level block that carries the document
    sender: str  # supplier, buyer, either, network, us
    needs_b2b_ids: bool = True

    @property
    def result_type(self) -> str:
        return self.name + RESULT_SUFFIX

    def required_blocks(self, kind: str) -> tuple[str, ...]:
        """Top-level blocks a message of this kind must carry to be considered at all."""
        if kind == RESULT:
            return ("resp",)
        return ("b2bIds", self.body_block) if self.needs_b2b_ids else (self.body_block,)


ACTIONS: tuple[Action, ...] = (
    # invoices
    Action("invoice.send", "invoice", "/api/v0/invoice/req-send-invoice",
           "/api/v0/invoice/resp-send-invoice", "invoice", "supplier"),
    Action("invoice.confirm", "invoice", "/api/v0/invoice/req-confirm-invoice",
           "/api/v0/invoice/resp-confirm-invoice", "invoiceConfirmation", "buyer"),
    Action("invoice.status_change", "invoice", "/api/v0/invoice/req-status-change-invoice",
           "/api/v0/invoice/resp-status-change-invoice", "invoiceStatus", "supplier"),
    Action("invoice.edit", "invoice", "/api/v0/invoice/req-edit-invoice",
           "/api/v0/invoice/resp-edit-invoice", "invoice", "supplier"),
    # payments
    Action("payment.pay", "payment", "/api/v0/payment/req-pay",
           "/api/v0/payment/resp-pay", "payment", "buyer"),
    Action("payment.confirm", "payment", "/api/v0/payment/req-pay-confirmation",
           "/api/v0/payment/resp-pay-confirmation", "paymentConfirmation", "supplier"),
    # purchase orders
    Action("purchase_order.send", "purchase_order", "/api/v0/purchase-order/req-send",
           "/api/v0/purchase-order/resp-send", "purchaseOrder", "buyer"),
    Action("purchase_order.confirm", "purchase_order", "/api/v0/purchase-order/req-confirm",
           "/api/v0/purchase-order/resp-confirm", "poConfirmation", "supplier"),
    Action("purchase_order.edit", "purchase_order", "/api/v0/purchase-order/req-edit",
           "/api/v0/purchase-order/resp-edit", "purchaseOrder", "buyer"),
    Action("purchase_order.status_change", "purchase_order",
           "/api/v0/purchase-order/req-status-change",
           "/api/v0/purchase-order/resp-status-change", "poStatus", "buyer"),
    # credit/debit notes
    Action("cd_note.send", "cd_note", "/api/v0/cd-note/req-send",
           "/api/v0/cd-note/resp-send", "cdNote", "supplier"),
    Action("cd_note.confirm", "cd_note", "/api/v0/cd-note/req-confirm",
           "/api/v0/cd-note/resp-confirm", "cdNoteConfirmation", "buyer"),
    Action("cd_note.status_change", "cd_note", "/api/v0/cd-note/req-status-change",
           "/api/v0/cd-note/resp-status-change", "cdNoteStatus", "supplier"),
    # financing
    Action("finance.request", "finance", "/api/v0/finance/req-financing",
           "/api/v0/finance/resp-financing", "financeRequest", "either", needs_b2b_ids=False),
    Action("finance.share_bid", "finance", "/api/v0/finance/shareBid",
           None, "bid", "network", needs_b2b_ids=False),
    Action("finance.respond_bid", "finance", "/api/v0/finance/req-respond-bid",
           "/api/v0/finance/resp-respond-bid", "bidResponse", "either", needs_b2b_ids=False),
    # onboarding
    Action("onboarding.check_entity", "onboarding",
           "/api/v0/business-onboarding/reg-check-entity",
           "/api/v0/business-onboarding/respCheckEntity", "checkInstitute", "us",
           needs_b2b_ids=False),
    Action("onboarding.register_entity", "onboarding", "/api/v0/business-onboarding/reg-entity",
           "/api/v0/business-onboarding/respRegEntity", "institute", "us", needs_b2b_ids=False),
    Action("onboarding.search_entity", "onboarding", "/api/v0/business-onboarding/search-entity",
           "/api/v0/business-onboarding/respSearchEntity", "criteria", "us",
           needs_b2b_ids=False),
)  # fmt: skip

ACTIONS_BY_NAME: dict[str, Action] = {}


@dataclass(frozen=True)
class Route:
    """What a path on our side receives: an action's request or its result."""

    path: str
    action: Action
    kind: str  # REQUEST or RESULT

    @property
    def message_type(self) -> str:
        return self.action.name if self.kind == REQUEST else self.action.result_type


ROUTES: dict[str, Route] = {}
MESSAGE_TYPES: list[str] = []


def register(action: Action) -> None:
    """Add `action` to the catalogue: its request and result paths are served from now on.

    EnKash's actions are registered below. Another caller is the test suite, which
    registers a message type of its own that no app will ever handle; the webhook
    view finds a path registered after the URLs were built (see `views.unknown_path`).
    """
    if action.name in ACTIONS_BY_NAME:
        raise ValueError(f"action {action.name!r} is already in the catalogue")
    ACTIONS_BY_NAME[action.name] = action
    routes = [Route(action.request_path, action, REQUEST)]
    if action.result_path:
        routes.append(Route(action.result_path, action, RESULT))
    for route in routes:
        ROUTES[route.path] = route
        MESSAGE_TYPES.append(route.message_type)


for _action in ACTIONS:
    register(_action)
