"""Every change to an invoice: one function per action (PROTOCOL.md §4).

Each locks the invoice row, checks versions and the local rule table
(`choices.ALLOWED_FROM`), writes the snapshot and/or the status history row, and
saves. Decisions of ours create their OutboundMessage in the same transaction and
leave the invoice pending until `apply_network_result` applies the network's answer.

Refusals raise `Rejected(code, detail, field)`: handlers pass it to the sender, the
admin shows it, the API maps it to 400/409.
"""

import hashlib
import json
import secrets
import string
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from b2bportal.network import delivery, outbox
from b2bportal.network.handling import Rejected
from b2bportal.network.models import OutboundMessage
from b2bportal.network.outbox import enqueue
from b2bportal.network.wire import parse
from b2bportal.parties.models import Business, Counterparty
from b2bportal.parties.services import refresh_business, resolve_sides, upsert_counterparty

from . import wire
from .choices import (
    ACTION_STATUS,
    RESPONSE_STATUS,
    BuyerResponse,
    ChangeKind,
    Role,
    Shape,
    Source,
    Status,
    SupplierAction,
    VersionState,
    allowed,
)
from .findings import add_findings, check_version, transition_checks
from .models import CONTENT_FIELDS, Invoice, InvoiceItem, InvoiceVersion, ParkedAction, StatusChange

CENT = Decimal("0.01")
REMARKS_MAX = 100


@dataclass
class Received:
    """What a received message did to its invoice."""

    invoice: Invoice
    duplicate: bool = False


# -- helpers -------------------------------------------------------------------------


def new_object_id() -> str:
    """A fresh invoice objectId: `INV` + 32 letters and digits."""
    alphabet = string.ascii_uppercase + string.digits
    return "INV" + "".join(secrets.choice(alphabet) for _ in range(32))


def _fingerprint(message_type: str, block: dict) -> str:
    encoded = json.dumps([message_type, block], sort_keys=True, cls=DjangoJSONEncoder)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _locked(object_id: str, field: str) -> Invoice:
    invoice = Invoice.objects.select_for_update().filter(object_id=object_id).first()
    if invoice is None:
        raise Rejected("UNKNOWN_DOCUMENT", f"No invoice {object_id}", field)
    return invoice


def is_pending(invoice: Invoice) -> bool:
    """True while a request of ours about this invoice awaits the network (or its result)."""
    if not invoice.pending_message_id:
        return False
    return invoice.pending_message.state != OutboundMessage.State.FAILED


def _snapshot(invoice, content: dict, number: int, state: str, *, inbound=None, actor=None):
    """Write an immutable version with its items and findings."""
    version = InvoiceVersion.objects.create(
        invoice=invoice,
        number=number,
        state=state,
        shape=content["shape"],
        status=content.get("status") or "",
        content_hash=content.get("digest") or wire.content_hash(content),
        inbound_message=inbound,
        created_by=actor,
        supplier_address=content.get("supplier_address") or {},
        buyer_address=content.get("buyer_address") or {},
        supplier_contact=content.get("supplier_contact") or {},
        buyer_contact=content.get("buyer_contact") or {},
        sections=content.get("sections") or {},
        enkash_details=content.get("enkash_details") or {},
        raw=json.loads(json.dumps(content.get("raw") or {}, cls=DjangoJSONEncoder)),
        **{name: content[name] for name in CONTENT_FIELDS if name in content},
    )
    items = InvoiceItem.objects.bulk_create(
        [InvoiceItem(version=version, **item) for item in content.get("items") or []]
    )
    for item in items:
        _as_stored(item)
    # The checks read the lines just written, as stored, and the count of findings is
    # known here: neither needs to be read back.
    arrival = content.get("arrival_findings") or ()
    version.findings_stored = len(check_version(invoice, version, items, arrival))
    return version


# Each decimal column of a line, with the exponent of its scale.
ITEM_DECIMALS = [
    (field, Decimal(1).scaleb(-field.decimal_places))
    for field in InvoiceItem._meta.concrete_fields
    if isinstance(field, models.DecimalField)
]


