"""The contract between the network app and the apps' handlers.

A handler is a plain function `handler(message: Inbound) -> Reply`, listed in its
app's `handlers.py` as `HANDLERS = {message type: function}`. It runs inside the
transaction that processes the message. It validates `message.body` (raising
`Rejected` for anything the sender got wrong), calls one service, and returns a
`Reply`. It never writes the InboundMessage row: the network app does that.
"""

from dataclasses import dataclass, field
from typing import Any

from .messages import Route


class Rejected(Exception):
    """The sender's message is wrong: answered 400 with these values in the resp block.

    `code` comes from the error catalogue in envelope.py (e.g. "INVALID_FIELD"),
    `field` is the JSON path of the failing field (e.g. "invoiceConfirmation.buyerRemarks").
    """

    def __init__(self, code: str, detail: str, field: str = "", document=None):
        super().__init__(f"{code}: {detail} ({field})" if field else f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.field = field
        # The document the refused message concerns (e.g. a version conflict), so the
        # kept message links to it for staff even though nothing was applied.
        self.document = document


@dataclass
class Inbound:
    """One message as a handler sees it."""

    record: Any  # the stored InboundMessage
    route: Route  # path, action, kind (request or result)
    body: dict  # the parsed JSON body
    answers: Any = None  # for a result: the OutboundMessage of ours it answers, if matched

    @property
    def message_type(self) -> str:
        return self.route.message_type

    @property
    def block(self) -> dict:
        """The action's main block (e.g. body["invoiceConfirmation"]), or {} when absent."""
        value = self.body.get(self.route.action.body_block)
        return value if isinstance(value, dict) else {}


@dataclass
class Reply:
    """What a handler did: the document it touched and anything extra for the resp block.

    `duplicate=True` says the message repeated content we already held: acknowledged,
    nothing changed.
    """

    document: Any = None
    duplicate: bool = False
    result: str = "SUCCESS"
    extra: dict = field(default_factory=dict)  # extra keys for the reply payload
