"""A document family described as data: what the generic services need to know.

A family (invoices, purchase orders, notes, payments) declares one `FamilySpec` as
`SPEC` in its app's `spec.py`, where `documents.registry` finds it. The services in
`documents.services` read everything family-specific from it: no `if family == ...`.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class ReceivedAction:
    """A decision the counterparty sends about one of our documents: a confirmation
    (ACCEPT/REJECT/RETURN) or a status change (cancel, delete, close, ...).

    `statuses` maps the decision (`block[choice_key]`) to the status it makes;
    `carried_wins`: the newStatus of the block's own transition (the family's
    `transition_key`), when it names one, is the status taken (a status change);
    otherwise the decision decides and a contradicting carried status is only a finding
    (`checks`, a confirmation).
    """

    message_type: str  # e.g. "invoice.confirm"
    block: str  # e.g. "invoiceConfirmation"
    our_role: str  # the role we have when we receive it
    choice_key: str  # e.g. "buyerResponse"
    remarks_key: str  # e.g. "buyerRemarks"
    label: str  # history action prefix, e.g. "confirm" (-> "confirm:ACCEPT")
    statuses: Mapping[str, str]
    carried_wins: bool = False
    # (spec, decision, decided status) -> findings [(code, field, message)] the message
    # raises (the decision is a `documents.values.ReceivedDecision`)
    checks: Callable[..., list] | None = None


@dataclass(frozen=True)
class FamilySpec:
    """One document family: its models, ids, statuses, rules and wire blocks."""

    name: str  # the network's document name, e.g. "invoice", "purchase_order"
    label: str  # how staff name one, e.g. "invoice"
    article: str  # "an" or "a", for messages ("Cannot confirm an invoice that is ...")
    id_prefix: str  # our new objectIds start with it, e.g. "INV"
    document_model: type[models.Model]
    version_model: type[models.Model]
    line_model: type[models.Model]
    finding_model: type[models.Model]
    history_model: type[models.Model]
    parked_model: type[models.Model]
    parent_field: str  # the foreign key of versions, history and parked actions, "invoice"
    content_fields: tuple[str, ...]  # the applied version's columns copied to the document
    number_field: str  # the document's own number column, e.g. "supplier_invoice_number"
    number_wire_name: str  # ... and its name in action blocks, "supplierInvoiceNumber"
    statuses: type[models.TextChoices]
    # action we take -> {our role: statuses it is allowed from} (the local rule table)
    allowed_from: Mapping[str, Mapping[str, frozenset]]
    document_block: str  # the block of a send/edit, e.g. "invoice" or "purchaseOrder"
    receiver_role: str  # our role when the counterparty sends us the document: "buyer"
    received_actions: Mapping[str, ReceivedAction]  # by message type
    # our request's message type -> the block its result carries the transition in
    result_blocks: Mapping[str, str]
    message_types: tuple[str, ...]  # every message type of the family (requests, results)
    decide_permission: str  # e.g. "invoices.decide_invoice"
    # the key of the status transition in the family's blocks: "statusTransition" for
    # invoices, "poStatusTransition" for purchase orders (PROTOCOL.md §3)
    transition_key: str = "statusTransition"

    def allowed(self, action: str, role: str, status: str) -> bool:
        """True when the local rule table lets us take `action` as `role` from `status`."""
        return status in self.allowed_from.get(action, {}).get(role, frozenset())

    @property
    def one(self) -> str:
        """The label with its article: "an invoice", "a purchase order"."""
        return f"{self.article} {self.label}"