def _as_stored(item: InvoiceItem) -> None:
    """Give an inserted line's decimals the scale PostgreSQL stored them with (numeric
    rounds half away from zero), as reading the row back would return them."""
    for field, exponent in ITEM_DECIMALS:
        value = getattr(item, field.attname)
        if value is not None:
            stored = field.to_python(value).quantize(exponent, rounding=ROUND_HALF_UP)
            setattr(item, field.attname, stored if stored else abs(stored))  # no -0 in numeric


def _make_current(invoice: Invoice, version: InvoiceVersion) -> None:
    """Make `version` the invoice's applied content (the caller saves the invoice)."""
    if version.state != VersionState.APPLIED:
        version.state = VersionState.APPLIED
        version.save(update_fields=["state"])
    for name in CONTENT_FIELDS:
        setattr(invoice, name, getattr(version, name))
    invoice.version = version.number
    invoice.current_version = version
    # A version _snapshot just wrote knows how many findings it got; others are counted.
    stored = getattr(version, "findings_stored", None)
    invoice.finding_count = version.findings.count() if stored is None else stored


def _history(
    invoice,
    to_status,
    *,
    action,
    source,
    kind=ChangeKind.APPLIED,
    from_status=None,
    actor=None,
    remarks="",
    inbound=None,
    outbound=None,
    fingerprint="",
) -> StatusChange:
    return StatusChange.objects.create(
        invoice=invoice,
        kind=kind,
        action=action,
        from_status=invoice.status if from_status is None else from_status,
        to_status=to_status,
        version=invoice.version,
        source=source,
        actor=actor,
        remarks=remarks[:REMARKS_MAX],
        inbound_message=inbound,
        outbound_message=outbound,
        fingerprint=fingerprint,
    )


def _save(invoice: Invoice) -> None:
    invoice.updated_at = timezone.now()
    invoice.save()


# -- received documents (we are the buyer) ----------------------------------------------


def _parse_invoice(body: dict) -> dict:
    block = body.get("invoice")
    if not isinstance(block, dict):
        raise Rejected("MISSING_FIELD", "The invoice block is required", "invoice")
    if wire.is_internal(block):
        validated = parse(wire.InternalInvoiceSerializer, block, "invoice")
        content = wire.internal_content(validated, block, body["b2bIds"])
        # What the message itself says identifies it, not what our records add to it.
        content["digest"] = wire.content_hash(content)
        if content["shape"] == Shape.INTERNAL and not content["supplier_gstin"]:
            _fill_parties(content)
        return content
    validated = parse(wire.NetworkInvoiceSerializer, block, "invoice")
    content = wire.network_content(validated, block)
    for side, path in (("supplier", "supplierB2BId"), ("buyer", "buyerB2BId")):
        named, carried = content[f"{side}_b2b_id"], body["b2bIds"][path]
        if named and named != carried:
            raise Rejected(
                "INVALID_FIELD",
                f"{side} B2B ID {named} differs from b2bIds.{path} {carried}",
                f"invoice.{side}Details.b2bId",
            )
        content[f"{side}_b2b_id"] = carried
    return content


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


def _receive(body: dict, *, inbound, edit: bool) -> Received:
    b2b_ids = body["b2bIds"]
    sides = resolve_sides(b2b_ids["buyerB2BId"], b2b_ids["supplierB2BId"])
    if sides.role != Role.BUYER:
        raise Rejected(
            "INVALID_FIELD",
            "Invoices are received by their buyer; we are the supplier of this one",
            "b2bIds.buyerB2BId",
        )
    content = _parse_invoice(body)
    wire.check_columns(content)
    if not content.get("digest"):  # worked out once: the snapshot stores the same
        content["digest"] = wire.content_hash(content)
    digest = content["digest"]
    version_path = "invoice.objectVersion.newVersion"
    with transaction.atomic():
        invoice = _find_received(content)
        if invoice is None:
            try:
                with transaction.atomic():
                    return Received(_create_received(content, sides, inbound=inbound, edit=edit))
            except IntegrityError:
                # Another delivery created it a moment ago (its commit let our insert fail):
                # carry on with that invoice, as if we had come second.
                invoice = Invoice.objects.select_for_update().get(object_id=content["object_id"])
        if invoice.role != Role.BUYER:
            raise Rejected(
                "INVALID_FIELD",
                "We are the supplier of this invoice",
                "b2bIds.buyerB2BId",
                document=invoice,
            )
        held = {v.number: v for v in invoice.versions.exclude(state=VersionState.REFUSED)}
        number = content["version"]
        if number is None:  # the internal shape names no version: match the content
            same = [v for v in held.values() if v.content_hash == digest]
            if same:
                return Received(invoice, duplicate=True)
            number = invoice.version + 1 if edit else 1
        existing = held.get(number)
        if existing is not None:
            if existing.content_hash == digest:
                return Received(invoice, duplicate=True)
            raise Rejected(
                "VERSION_CONFLICT",
                f"Version {number} already held with different content",
                version_path,
                document=invoice,
            )
        _check_acts_on(invoice, content, number)
        if number < invoice.version:
            # A late version we never held: kept for history, the applied one stays.
            _snapshot(invoice, content, number, VersionState.SUPERSEDED, inbound=inbound)
            return Received(invoice)
        if number > invoice.version + 1:
            _snapshot(invoice, content, number, VersionState.PARKED, inbound=inbound)
            return Received(invoice)
        version = _snapshot(invoice, content, number, VersionState.APPLIED, inbound=inbound)
        _apply_received_version(invoice, version, inbound=inbound, edit=edit)
        _drain(invoice)
        return Received(invoice)


