"""Every change to a purchase order: one function per action (PROTOCOL.md §4).

The machinery every family shares (versions received, duplicates, conflicts, parking,
decisions received, our requests pending in the outbox, the network's results) is the
document layer's (`b2bportal.documents.services`), run with the order's spec
(`purchase_orders.spec.SPEC`). What is the order's own stays here: reading the
`purchaseOrder` block into content, its versions with their findings, the orders we
write as buyer, and the public functions the handlers, the admin and the API call.

Roles: a buyer sends, edits, cancels and closes its order; the supplier confirms it.
A purchase order arriving from a counterparty makes us its supplier; our own are ours
as buyer. The status is what the network's messages carry, never computed here.

Refusals raise `DocumentError(code, detail, field)`.
"""

from functools import partial

from django.db.models import Subquery

from b2bportal.documents import services as documents
from b2bportal.documents.errors import DocumentError
from b2bportal.documents.local import local_content_of
from b2bportal.documents.values import ReceivedDecision
from b2bportal.documents.wire import read_date
from b2bportal.network.models import OutboundMessage
from b2bportal.network.wire import parse
from b2bportal.parties.models import Business

from . import wire
from .choices import (
    BuyerAction,
    Role,
    Source,
    Status,
    VersionState,
)
from .findings import NOT_LOOKED_UP, number_taken, version_findings
from .models import PurchaseOrder
from .spec import SPEC

REMARKS_MAX = documents.REMARKS_MAX


class Received(documents.Received):
    """What a received message did to its purchase order."""

    @property
    def purchase_order(self) -> PurchaseOrder:
        return self.document


def _received(outcome: documents.Received) -> Received:
    return Received(outcome.document, outcome.duplicate)


def is_pending(purchase_order: PurchaseOrder) -> bool:
    """True while a request of ours about this order awaits the network (or its result)."""
    return documents.is_pending(purchase_order)


def _new_version(purchase_order, content: dict, number: int, state: str, *, inbound=None,
                 actor=None, taken_by=NOT_LOOKED_UP):  # fmt: skip
    """An immutable version with its lines (as they will be stored) and its findings, not
    written yet: (version, lines, findings). `taken_by`: the order holding its number
    already, when looked up (`findings.duplicate_checks`)."""
    version, lines = documents.new_version(
        SPEC, purchase_order, content, number, state, digest=wire.content_hash,
        inbound=inbound, actor=actor,
    )  # fmt: skip
    arrival = content.get("arrival_findings") or ()
    return version, lines, version_findings(purchase_order, version, lines, arrival, taken_by)


def _snapshot(purchase_order, content: dict, number: int, state: str, **made):
    """Write an immutable version with its lines and findings (`made`: as for
    `_new_version`)."""
    return documents.write_version(
        SPEC, *_new_version(purchase_order, content, number, state, **made)
    )


# -- received orders (we are the supplier) ---------------------------------------------


def _look_up(content: dict, b2b_ids: dict):
    """Who we are on the message (`documents.look_up`), with another order holding its
    buyer's number (the duplicate-number check) read in the same statement."""
    others = number_taken(b2b_ids["buyerB2BId"], content["po_number"], content["object_id"])
    return documents.look_up(
        SPEC, content["object_id"], b2b_ids, number_taken_by=Subquery(others[:1])
    )


def _find(content: dict) -> PurchaseOrder | None:
    return documents.find_locked(PurchaseOrder, "object_id", content["object_id"])


def _receive(body: dict, *, inbound, edit: bool) -> Received:
    raw = body.get(wire.BLOCK)
    validated = parse(wire.PurchaseOrderSerializer, raw, wire.BLOCK)
    content = wire.content(validated, raw, body["b2bIds"])
    wire.check_columns(content)
    content["digest"] = wire.content_hash(content)
    sides = _look_up(content, body["b2bIds"])
    build = partial(_new_version, inbound=inbound, taken_by=sides.business.number_taken_by)
    received = documents.receive_network_version(
        SPEC, content, sides, find=_find, build=build,
        first_status=Status.SENT_TO_SUPPLIER, edit=edit,
    )  # fmt: skip
    return _received(received)


def receive_purchase_order(body: dict, *, inbound=None) -> Received:
    """A buyer's purchase order reaches us (`purchase-order/req-send`); `body` has its
    `b2bIds` validated, the `purchaseOrder` block is read here (`wire`)."""
    return _receive(body, inbound=inbound, edit=False)


def receive_edit(body: dict, *, inbound=None) -> Received:
    """A buyer's new version of a purchase order reaches us (`purchase-order/req-edit`)."""
    return _receive(body, inbound=inbound, edit=True)


def receive_confirmation(decision: ReceivedDecision, *, inbound=None) -> Received:
    """The supplier's ACCEPT/REJECT/RETURN of an order we sent (`req-confirm`)."""
    return _received(documents.receive_action(SPEC, decision, inbound=inbound))


def receive_status_change(decision: ReceivedDecision, *, inbound=None) -> Received:
    """The buyer cancels or closes an order it sent us (`req-status-change`)."""
    return _received(documents.receive_action(SPEC, decision, inbound=inbound))


# -- our decisions and requests ----------------------------------------------------------


def confirm(
    purchase_order, response, remarks, *, actor=None, expected_version=None, source=Source.STAFF
) -> OutboundMessage:
    """Our decision as supplier: ACCEPT, REJECT or RETURN, sent with remarks."""
    return documents.confirm(SPEC, purchase_order, response, remarks, actor=actor,
                             expected_version=expected_version, source=source)  # fmt: skip


