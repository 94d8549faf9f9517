"""Every change to an invoice: one function per action (PROTOCOL.md §4).

The machinery every family shares (versions received, duplicates, conflicts, parking,
actions received, our requests pending in the outbox, the network's results) is the
document layer's (`b2bportal.documents.services`), run with the invoice's spec
(`invoices.spec.SPEC`). What is the invoice's own stays here: reading its two wire
shapes into content, its versions with their sections and findings, the invoices we
write as supplier, and the public functions the handlers, the admin and the API call.

Refusals raise `DocumentError(code, detail, field)` (a `Rejected`): handlers pass it to
the sender, the admin and the API show it with the catalogue's HTTP status.
"""

from decimal import Decimal
from functools import partial

from django.db import transaction
from django.db.models import Subquery

from b2bportal.documents import services as documents
from b2bportal.documents.errors import DocumentError
from b2bportal.documents.local import local_content_of
from b2bportal.documents.values import ReceivedDecision
from b2bportal.documents.wire import named_b2b_ids
from b2bportal.network.models import OutboundMessage
from b2bportal.parties.models import Business, Counterparty
from b2bportal.parties.services import upsert_counterparty

from . import wire
from .choices import (
    Role,
    Shape,
    Source,
    Status,
    SupplierAction,
    VersionState,
)
from .findings import NOT_LOOKED_UP, number_taken, version_findings
from .models import CONTENT_FIELDS, Invoice, InvoiceVersion
from .spec import SPEC

CENT = Decimal("0.01")
REMARKS_MAX = documents.REMARKS_MAX


class Received(documents.Received):
    """What a received message did to its invoice."""

    @property
    def invoice(self) -> Invoice:
        return self.document


def _received(outcome: documents.Received) -> Received:
    return Received(outcome.document, outcome.duplicate)


# -- helpers -------------------------------------------------------------------------


def new_object_id() -> str:
    """A fresh invoice objectId: `INV` + 32 letters and digits."""
    return documents.new_object_id(SPEC)


def is_pending(invoice: Invoice) -> bool:
    """True while a request of ours about this invoice awaits the network (or its result)."""
    return documents.is_pending(invoice)


def validate_remarks(remarks, field: str = "remarks") -> str:
    """Remarks the network accepts: 1-100 characters, no `"` or `\\`."""
    return documents.validate_remarks(remarks, field)


def _new_version(
    invoice, content: dict, number: int, state: str, *, inbound=None, actor=None,
    taken_by=NOT_LOOKED_UP,
):  # fmt: skip
    """An immutable version with its lines (as they will be stored) and its findings, not
    written yet: (version, lines, findings). `taken_by`: the invoice holding its number
    already, when looked up (`findings.duplicate_checks`)."""
    version, items = documents.new_version(
        SPEC, invoice, content, number, state, digest=wire.content_hash, inbound=inbound,
        actor=actor, shape=content["shape"], enkash_details=content.get("enkash_details") or {},
    )  # fmt: skip
    # The checks read the lines as PostgreSQL will store them, and the count of findings
    # is known here: neither needs to be read back.
    arrival = content.get("arrival_findings") or ()
    return version, items, version_findings(invoice, version, items, arrival, taken_by)


def _snapshot(invoice, content: dict, number: int, state: str, **made):
    """Write an immutable version with its items and findings (`made`: as for
    `_new_version`)."""
    return documents.write_version(SPEC, *_new_version(invoice, content, number, state, **made))


def _make_current(invoice: Invoice, version: InvoiceVersion) -> None:
    """Make `version` the invoice's applied content (the caller saves the invoice)."""
    documents.make_current(SPEC, invoice, version)


def _history(invoice, to_status, **details):
    return documents.history(SPEC, invoice, to_status, **details)


# -- received documents (we are the buyer) ----------------------------------------------


def _fill_parties(content: dict) -> None:
    """The internal shape names parties by B2B ID only: fill in what our records know.

    The place of supply is taken to be the buyer's state (goods delivered to the buyer).
    """
    for side, model in (("buyer", Business), ("supplier", Counterparty)):
        party = model.objects.filter(b2b_id=content[f"{side}_b2b_id"]).first()
        if party is None:
            continue
        for name in ("gstin", "legal_name", "trade_name", "state_code"):
            content[f"{side}_{name}"] = getattr(party, name)
        content[f"{side}_address"] = party.address or {}
    content["place_of_supply"] = content["buyer_state_code"]