def _find_received(content: dict) -> Invoice | None:
    """The invoice a received version belongs to, locked: by objectId, else by EnKash's
    own id. An invoice first keyed by EnKash's id (no `nbblInvoiceId` yet) is joined to
    the network's objectId when a version carrying both arrives, not duplicated."""
    locked = Invoice.objects.select_for_update()
    invoice = locked.filter(object_id=content["object_id"]).first()
    enkash_id = content.get("enkash_id")
    if invoice is not None or enkash_id is None:
        return invoice
    invoice = locked.filter(enkash_id=enkash_id).first()
    if invoice is None:
        return None
    if content["object_id"] == wire.provisional_object_id(enkash_id):
        return invoice
    if invoice.object_id.startswith(wire.PROVISIONAL_PREFIX):
        invoice.object_id = content["object_id"]  # the network's id arrived: join
        invoice.save(update_fields=["object_id"])
        return invoice
    raise Rejected(
        "VERSION_CONFLICT",
        f"EnKash invoice {enkash_id} is already {invoice.object_id}, not {content['object_id']}",
        "invoice.nbblInvoiceId",
        document=invoice,
    )


def _check_acts_on(invoice: Invoice, content: dict, number: int) -> None:
    """Refuse the next version when the version it says it replaces is not ours.

    A version that would apply next (`newVersion` = ours + 1) names in `currentVersion`
    the version it was made from: behind ours, the sender edited a version we already
    replaced; ahead of ours, it contradicts its own `newVersion`. Applying either would
    silently drop a change (PROTOCOL.md §4). Versions further ahead are parked as usual.
    """
    current = content.get("current_version")
    if current is None or number != invoice.version + 1 or current == invoice.version:
        return
    path = "invoice.objectVersion.currentVersion"
    if current < invoice.version:
        raise Rejected(
            "STALE_VERSION",
            f"Made from version {current}; the invoice is at version {invoice.version}",
            path,
            document=invoice,
        )
    raise Rejected(
        "INVALID_FIELD",
        f"currentVersion {current} is not before newVersion {number}",
        path,
        document=invoice,
    )


def _party_details(source, side: str) -> dict:
    """What a version (or parsed content) tells about one party, as party field values."""

    def get(name):
        return source.get(name) if isinstance(source, dict) else getattr(source, name)

    details = {
        name: get(f"{side}_{name}") for name in ("gstin", "legal_name", "trade_name", "state_code")
    }
    details["address"] = get(f"{side}_address") or {}
    details.update(get(f"{side}_contact") or {})
    if side == "supplier":
        details["bank_account"] = (get("sections") or {}).get("supplierBankAccountDetails") or {}
    return details


def _learn_parties(invoice: Invoice, source, *, supplier: bool = True) -> None:
    """Keep the counterparty (and blanks of our business) up to date from what arrived.

    A changed supplier bank account lands in the counterparty's history, unattributed:
    the network changed it, not staff. `supplier=False`: the counterparty was just
    upserted from these same details.
    """
    if supplier:
        upsert_counterparty(invoice.counterparty.b2b_id, _party_details(source, "supplier"))
    refresh_business(invoice.business, _party_details(source, "buyer"))