def _status_change(purchase_order, action: str, remarks, *, actor, expected_version, source):
    """Our CANCEL or CLOSE as buyer (`poStatus`); the rule table has one row for each."""
    return documents.request_decision(
        SPEC, purchase_order, "purchase_order.status_change", action, remarks,
        action=action.lower(), actor=actor, expected_version=expected_version, source=source,
    )  # fmt: skip


def cancel_purchase_order(
    purchase_order, remarks, *, actor=None, expected_version=None, source=Source.STAFF
) -> OutboundMessage:
    """Cancel our purchase order on the network (`poStatus` CANCEL)."""
    return _status_change(purchase_order, BuyerAction.CANCEL, remarks, actor=actor,
                          expected_version=expected_version, source=source)  # fmt: skip


def close_purchase_order(
    purchase_order, remarks, *, actor=None, expected_version=None, source=Source.STAFF
) -> OutboundMessage:
    """Close our purchase order on the network (`poStatus` CLOSE)."""
    return _status_change(purchase_order, BuyerAction.CLOSE, remarks, actor=actor,
                          expected_version=expected_version, source=source)  # fmt: skip


# -- our own orders (we are the buyer) -------------------------------------------------------


def _local_content(business: Business, data: dict) -> dict:
    """Canonical content of an order staff write: taxes worked out from the place of
    supply (`documents.local`).

    `data`: supplier (party fields incl. b2b_id and address), po_number, order_date,
    delivery_date, subject, place_of_supply, items [{description, hsn_code, quantity,
    unit, unit_price, gst_rate, is_service}].
    """
    if not data.get("items"):
        raise DocumentError("MISSING_FIELD", "A purchase order needs at least one line", "items")
    if not (data.get("supplier") or {}).get("b2b_id"):
        raise DocumentError("MISSING_FIELD", "The supplier's B2B ID is required", "supplier.b2b_id")
    if not data.get("po_number"):
        raise DocumentError("MISSING_FIELD", "The PO number is required", "po_number")
    content = local_content_of(business, data, our_side=Role.BUYER)
    return content | {
        "po_number": data["po_number"],
        # dates or their ISO text (the API's JSON); a wrong one is refused naming it
        "order_date": read_date(data.get("order_date"), "order_date"),
        "delivery_date": read_date(data.get("delivery_date"), "delivery_date"),
        "subject": data.get("subject") or "",
        "sections": data.get("sections") or {},
        "raw": {},
    }


def create_purchase_order(business: Business, data: dict, *, actor=None) -> PurchaseOrder:
    """A new purchase order of ours as buyer, CREATED at version 1 (not sent yet)."""
    content = _local_content(business, data)
    return documents.create_local(
        SPEC,
        business,
        content,
        role=Role.BUYER,
        status=Status.CREATED,
        snapshot=partial(_snapshot, actor=actor),
        actor=actor,
    )


def send_purchase_order(
    purchase_order, *, actor=None, expected_version=None, source=Source.STAFF
) -> OutboundMessage:
    """Send our CREATED purchase order to the supplier (`purchase_order.send`)."""

    def make_body(document, target):
        block = wire.block(document.current_version, status_from=document.status,
                           status_to=target, current_version=0)  # fmt: skip
        return {wire.BLOCK: block}

    return documents.request_action(
        SPEC, purchase_order, "send", "purchase_order.send", make_body=make_body,
        target=Status.SENT_TO_SUPPLIER, label="send", actor=actor,
        expected_version=expected_version, source=source,
    )  # fmt: skip


def edit_purchase_order(
    purchase_order, data: dict, *, actor=None, expected_version=None, source=Source.STAFF
) -> OutboundMessage:
    """A new version of our purchase order, proposed to the network (`purchase_order.edit`).

    The version is applied when the network accepts it; refused, the order stays as it
    was. An order already partly invoiced may still be edited (the rule table).
    """

    def make_body(document, target):
        content = _local_content(document.business, data)
        content["status"] = document.status
        proposed = _snapshot(document, content, document.version + 1, VersionState.PROPOSED,
                             actor=actor)  # fmt: skip
        block = wire.block(proposed, status_from=document.status, status_to=target,
                           current_version=document.version)  # fmt: skip
        return {wire.BLOCK: block}

    return documents.request_action(
        SPEC, purchase_order, "edit", "purchase_order.edit", make_body=make_body,
        target=lambda document: document.status, label="edit", actor=actor,
        expected_version=expected_version, source=source,
    )  # fmt: skip


# -- the network's answer to a request of ours --------------------------------------------


def apply_network_result(outbound: OutboundMessage, body: dict, *, inbound=None) -> Received:
    """Apply the `resp-*` for one of our requests: the status it carries, or its refusal
    (see `documents.services.apply_network_result`)."""
    return _received(documents.apply_network_result(SPEC, outbound, body, inbound=inbound))


def send_request_again(purchase_order, *, actor=None) -> OutboundMessage:
    """Send the order's overdue request to the network again: same reqMsgId, same body."""
    return documents.send_request_again(SPEC, purchase_order, actor=actor)


def give_up_request(purchase_order, reason, *, actor=None) -> OutboundMessage:
    """Stop waiting for the order's overdue request: back where it was, reason recorded."""
    return documents.give_up_request(SPEC, purchase_order, reason, actor=actor)