def _look_up(content: dict, b2b_ids: dict):
    """Who we are on the message (`documents.look_up`), with another invoice holding its
    supplier's number (the duplicate-number check) read in the same statement."""
    object_id, number = content["object_id"], content["supplier_invoice_number"]
    others = number_taken(b2b_ids["supplierB2BId"], number, object_id, content.get("enkash_id"))
    return documents.look_up(SPEC, object_id, b2b_ids, number_taken_by=Subquery(others[:1]))


def _receive(content: dict, b2b_ids: dict, *, inbound, edit: bool) -> Received:
    sides = _look_up(content, b2b_ids)
    named_b2b_ids(content, b2b_ids, "invoice")
    # What the message itself says identifies it, not what our records add to it.
    content["digest"] = wire.content_hash(content)
    if content["shape"] == Shape.INTERNAL and not content["supplier_gstin"]:
        _fill_parties(content)

    build = partial(_new_version, inbound=inbound, taken_by=sides.business.number_taken_by)
    received = documents.receive_network_version(
        SPEC, content, sides, find=_find_received, build=build,
        first_status=Status.SENT_TO_BUYER, edit=edit, enkash_id=content.get("enkash_id"),
    )  # fmt: skip
    return _received(received)


def _find_received(content: dict) -> Invoice | None:
    """The invoice a received version belongs to, locked: by objectId, else by EnKash's
    own id. An invoice first keyed by EnKash's id (no `nbblInvoiceId` yet) is joined to
    the network's objectId when a version carrying both arrives, not duplicated."""
    invoice = documents.find_locked(Invoice, "object_id", content["object_id"])
    enkash_id = content.get("enkash_id")
    if invoice is not None or enkash_id is None:
        return invoice
    invoice = documents.find_locked(Invoice, "enkash_id", enkash_id)
    if invoice is None:
        return None
    if content["object_id"] == wire.provisional_object_id(enkash_id):
        return invoice
    if invoice.object_id.startswith(wire.PROVISIONAL_PREFIX):
        invoice.object_id = content["object_id"]  # the network's id arrived: join
        invoice.save(update_fields=["object_id"])
        return invoice
    raise DocumentError(
        "VERSION_CONFLICT",
        f"EnKash invoice {enkash_id} is already {invoice.object_id}, not {content['object_id']}",
        "invoice.nbblInvoiceId",
        document=invoice,
    )


def receive_invoice(content: dict, b2b_ids: dict, *, inbound=None) -> Received:
    """A supplier's invoice reaches us (`req-send-invoice`): `content` as the wire reads
    it (`wire.received_content`), `b2b_ids` the message's validated `b2bIds`."""
    return _receive(content, b2b_ids, inbound=inbound, edit=False)


def receive_edit(content: dict, b2b_ids: dict, *, inbound=None) -> Received:
    """A supplier's new version of an invoice reaches us (`req-edit-invoice`); arguments
    as for `receive_invoice`."""
    return _receive(content, b2b_ids, inbound=inbound, edit=True)


def receive_confirmation(decision: ReceivedDecision, *, inbound=None) -> Received:
    """The buyer's ACCEPT/REJECT/RETURN of an invoice we supplied (`req-confirm-invoice`)."""
    return _received(documents.receive_action(SPEC, decision, inbound=inbound))


def receive_status_change(decision: ReceivedDecision, *, inbound=None) -> Received:
    """The supplier cancels or deletes an invoice we received (`req-status-change-invoice`)."""
    return _received(documents.receive_action(SPEC, decision, inbound=inbound))


# -- our decisions -----------------------------------------------------------------------


def _refuse_provisional(invoice: Invoice) -> None:
    if invoice.object_id.startswith(wire.PROVISIONAL_PREFIX):  # the network would not know it
        raise DocumentError("INVALID_TRANSITION", "The network has not numbered this invoice yet",
                            "object_id")  # fmt: skip


def confirm(
    invoice, response, remarks, *, actor=None, expected_version=None, source=Source.STAFF
) -> OutboundMessage:
    """Our decision as buyer: ACCEPT, REJECT or RETURN, sent to the network with remarks."""
    return documents.confirm(
        SPEC, invoice, response, remarks, actor=actor, source=source,
        expected_version=expected_version, refuse=_refuse_provisional,
    )  # fmt: skip


# -- our own invoices (we are the supplier) -------------------------------------------------