def _create_received(content: dict, sides, *, inbound, edit: bool) -> Invoice:
    counterparty = upsert_counterparty(
        sides.counterparty_b2b_id, _party_details(content, "supplier")
    )
    invoice = Invoice.objects.create(
        object_id=content["object_id"],
        enkash_id=content.get("enkash_id"),
        role=Role.BUYER,
        business=sides.business,
        counterparty=counterparty,
        status="",
        # The network's numbers are kept as they are: 0 is a first version like any other.
        # Only the internal shape, which names none, starts at 1.
        version=1 if content["version"] is None else content["version"],
        **{name: content[name] for name in CONTENT_FIELDS if name in content},
    )
    version = _snapshot(invoice, content, invoice.version, VersionState.APPLIED, inbound=inbound)
    # The version holds the same party details the counterparty was upserted from above.
    _apply_received_version(invoice, version, inbound=inbound, edit=edit, learned=True)
    return invoice


def _apply_received_version(invoice, version, *, inbound, edit: bool, learned=False) -> None:
    status = version.status or invoice.status or Status.SENT_TO_BUYER
    _make_current(invoice, version)
    _learn_parties(invoice, version, supplier=not learned)
    _history(
        invoice, status, action="edit" if edit else "send", source=Source.NETWORK, inbound=inbound
    )
    invoice.status = status
    _save(invoice)


def receive_invoice(body: dict, *, inbound=None) -> Received:
    """A supplier's invoice reaches us (`req-send-invoice`), in either shape."""
    return _receive(body, inbound=inbound, edit=False)


def receive_edit(body: dict, *, inbound=None) -> Received:
    """A supplier's new version of an invoice reaches us (`req-edit-invoice`)."""
    return _receive(body, inbound=inbound, edit=True)


def _drain(invoice: Invoice) -> None:
    """Apply what was parked waiting for the version the invoice now has, in order."""
    while True:
        parked = invoice.versions.filter(
            state=VersionState.PARKED, number=invoice.version + 1
        ).first()
        actions = list(invoice.parked_actions.filter(version=invoice.version, applied_at=None))
        for action in actions:
            _apply_action(
                invoice, action.message_type, action.block, inbound=action.inbound_message
            )
            action.applied_at = timezone.now()
            action.save(update_fields=["applied_at"])
        if parked is None:
            return
        _apply_received_version(invoice, parked, inbound=parked.inbound_message, edit=True)


# -- received actions ------------------------------------------------------------------


ACTION_BLOCKS = {
    "invoice.confirm": ("invoiceConfirmation", Role.SUPPLIER),
    "invoice.status_change": ("invoiceStatus", Role.BUYER),
}


def _action_target(message_type: str, block: dict) -> tuple[str, str, str]:
    """(new status, action label, remarks) a received confirmation/status change carries.

    A confirmation's `buyerResponse` decides its status, whatever its transition says
    (a contradiction becomes a finding, see `_apply_action`).
    """
    if message_type == "invoice.confirm":
        response = block["buyerResponse"]
        return RESPONSE_STATUS[response], f"confirm:{response}", block["buyerRemarks"]
    carried = (block.get("statusTransition") or {}).get("newStatus")
    action = block["supplierAction"]
    return carried or ACTION_STATUS[action], f"status:{action}", block["supplierRemarks"]


def _apply_action(invoice, message_type, block, *, inbound, fingerprint="") -> None:
    status, label, remarks = _action_target(message_type, block)
    if message_type == "invoice.confirm":
        add_findings(invoice, transition_checks(block, status))
    new_version = block["objectVersion"]["newVersion"]
    _history(
        invoice,
        status,
        action=label,
        source=Source.NETWORK,
        remarks=remarks,
        inbound=inbound,
        fingerprint=fingerprint or _fingerprint(message_type, block),
    )
    invoice.status = status
    invoice.version = max(invoice.version, new_version)
    _save(invoice)


def _receive_action(message_type: str, body: dict, block: dict, *, inbound) -> Received:
    path, our_role = ACTION_BLOCKS[message_type]
    b2b_ids = body["b2bIds"]
    resolve_sides(b2b_ids["buyerB2BId"], b2b_ids["supplierB2BId"])  # one of them is ours
    # The side this message is addressed to (both may be ours when our businesses trade).
    ours = "supplierB2BId" if our_role == Role.SUPPLIER else "buyerB2BId"
    with transaction.atomic():
        invoice = _locked(block["objectId"], f"{path}.objectId")
        if invoice.role != our_role or invoice.business.b2b_id != b2b_ids[ours]:
            raise Rejected(
                "INVALID_FIELD",
                f"This message is for the {our_role} of the invoice; we are not",
                f"b2bIds.{ours}",
                document=invoice,
            )
        fingerprint = _fingerprint(message_type, block)
        if (
            invoice.status_changes.filter(fingerprint=fingerprint).exists()
            or invoice.parked_actions.filter(message_type=message_type, block=block).exists()
        ):
            return Received(invoice, duplicate=True)
        acts_on = block["objectVersion"]["currentVersion"]
        if acts_on > invoice.version:
            ParkedAction.objects.create(
                invoice=invoice,
                version=acts_on,
                message_type=message_type,
                block=block,
                inbound_message=inbound,
            )
            return Received(invoice)
        if acts_on < invoice.version:
            raise Rejected(
                "STALE_VERSION",
                f"Acts on version {acts_on}; the invoice is at version {invoice.version}",
                f"{path}.objectVersion.currentVersion",
                document=invoice,
            )
        _apply_action(invoice, message_type, block, inbound=inbound, fingerprint=fingerprint)
        return Received(invoice)


def receive_confirmation(body: dict, block: dict, *, inbound=None) -> Received:
    """The buyer's ACCEPT/REJECT/RETURN of an invoice we supplied (`req-confirm-invoice`)."""
    return _receive_action("invoice.confirm", body, block, inbound=inbound)


def receive_status_change(body: dict, block: dict, *, inbound=None) -> Received:
    """The supplier cancels or deletes an invoice we received (`req-status-change-invoice`)."""
    return _receive_action("invoice.status_change", body, block, inbound=inbound)


# -- our decisions -----------------------------------------------------------------------


def validate_remarks(remarks, field: str = "remarks") -> str:
    """Remarks the network accepts: 1-100 characters, no `"` or `\\`."""
    remarks = (remarks or "").strip()
    if not remarks:
        raise Rejected("MISSING_FIELD", "Remarks are required", field)
    if len(remarks) > REMARKS_MAX:
        raise Rejected("INVALID_FIELD", f"At most {REMARKS_MAX} characters", field)
    if '"' in remarks or "\\" in remarks:
        raise Rejected("INVALID_FIELD", 'Remarks must not contain " or \\', field)
    return remarks


def _lock_for_decision(invoice, action: str, expected_version) -> Invoice:
    locked = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("pending_message")
        .get(pk=invoice.pk)
    )
    if expected_version is not None and int(expected_version) != locked.version:
        raise Rejected(
            "STALE_VERSION",
            f"The invoice changed: it is now at version "
            f"{locked.version}, you saw version {expected_version}",
            "version",
        )
    if is_pending(locked):
        raise Rejected("ACTION_PENDING", "A request about this invoice is awaiting the network", "")
    if locked.object_id.startswith(wire.PROVISIONAL_PREFIX):  # the network would not know it
        raise Rejected("INVALID_TRANSITION", "The network has not numbered this invoice yet",
                       "object_id")  # fmt: skip
    if not allowed(action, locked.role, locked.status):
        raise Rejected(
            "INVALID_TRANSITION",
            f"Cannot {action} an invoice that is "
            f"{locked.get_status_display()} (we are the {locked.role})",
            "status",
        )
    return locked


def _b2b_ids(invoice) -> dict:
    return {"buyerB2BId": invoice.buyer_b2b_id, "supplierB2BId": invoice.supplier_b2b_id}


def _device(business: Business) -> dict:
    """`device.tag` GEOCODE: the business's own, else ENKASH_DEVICE_GEOCODE."""
    return {"tag": {"name": "GEOCODE", "value": business.geocode or settings.ENKASH_DEVICE_GEOCODE}}


def _action_block(invoice, target: str, **decision) -> dict:
    """The block of a confirm or status change: which version it acts on, what, and the move."""
    return {
        "objectId": invoice.object_id,
        "supplierInvoiceNumber": invoice.supplier_invoice_number,
        "objectVersion": {"currentVersion": invoice.version, "newVersion": invoice.version},
        **decision,
        "statusTransition": {"currentStatus": invoice.status, "newStatus": target},
    }