def _local_content(business: Business, data: dict) -> dict:
    """Canonical content of an invoice staff write: taxes worked out from the place of
    supply (`documents.local`).

    `data`: buyer (dict of party fields incl. b2b_id), supplier_invoice_number,
    invoice_date, due_date, place_of_supply, items [{description, hsn_code, quantity,
    unit, unit_price, gst_rate, is_service}].
    """
    content = local_content_of(business, data, our_side=Role.SUPPLIER)
    return content | {
        "shape": Shape.LOCAL,
        "supplier_invoice_number": data["supplier_invoice_number"],
        "invoice_date": data.get("invoice_date"),
        "due_date": data.get("due_date"),
        "sections": data.get("sections") or {},
        "raw": {},
    }


def create_invoice(business: Business, data: dict, *, actor=None) -> Invoice:
    """A new invoice of ours as supplier, CREATED at version 1 (not sent yet)."""
    if not data.get("items"):
        raise DocumentError("MISSING_FIELD", "An invoice needs at least one line", "items")
    content = _local_content(business, data)
    with transaction.atomic():
        counterparty = upsert_counterparty(data["buyer"]["b2b_id"], data["buyer"])
        invoice = Invoice.objects.create(
            object_id=new_object_id(),
            role=Role.SUPPLIER,
            business=business,
            counterparty=counterparty,
            status=Status.CREATED,
            version=1,
            **{name: content[name] for name in CONTENT_FIELDS},
        )
        version = _snapshot(invoice, content, 1, VersionState.APPLIED, actor=actor)
        _make_current(invoice, version)
        _history(
            invoice,
            Status.CREATED,
            from_status="",
            action="create",
            source=Source.STAFF,
            actor=actor,
        )
        documents.save(invoice)
        return invoice


def _request_action(invoice, action: str, make_body, target, **request) -> OutboundMessage:
    """`documents.request_action` for our invoice's `invoice.<action>`; a provisional
    invoice is refused."""
    return documents.request_action(SPEC, invoice, action, f"invoice.{action}",
                                    make_body=make_body, target=target, label=action,
                                    refuse=_refuse_provisional, **request)  # fmt: skip


def send_invoice(invoice, *, actor=None, expected_version=None, source=Source.STAFF):
    """Send our CREATED invoice to the buyer through the network (`invoice.send`)."""

    def make_body(document, target):
        block = wire.network_block(document.current_version, current_version=0,
                                   status_from=document.status, status_to=target)  # fmt: skip
        return {"invoice": block}

    return _request_action(invoice, "send", make_body, Status.SENT_TO_BUYER, actor=actor,
                           expected_version=expected_version, source=source)  # fmt: skip


def edit_invoice(invoice, data: dict, *, actor=None, expected_version=None, source=Source.STAFF):
    """A new version of our invoice, proposed to the network (`invoice.edit`).

    The version is applied when the network accepts it; refused, the invoice stays as it was.
    """

    def make_body(document, target):
        content = _local_content(document.business, data)
        content["status"] = document.status
        proposed = _snapshot(document, content, document.version + 1, VersionState.PROPOSED,
                             actor=actor)  # fmt: skip
        block = wire.network_block(proposed, current_version=document.version,
                                   status_from=document.status, status_to=target)  # fmt: skip
        return {"invoice": block}

    return _request_action(
        invoice, "edit", make_body, lambda document: document.status, actor=actor,
        expected_version=expected_version, source=source,
    )  # fmt: skip


def cancel_invoice(
    invoice,
    remarks,
    *,
    action=SupplierAction.CANCEL,
    actor=None,
    expected_version=None,
    source=Source.STAFF,
):
    """Cancel (or delete) our invoice on the network (`invoice.status_change`)."""
    return documents.request_decision(
        SPEC, invoice, "invoice.status_change", action, remarks, action="cancel", actor=actor,
        expected_version=expected_version, source=source, refuse=_refuse_provisional,
    )  # fmt: skip


# -- the network's answer to a request of ours --------------------------------------------


def apply_network_result(outbound: OutboundMessage, body: dict, *, inbound=None) -> Received:
    """Apply the `resp-*` for one of our requests: the status it carries, or its refusal
    (see `documents.services.apply_network_result`)."""
    return _received(documents.apply_network_result(SPEC, outbound, body, inbound=inbound))


def send_request_again(invoice, *, actor=None) -> OutboundMessage:
    """Send the invoice's overdue request to the network again: same reqMsgId, same body."""
    return documents.send_request_again(SPEC, invoice, actor=actor)


def give_up_request(invoice, reason, *, actor=None) -> OutboundMessage:
    """Stop waiting for the invoice's overdue request: back where it was, reason recorded."""
    return documents.give_up_request(SPEC, invoice, reason, actor=actor)