def _request(invoice, message_type, body, *, target, label, actor, source, remarks=""):
    """Write our request (every one carries the business's device tag) and mark it pending."""
    message = enqueue(
        message_type,
        {"device": _device(invoice.business), **body},
        document=invoice,
        object_id=invoice.object_id,
        object_version=invoice.version,
        buyer_b2b_id=invoice.buyer_b2b_id,
        supplier_b2b_id=invoice.supplier_b2b_id,
        created_by=actor,
    )
    _history(
        invoice,
        target,
        kind=ChangeKind.REQUESTED,
        action=label,
        source=source,
        actor=actor,
        remarks=remarks,
        outbound=message,
    )
    invoice.pending_message = message
    invoice.pending_status = target
    _save(invoice)
    return message


def confirm(
    invoice, response, remarks, *, actor=None, expected_version=None, source=Source.STAFF
) -> OutboundMessage:
    """Our decision as buyer: ACCEPT, REJECT or RETURN, sent to the network with remarks."""
    if response not in BuyerResponse.values:
        raise Rejected("INVALID_FIELD", "response must be ACCEPT, REJECT or RETURN", "response")
    remarks = validate_remarks(remarks)
    with transaction.atomic():
        invoice = _lock_for_decision(invoice, "confirm", expected_version)
        target = RESPONSE_STATUS[response]
        body = {
            "b2bIds": _b2b_ids(invoice),
            "invoiceConfirmation": _action_block(
                invoice, target, buyerResponse=response, buyerRemarks=remarks
            ),
        }
        return _request(
            invoice,
            "invoice.confirm",
            body,
            target=target,
            label=f"confirm:{response}",
            actor=actor,
            source=source,
            remarks=remarks,
        )


# -- our own invoices (we are the supplier) -------------------------------------------------


def _local_content(business: Business, data: dict) -> dict:
    """Canonical content of an invoice staff write: taxes worked out from the place of supply.

    `data`: buyer (dict of party fields incl. b2b_id), supplier_invoice_number,
    invoice_date, due_date, place_of_supply, items [{description, hsn_code, quantity,
    unit, unit_price, gst_rate, is_service}].
    """
    buyer = data["buyer"]
    place = data.get("place_of_supply") or buyer.get("state_code") or ""
    intra = place == business.state_code
    items = []
    for position, line in enumerate(data["items"], start=1):
        quantity, price = Decimal(line["quantity"]), Decimal(line["unit_price"])
        rate = Decimal(line.get("gst_rate") or 0)
        amount = (quantity * price).quantize(CENT)
        tax = (amount * rate / 100).quantize(CENT)
        half = (tax / 2).quantize(CENT)
        items.append(
            {
                "position": position,
                "serial_no": str(position),
                "description": line.get("description", ""),
                "hsn_code": line.get("hsn_code", ""),
                "is_service": bool(line.get("is_service")),
                "quantity": quantity,
                "unit": line.get("unit", ""),
                "unit_price": price,
                "gross_amount": amount,
                "assessable_amount": amount,
                "gst_rate": rate,
                "cgst_rate": rate / 2 if intra else 0,
                "sgst_rate": rate / 2 if intra else 0,
                "igst_rate": 0 if intra else rate,
                "cgst_amount": half if intra else 0,
                "sgst_amount": half if intra else 0,
                "igst_amount": 0 if intra else tax,
                "total_item_value": amount + (2 * half if intra else tax),
            }
        )
    sums = {
        key: sum((Decimal(i[key]) for i in items), Decimal(0))
        for key in ("assessable_amount", "cgst_amount", "sgst_amount", "igst_amount")
    }
    return {
        "shape": Shape.LOCAL,
        "supplier_invoice_number": data["supplier_invoice_number"],
        "invoice_date": data.get("invoice_date"),
        "due_date": data.get("due_date"),
        "currency": "INR",
        "supplier_b2b_id": business.b2b_id,
        "supplier_gstin": business.gstin,
        "supplier_legal_name": business.legal_name,
        "supplier_trade_name": business.trade_name,
        "supplier_state_code": business.state_code,
        "supplier_address": business.address,
        "buyer_b2b_id": buyer["b2b_id"],
        "buyer_gstin": buyer.get("gstin", ""),
        "buyer_legal_name": buyer.get("legal_name", ""),
        "buyer_trade_name": buyer.get("trade_name", ""),
        "buyer_state_code": buyer.get("state_code", ""),
        "buyer_address": buyer.get("address") or {},
        "place_of_supply": place,
        "assessable_value": sums["assessable_amount"],
        "cgst_amount": sums["cgst_amount"],
        "sgst_amount": sums["sgst_amount"],
        "igst_amount": sums["igst_amount"],
        "cess_amount": Decimal(0),
        "other_charges": Decimal(0),
        "total_value": sum(sums.values(), Decimal(0)),
        "items": items,
        "sections": data.get("sections") or {},
        "raw": {},
    }


def create_invoice(business: Business, data: dict, *, actor=None) -> Invoice:
    """A new invoice of ours as supplier, CREATED at version 1 (not sent yet)."""
    if not data.get("items"):
        raise Rejected("MISSING_FIELD", "An invoice needs at least one line", "items")
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
        _save(invoice)
        return invoice


def send_invoice(invoice, *, actor=None, expected_version=None, source=Source.STAFF):
    """Send our CREATED invoice to the buyer through the network (`invoice.send`)."""
    with transaction.atomic():
        invoice = _lock_for_decision(invoice, "send", expected_version)
        block = wire.network_block(
            invoice.current_version,
            status_from=invoice.status,
            status_to=Status.SENT_TO_BUYER,
            current_version=0,
        )
        body = {"b2bIds": _b2b_ids(invoice), "invoice": block}
        return _request(
            invoice,
            "invoice.send",
            body,
            target=Status.SENT_TO_BUYER,
            label="send",
            actor=actor,
            source=source,
        )


def edit_invoice(invoice, data: dict, *, actor=None, expected_version=None, source=Source.STAFF):
    """A new version of our invoice, proposed to the network (`invoice.edit`).

    The version is applied when the network accepts it; refused, the invoice stays as it was.
    """
    with transaction.atomic():
        invoice = _lock_for_decision(invoice, "edit", expected_version)
        content = _local_content(invoice.business, data)
        content["status"] = invoice.status
        proposed = _snapshot(
            invoice, content, invoice.version + 1, VersionState.PROPOSED, actor=actor
        )
        block = wire.network_block(
            proposed,
            status_from=invoice.status,
            status_to=invoice.status,
            current_version=invoice.version,
        )
        body = {"b2bIds": _b2b_ids(invoice), "invoice": block}
        return _request(
            invoice,
            "invoice.edit",
            body,
            target=invoice.status,
            label="edit",
            actor=actor,
            source=source,
        )


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
    remarks = validate_remarks(remarks)
    with transaction.atomic():
        invoice = _lock_for_decision(invoice, "cancel", expected_version)
        target = ACTION_STATUS[action]
        body = {
            "b2bIds": _b2b_ids(invoice),
            "invoiceStatus": _action_block(
                invoice, target, supplierAction=action, supplierRemarks=remarks
            ),
        }
        return _request(
            invoice,
            "invoice.status_change",
            body,
            target=target,
            label=f"status:{action}",
            actor=actor,
            source=source,
            remarks=remarks,
        )


# -- the network's answer to a request of ours --------------------------------------------


def apply_network_result(outbound: OutboundMessage, body: dict, *, inbound=None) -> Received:
    """Apply the `resp-*` for one of our requests: the status it carries, or its refusal.

    SUCCESS: the invoice takes the status the network carries (the block's
    statusTransition.newStatus, else the status our request asked for); an edit's
    proposed version becomes the applied one. Anything else: the invoice stays as it
    was and shows errorCd/errorDtl/errorField. A result for a request the invoice no
    longer waits for (already answered, failed or given up) changes nothing.
    Delivery reaches here too, with a FAILURE of its own, when our call is refused.
    """
    resp = body.get("resp") or {}
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update()
            .filter(pk=outbound.document_id, object_id=outbound.object_id)
            .first()
        )
        if invoice is None:
            raise Rejected(
                "UNKNOWN_DOCUMENT",
                "The request this result answers concerns no invoice of ours",
                "resp.reqMsgId",
            )
        if invoice.pending_message_id != outbound.pk:
            return Received(invoice, duplicate=True)  # already applied
        # The outbound message's own record of the result is the network inbox's
        # (outbox.record_result, after this handler, in the same transaction).
        if str(resp.get("result") or "").upper() != "SUCCESS":
            _leave_unapplied(
                invoice,
                outbound,
                source=Source.NETWORK,
                remarks=str(resp.get("errorDtl") or ""),
                error=(
                    str(resp.get("errorCd") or resp.get("result") or "FAILED"),
                    str(resp.get("errorDtl") or ""),
                    str(resp.get("errorField") or ""),
                ),
                inbound=inbound,
            )
            return Received(invoice)
        label = outbound.message_type.removeprefix("invoice.")
        proposed = invoice.versions.filter(state=VersionState.PROPOSED).first()
        # Who asked, and why: the history row written with the request.
        requested = invoice.status_changes.get(kind=ChangeKind.REQUESTED, outbound_message=outbound)
        block = body.get(_RESULT_BLOCKS.get(outbound.message_type, "")) or {}
        carried = (block.get("statusTransition") or {}).get("newStatus")
        status = carried if carried in Status.values else invoice.pending_status
        if proposed is not None:
            _make_current(invoice, proposed)
        _history(
            invoice,
            status,
            action=label,
            source=requested.source,
            actor=outbound.created_by,
            remarks=requested.remarks,
            inbound=inbound,
            outbound=outbound,
        )
        invoice.status = status
        invoice.last_error_code = invoice.last_error_detail = invoice.last_error_field = ""
        invoice.pending_message = None
        invoice.pending_status = ""
        _save(invoice)
        return Received(invoice)


def _leave_unapplied(invoice, outbound, *, source, remarks, error, actor=None, inbound=None):
    """Our request will not take effect: the invoice stays as it was, no longer pending.

    Its proposed version (an edit) is refused, the history records why (a REFUSED
    row), and `error` (code, detail, field) is shown on the invoice. The caller holds
    the invoice's row lock.
    """
    proposed = invoice.versions.filter(state=VersionState.PROPOSED).first()
    if proposed is not None:
        proposed.state = VersionState.REFUSED
        proposed.save(update_fields=["state"])
    _history(
        invoice,
        invoice.status,
        kind=ChangeKind.REFUSED,
        action=outbound.message_type.removeprefix("invoice."),
        source=source,
        actor=actor or outbound.created_by,
        remarks=remarks,
        inbound=inbound,
        outbound=outbound,
    )
    invoice.last_error_code, invoice.last_error_detail, invoice.last_error_field = error
    invoice.pending_message = None
    invoice.pending_status = ""
    _save(invoice)


def _lock_overdue(invoice) -> tuple[Invoice, OutboundMessage]:
    """The invoice, locked, and its request overdue at the network; refused when none is."""
    locked = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("pending_message")
        .get(pk=invoice.pk)
    )
    outbound = locked.pending_message
    if outbound is None or not outbound.is_overdue:
        raise Rejected("NOT_OVERDUE", "No request about this invoice is overdue at the network", "")
    return locked, outbound


def send_request_again(invoice, *, actor=None) -> OutboundMessage:
    """Send the invoice's overdue request to the network again: same reqMsgId, same body.

    The invoice stays pending on it; the network can tell the repeat by its reqMsgId.
    """
    with transaction.atomic():
        invoice, outbound = _lock_overdue(invoice)
        return delivery.send_again(outbound, actor=actor)


def give_up_request(invoice, reason, *, actor=None) -> OutboundMessage:
    """Stop waiting for the invoice's overdue request: back where it was, reason recorded.

    The message is marked given up, so a result arriving later changes nothing; staff
    can decide again.
    """
    reason = validate_remarks(reason, field="reason")
    with transaction.atomic():
        invoice, outbound = _lock_overdue(invoice)
        outbox.give_up(outbound, reason, actor=actor)
        _leave_unapplied(
            invoice,
            outbound,
            source=Source.STAFF,
            remarks=reason,
            error=("GIVEN_UP", f"No result from the network; given up: {reason}", ""),
            actor=actor,
        )
        return outbound


_RESULT_BLOCKS = {
    "invoice.send": "invoice",
    "invoice.edit": "invoice",
    "invoice.confirm": "invoiceConfirmation",
    "invoice.status_change": "invoiceStatus",
}
