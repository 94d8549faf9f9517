"""One implementation, for every family, of how a document changes (PROTOCOL.md §4).

Every function takes the family's spec (`documents.spec.FamilySpec`) and reads from it
what differs between families: models, labels, rules, wire blocks. A family's own
`services.py` keeps only what is its own (reading its content, making its versions,
its rules) and calls these with its spec.

- receive a version: new, duplicate, conflict, stale, parked ahead of sequence, late
  (`receive_network_version`), and apply what was parked once the gap closes (`drain`);
- receive a counterparty's action, parked when it names a version we do not hold yet
  (`receive_action`);
- request an action of ours (`lock_for_decision`, then `request`): the row locked, the
  expected version checked, the document pending, the outbox written, all in one
  transaction;
- the network's result (`apply_network_result`), sending an overdue request again and
  giving it up (`send_request_again`, `give_up_request`).

Refusals raise `DocumentError(code, detail, field)`.
"""

import hashlib
import json
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, partial

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from b2bportal import rows
from b2bportal.network import delivery, outbox
from b2bportal.network.envelope import to_json
from b2bportal.network.models import OutboundMessage
from b2bportal.network.outbox import enqueue
from b2bportal.parties.models import Business
from b2bportal.parties.services import (
    Sides,
    counterparty_row,
    refresh_business,
    resolve_sides,
    upsert_counterparty,
)

from .choices import ChangeKind, Role, Source, VersionState
from .errors import DocumentError
from .hooks import version_applied
from .spec import FamilySpec
from .values import ReceivedDecision

REMARKS_MAX = 100
OBJECT_ID_ALPHABET = string.ascii_uppercase + string.digits


@dataclass
class Received:
    """What a received message did to its document; `duplicate`: nothing, it was known."""

    document: models.Model
    duplicate: bool = False


# -- small pieces ------------------------------------------------------------------------


def new_object_id(spec: FamilySpec) -> str:
    """A fresh objectId: the family's prefix, then letters and digits up to 35 characters."""
    length = 35 - len(spec.id_prefix)
    return spec.id_prefix + "".join(secrets.choice(OBJECT_ID_ALPHABET) for _ in range(length))


def fingerprint(message_type: str, block: dict) -> str:
    """What identifies a received action: its type and block, whatever else came with it."""
    encoded = json.dumps([message_type, block], sort_keys=True, cls=DjangoJSONEncoder)
    return hashlib.sha256(encoded.encode()).hexdigest()


def validate_remarks(remarks, field: str = "remarks") -> str:
    """Remarks the network accepts: 1-100 characters, no `"` or `\\`."""
    remarks = (remarks or "").strip()
    if not remarks:
        raise DocumentError("MISSING_FIELD", "Remarks are required", field)
    if len(remarks) > REMARKS_MAX:
        raise DocumentError("INVALID_FIELD", f"At most {REMARKS_MAX} characters", field)
    if '"' in remarks or "\\" in remarks:
        raise DocumentError("INVALID_FIELD", 'Remarks must not contain " or \\', field)
    return remarks


def is_pending(document) -> bool:
    """True while a request of ours about this document awaits the network (or its result)."""
    if not document.pending_message_id:
        return False
    return document.pending_message.state != OutboundMessage.State.FAILED


@cache
def _find_locked_sql(model, column: str) -> str:
    table, name = (connection.ops.quote_name(n) for n in (model._meta.db_table, column))
    # Names from the model's own metadata, quoted: no outside text reaches the SQL.
    return f"SELECT * FROM {table} WHERE {name} = %s LIMIT 1 FOR UPDATE"  # noqa: S608


def find_locked(model, column: str, value):
    """The row of `model` whose unique `column` holds `value`, row-locked, or None.

    Every received version and every decision finds its document so: one statement,
    its SQL made once per model and column (the ORM would build it anew each time).
    """
    return next(iter(model.objects.raw(_find_locked_sql(model, column), [value])), None)


def locked(spec: FamilySpec, object_id: str, field: str):
    """The document with this objectId, row-locked; refused when we hold none."""
    document = find_locked(spec.document_model, "object_id", object_id)
    if document is None:
        raise DocumentError("UNKNOWN_DOCUMENT", f"No {spec.label} {object_id}", field)
    return document


def save(document) -> None:
    """Save a changed document, marking when it changed."""
    document.updated_at = timezone.now()
    document.save()


def history(spec: FamilySpec, document, to_status, **details):
    """Append one row to the document's status history (at its current version);
    `details` as for `history_row`."""
    row = history_row(spec, document, to_status, **details)
    row.save(force_insert=True)
    return row


def history_row(
    spec: FamilySpec,
    document,
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
):
    """The status history row of a change, not written yet (`history` writes it; a new
    document's first row goes with its other rows through `rows.insert`)."""
    return spec.history_model(
        **{spec.parent_field: document},
        kind=kind,
        action=action,
        from_status=document.status if from_status is None else from_status,
        to_status=to_status,
        version=document.version,
        source=source,
        actor=actor,
        remarks=remarks[:REMARKS_MAX],
        inbound_message=inbound,
        outbound_message=outbound,
        fingerprint=fingerprint,
    )


def add_findings(spec: FamilySpec, document, found: list[tuple]) -> None:
    """Store findings a message (not a version's content) raised, on the document's
    current version, and count them on the document (the caller saves it)."""
    if not found or document.current_version_id is None:
        return
    spec.finding_model.objects.bulk_create(
        spec.finding_model(
            version_id=document.current_version_id, code=code, field=field, message=message[:300]
        )
        for code, field, message in found
    )
    document.finding_count += len(found)


def party_details(source, side: str) -> dict:
    """What a version (or parsed content) tells about one party ("buyer" or "supplier"),
    as party field values; the supplier's bank account with them."""

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


def learn_parties(document, source, *, counterparty: bool = True) -> None:
    """Keep the counterparty (and blanks of our business) up to date from what arrived.

    A changed supplier bank account lands in the counterparty's history, unattributed:
    the network changed it, not staff. `counterparty=False`: it was just upserted from
    these same details.
    """
    theirs = "supplier" if document.role == Role.BUYER else "buyer"
    if counterparty:
        upsert_counterparty(document.counterparty.b2b_id, party_details(source, theirs))
    refresh_business(document.business, party_details(source, document.role))


# -- versions ------------------------------------------------------------------------------


@cache
def _line_decimals(line_model: type[models.Model]) -> list:
    """Each decimal column of a family's lines, with the exponent of its scale."""
    return [
        (field, Decimal(1).scaleb(-field.decimal_places))
        for field in line_model._meta.concrete_fields
        if isinstance(field, models.DecimalField)
    ]


def as_stored(line, decimals: list) -> None:
    """Give an inserted line's decimals the scale PostgreSQL stored them with (numeric
    rounds half away from zero), as reading the row back would return them."""
    for field, exponent in decimals:
        value = getattr(line, field.attname)
        if value is not None:
            number = value if type(value) is Decimal else field.to_python(value)
            stored = number.quantize(exponent, rounding=ROUND_HALF_UP)
            setattr(line, field.attname, stored if stored else abs(stored))  # no -0 in numeric


DETAILS = ("supplier_address", "buyer_address", "supplier_contact", "buyer_contact", "sections")


def version_values(spec: FamilySpec, content: dict, *, digest: Callable, inbound=None, actor=None):
    """The columns of a new version every family writes the same way: the status it
    carried, its content digest (`digest(content)` unless the reading made one), where
    it came from, the parties' details, its other sections, the raw block (as JSON),
    and the family's content columns."""
    return {
        "status": content.get("status") or "",
        "content_hash": content.get("digest") or digest(content),
        "inbound_message": inbound,
        "created_by": actor,
        **{name: content.get(name) or {} for name in DETAILS},
        "raw": to_json(content.get("raw") or {}),
        **{name: content[name] for name in spec.content_fields if name in content},
    }


def new_version(
    spec: FamilySpec, document, content: dict, number: int, state: str, *, digest: Callable,
    inbound=None, actor=None, **columns,
):  # fmt: skip
    """A new immutable version of `document` (`version_values`, plus the family's own
    `columns`) and its lines, not written yet: (version, lines). The lines' decimals
    are as PostgreSQL will store them, so checks read what will be kept."""
    version = spec.version_model(
        **{spec.parent_field: document},
        number=number,
        state=state,
        **version_values(spec, content, digest=digest, inbound=inbound, actor=actor),
        **columns,
    )
    decimals = _line_decimals(spec.line_model)
    lines = [spec.line_model(version=version, **item) for item in content.get("items") or []]
    for line in lines:
        as_stored(line, decimals)
    return version, lines


def finding_rows(spec: FamilySpec, version, found: list[tuple]) -> list:
    """The finding rows of `found` ((code, field, message) tuples) on `version`, unwritten."""
    return [
        spec.finding_model(version=version, code=code, field=field, message=message[:300])
        for code, field, message in found
    ]


def write_version(spec: FamilySpec, version, lines: list, found: list[tuple]):
    """Write a version made by `new_version`, with its lines and its findings: the version
    first (its id comes back), then the rest in one round trip. Returns the version,
    knowing how many findings it got."""
    version.save()
    rows.insert(lines, finding_rows(spec, version, found))
    version.findings_stored = len(found)
    return version


def make_current(spec: FamilySpec, document, version) -> None:
    """Make `version` the document's applied content (the caller saves the document).

    Other apps hear of it through `hooks.version_applied` (e.g. an invoice's link to
    the purchase order its applied version names)."""
    if version.state != VersionState.APPLIED:
        version.state = VersionState.APPLIED
        version.save(update_fields=["state"])
    for name in spec.content_fields:
        setattr(document, name, getattr(version, name))
    document.version = version.number
    document.current_version = version
    # A version the family's snapshot just wrote knows how many findings it got.
    stored = getattr(version, "findings_stored", None)
    document.finding_count = version.findings.count() if stored is None else stored
    version_applied.send(sender=spec.document_model, document=document, version=version)


def next_id(model) -> RawSQL:
    """An expression reserving the next id of `model`'s table, to ride along a look-up:
    rows written together (`rows.insert`) can then point at each other. An id left
    unused is a gap in the ids, nothing more."""
    return RawSQL(
        "nextval(pg_get_serial_sequence(%s, 'id'))", (model._meta.db_table,),
        output_field=models.BigIntegerField(),
    )  # fmt: skip


def look_up(spec: FamilySpec, object_id: str, b2b_ids: dict, **annotations) -> Sides:
    """Our business on a received version: the one on the family's receiving side (a
    purchase order's supplier, an invoice's buyer), read in one statement that also
    takes the document's lock (`document_lock`), reads the counterparty we know
    (`counterparty_row`) and reserves the ids of a new document and its first version
    (`next_id`): all found on `Sides.business`, as `create_received` takes them.
    `annotations`: the family's own look-ups riding along. A message whose receiving
    side is not one of our businesses is refused (UNKNOWN_B2B_ID), whatever the other
    side is."""
    receiver = spec.receiver_role
    sender = Role.SUPPLIER if receiver == Role.BUYER else Role.BUYER
    ours, theirs = b2b_ids[f"{receiver}B2BId"], b2b_ids[f"{sender}B2BId"]
    business = (
        Business.objects.annotate(
            document_lock=document_lock(object_id),
            counterparty_row=counterparty_row(theirs),
            next_document_id=next_id(spec.document_model),
            next_version_id=next_id(spec.version_model),
            **annotations,
        )
        .filter(b2b_id=ours)
        .first()
    )
    if business is None:
        raise DocumentError(
            "UNKNOWN_B2B_ID",
            f"{receiver.capitalize()} B2B ID {ours!r} is not one of our businesses "
            f"({spec.label}s are received by their {receiver})",
            f"b2bIds.{receiver}B2BId",
        )
    return Sides(receiver, business, theirs)


# The first key of every document's advisory lock (the second: the objectId's hash), in
# the two-key space, apart from the inbox's one-key locks on message fingerprints.
DOCUMENT_LOCKS = 4242


def document_lock(object_id: str) -> RawSQL:
    """An expression that takes the transaction's advisory lock on the document with
    this objectId (waiting while another transaction holds it), evaluating to ''.

    Meant to ride along an earlier look-up (an annotation on the query of our
    businesses), so a received version's find sees what a transaction that held the
    lock before it committed, and a new document needs no savepoint to be created.
    """
    return RawSQL(
        "pg_advisory_xact_lock(%s, hashtext(%s))::text", (DOCUMENT_LOCKS, object_id),
        output_field=models.TextField(),
    )  # fmt: skip


def apply_received_version(spec: FamilySpec, document, version, *, first_status, edit):
    """Make a received version the document's content and take the status it carries
    (else the document's, else `first_status`), with its history row."""
    status = version.status or document.status or first_status
    make_current(spec, document, version)
    learn_parties(document, version)
    history(
        spec,
        document,
        status,
        action="edit" if edit else "send",
        source=Source.NETWORK,
        inbound=version.inbound_message,
    )
    document.status = status
    save(document)


def create_received(
    spec: FamilySpec, content: dict, sides, *, build: Callable, first_status: str, edit: bool,
    **columns,
):  # fmt: skip
    """The document a counterparty's first version makes, that version applied, with its
    history row. The document, its version, lines, findings and history are each
    written once, in one round trip (`rows.insert`).

    `sides`: who we are on the message, from `look_up` (its business carries the ids
    reserved for the document and its version, and the counterparty we know);
    `build(document, content, number, state)` makes the version unwritten: (version,
    lines, findings as tuples). `columns`: the family's own columns of the document.
    """
    business = sides.business
    theirs = Role.SUPPLIER if spec.receiver_role == Role.BUYER else Role.BUYER
    counterparty = upsert_counterparty(
        sides.counterparty_b2b_id, party_details(content, theirs), known=business.counterparty_row
    )
    document = spec.document_model(
        pk=business.next_document_id,
        object_id=content["object_id"],
        role=spec.receiver_role,
        business=business,
        counterparty=counterparty,
        status=content.get("status") or first_status,
        # The network's numbers are kept as they are: 0 is a first version like any other.
        # Only a shape that names none starts at 1.
        version=1 if content["version"] is None else content["version"],
        **{name: content[name] for name in spec.content_fields if name in content},
        **columns,
    )
    version, lines, found = build(document, content, document.version, VersionState.APPLIED)
    version.pk = business.next_version_id
    version.findings_stored = len(found)
    make_current(spec, document, version)  # already applied: nothing of it is written yet
    change = history_row(
        spec, document, document.status, from_status="", action="edit" if edit else "send",
        source=Source.NETWORK, inbound=version.inbound_message,
    )  # fmt: skip
    rows.insert([document], [version], lines, finding_rows(spec, version, found), [change])
    # The version holds the same party details the counterparty was upserted from above.
    learn_parties(document, version, counterparty=False)
    return document


def create_local(spec: FamilySpec, business, content: dict, *, role, status, snapshot, actor):
    """A new document of ours, written here (not sent yet): version 1, applied, with a
    "create" history row. `content` names the counterparty by `<their side>_b2b_id`."""
    theirs = Role.BUYER if role == Role.SUPPLIER else Role.SUPPLIER
    with transaction.atomic():
        counterparty = upsert_counterparty(
            content[f"{theirs}_b2b_id"], party_details(content, theirs)
        )
        document = spec.document_model.objects.create(
            object_id=new_object_id(spec),
            role=role,
            business=business,
            counterparty=counterparty,
            status=status,
            version=1,
            **{name: content[name] for name in spec.content_fields},
        )
        version = snapshot(document, content, 1, VersionState.APPLIED)
        make_current(spec, document, version)
        history(spec, document, status, from_status="", action="create", source=Source.STAFF,
                actor=actor)  # fmt: skip
        save(document)
        return document


def receive_network_version(
    spec: FamilySpec, content: dict, sides, *, find: Callable, build: Callable,
    first_status: str, edit: bool, **columns,
):  # fmt: skip
    """A counterparty's version of a document reaches us: new, duplicate, conflicting,
    stale, ahead or late.

    `content` is the family's typed reading of the message (`object_id`, `version`
    (None when the shape names none), `current_version`, `digest`, ...); `sides` comes
    from `look_up`, which also holds the document's lock. The document is found by
    `find(content)` (row-locked, or None); `build(document, content, number, state)`
    makes a version unwritten (version, lines, findings); `columns`: a new document's
    own columns. A new document is made by `create_received`. A version already held
    with the same content is a duplicate; with other content a conflict. Behind ours it
    is kept as superseded; more than one ahead it is parked until the gap closes; the
    next one is applied (`apply_received_version`), then whatever it unblocks (`drain`).
    """
    digest = content["digest"]
    apply = partial(apply_received_version, spec, first_status=first_status)

    def snapshot(document, number, state):
        return write_version(spec, *build(document, content, number, state))

    # No savepoint of its own: a refusal propagates, and the caller's transaction (the
    # inbox's savepoint around the handler) undoes whatever was written before it.
    with transaction.atomic(savepoint=False):
        document = find(content)
        if document is None:
            # No other transaction can be creating it: the caller holds its lock.
            return Received(
                create_received(spec, content, sides, build=build, first_status=first_status,
                                edit=edit, **columns)
            )  # fmt: skip
        receiver = spec.receiver_role
        if document.role != receiver:
            raise DocumentError(
                "INVALID_FIELD",
                f"We are the {document.role} of this {spec.label}",
                f"b2bIds.{receiver}B2BId",
                document=document,
            )
        held = {v.number: v for v in document.versions.exclude(state=VersionState.REFUSED)}
        number = content["version"]
        if number is None:  # a shape that names no version: match the content
            if any(v.content_hash == digest for v in held.values()):
                return Received(document, duplicate=True)
            number = document.version + 1 if edit else 1
        existing = held.get(number)
        if existing is not None:
            if existing.content_hash == digest:
                return Received(document, duplicate=True)
            raise DocumentError(
                "VERSION_CONFLICT",
                f"Version {number} already held with different content",
                f"{spec.document_block}.objectVersion.newVersion",
                document=document,
            )
        _check_acts_on(spec, document, content, number)
        if number < document.version:
            # A late version we never held: kept for history, the applied one stays.
            snapshot(document, number, VersionState.SUPERSEDED)
            return Received(document)
        if number > document.version + 1:
            snapshot(document, number, VersionState.PARKED)
            return Received(document)
        version = snapshot(document, number, VersionState.APPLIED)
        apply(document, version, edit=edit)
        drain(spec, document, apply)
        return Received(document)


def _check_acts_on(spec: FamilySpec, document, content: dict, number: int) -> None:
    """Refuse the next version when the version it says it replaces is not ours.

    A version that would apply next (`newVersion` = ours + 1) names in `currentVersion`
    the version it was made from: behind ours, the sender edited a version we already
    replaced; ahead of ours, it contradicts its own `newVersion`. Applying either would
    silently drop a change (PROTOCOL.md §4). Versions further ahead are parked as usual.
    """
    current = content.get("current_version")
    if current is None or number != document.version + 1 or current == document.version:
        return
    path = f"{spec.document_block}.objectVersion.currentVersion"
    if current < document.version:
        raise DocumentError(
            "STALE_VERSION",
            f"Made from version {current}; the {spec.label} is at version {document.version}",
            path,
            document=document,
        )
    raise DocumentError(
        "INVALID_FIELD",
        f"currentVersion {current} is not before newVersion {number}",
        path,
        document=document,
    )


def drain(spec: FamilySpec, document, apply_version: Callable) -> None:
    """Apply what was parked waiting for the version the document now has, in order:
    the actions naming it, then the next version if it is parked (and so on)."""
    while True:
        parked = document.versions.filter(
            state=VersionState.PARKED, number=document.version + 1
        ).first()
        actions = list(document.parked_actions.filter(version=document.version, applied_at=None))
        for action in actions:
            decision = ReceivedDecision.read(spec, action.message_type, action.block)
            _apply_action(spec, document, decision, inbound=action.inbound_message)
            action.applied_at = timezone.now()
            action.save(update_fields=["applied_at"])
        if parked is None:
            return
        apply_version(document, parked, edit=True)


# -- the counterparty's actions --------------------------------------------------------------


def _action_target(spec: FamilySpec, decision: ReceivedDecision) -> tuple[str, str]:
    """(new status, history action label) a received decision makes."""
    received = spec.received_actions[decision.message_type]
    status = received.statuses[decision.choice]
    if received.carried_wins:
        status = decision.carried_status or status
    return status, f"{received.label}:{decision.choice}"


def _apply_action(spec: FamilySpec, document, decision: ReceivedDecision, *, inbound, seen_as=""):
    status, label = _action_target(spec, decision)
    checks = spec.received_actions[decision.message_type].checks
    if checks is not None:
        add_findings(spec, document, checks(spec, decision, status))
    history(
        spec,
        document,
        status,
        action=label,
        source=Source.NETWORK,
        remarks=decision.remarks,
        inbound=inbound,
        fingerprint=seen_as or fingerprint(decision.message_type, decision.block),
    )
    document.status = status
    document.version = max(document.version, decision.new_version)
    save(document)


def receive_action(spec: FamilySpec, decision: ReceivedDecision, *, inbound):
    """The counterparty's confirmation or status change about a document we hold.

    A repeat (same block) is a duplicate; one naming a version ahead of ours is parked
    until we hold it; one naming a version behind ours is refused as stale.
    """
    message_type = decision.message_type
    received = spec.received_actions[message_type]
    path, our_role = received.block, received.our_role
    resolve_sides(decision.buyer_b2b_id, decision.supplier_b2b_id)  # one of them is ours
    # The side this message is addressed to (both may be ours when our businesses trade).
    addressed_to = decision.buyer_b2b_id if our_role == Role.BUYER else decision.supplier_b2b_id
    with transaction.atomic():
        document = locked(spec, decision.object_id, f"{path}.objectId")
        if document.role != our_role or document.business.b2b_id != addressed_to:
            raise DocumentError(
                "INVALID_FIELD",
                f"This message is for the {our_role} of the {spec.label}; we are not",
                f"b2bIds.{our_role}B2BId",
                document=document,
            )
        seen_as = fingerprint(message_type, decision.block)
        if (
            document.status_changes.filter(fingerprint=seen_as).exists()
            or document.parked_actions.filter(
                message_type=message_type, block=decision.block
            ).exists()
        ):
            return Received(document, duplicate=True)
        acts_on = decision.acts_on
        if acts_on > document.version:
            spec.parked_model.objects.create(
                **{spec.parent_field: document},
                version=acts_on,
                message_type=message_type,
                block=decision.block,
                inbound_message=inbound,
            )
            return Received(document)
        if acts_on < document.version:
            raise DocumentError(
                "STALE_VERSION",
                f"Acts on version {acts_on}; the {spec.label} is at version {document.version}",
                f"{path}.objectVersion.currentVersion",
                document=document,
            )
        _apply_action(spec, document, decision, inbound=inbound, seen_as=seen_as)
        return Received(document)


# -- our requests ------------------------------------------------------------------------------


def lock_for_decision(spec: FamilySpec, document, action: str, expected_version, refuse=None):
    """The document, row-locked, once it may take `action` from us; refused otherwise.

    Refused when it changed since the version staff decided on, when a request of ours
    still awaits the network, when `refuse(document)` (the family's own rule) raises,
    or when the local rule table (`spec.allowed_from`) does not allow the action.
    """
    document = (
        spec.document_model.objects.select_for_update(of=("self",))
        .select_related("pending_message")
        .get(pk=document.pk)
    )
    if expected_version is not None and int(expected_version) != document.version:
        raise DocumentError(
            "STALE_VERSION",
            f"The {spec.label} changed: it is now at version "
            f"{document.version}, you saw version {expected_version}",
            "version",
        )
    if is_pending(document):
        raise DocumentError(
            "ACTION_PENDING", f"A request about this {spec.label} is awaiting the network", ""
        )
    if refuse is not None:
        refuse(document)
    if not spec.allowed(action, document.role, document.status):
        raise DocumentError(
            "INVALID_TRANSITION",
            f"Cannot {action} {spec.one} that is "
            f"{document.get_status_display()} (we are the {document.role})",
            "status",
        )
    return document


def b2b_ids(document) -> dict:
    """The `b2bIds` block of a request about the document."""
    return {"buyerB2BId": document.buyer_b2b_id, "supplierB2BId": document.supplier_b2b_id}


def device(business) -> dict:
    """`device.tag` GEOCODE: the business's own, else ENKASH_DEVICE_GEOCODE."""
    return {"tag": {"name": "GEOCODE", "value": business.geocode or settings.ENKASH_DEVICE_GEOCODE}}


def action_block(spec: FamilySpec, document, target: str, **decision) -> dict:
    """The block of a confirm or status change: which version it acts on, what, and the move."""
    return {
        "objectId": document.object_id,
        spec.number_wire_name: getattr(document, spec.number_field),
        "objectVersion": {"currentVersion": document.version, "newVersion": document.version},
        **decision,
        spec.transition_key: {"currentStatus": document.status, "newStatus": target},
    }


def request(
    spec: FamilySpec, document, message_type, body, *, target, label, actor, source, remarks=""
) -> OutboundMessage:
    """Write our request (every one carries the business's device tag) to the outbox and
    mark the document pending on it, with a REQUESTED history row. The caller holds the
    document's row lock inside its transaction (`lock_for_decision`)."""
    message = enqueue(
        message_type,
        {"device": device(document.business), **body},
        document=document,
        object_id=document.object_id,
        object_version=document.version,
        buyer_b2b_id=document.buyer_b2b_id,
        supplier_b2b_id=document.supplier_b2b_id,
        created_by=actor,
    )
    history(
        spec,
        document,
        target,
        kind=ChangeKind.REQUESTED,
        action=label,
        source=source,
        actor=actor,
        remarks=remarks,
        outbound=message,
    )
    document.pending_message = message
    document.pending_status = target
    save(document)
    return message


def request_action(
    spec: FamilySpec,
    document,
    action: str,
    message_type: str,
    *,
    make_body: Callable,
    target,
    label: str,
    actor,
    expected_version,
    source,
    remarks="",
    refuse=None,
) -> OutboundMessage:
    """One request of ours, whole: the document locked and checked (`lock_for_decision`
    with `action`), the body made (`make_body(document, target)` -> the blocks beside
    `b2bIds`), the request written to the outbox (`request`), in one transaction.

    `target` is the status asked for, or a function of the locked document giving it.
    """
    with transaction.atomic():
        document = lock_for_decision(spec, document, action, expected_version, refuse)
        target = target(document) if callable(target) else target
        body = {"b2bIds": b2b_ids(document), **make_body(document, target)}
        return request(
            spec,
            document,
            message_type,
            body,
            target=target,
            label=label,
            actor=actor,
            source=source,
            remarks=remarks,
        )


def request_decision(
    spec: FamilySpec, document, message_type: str, choice: str, remarks, *, action: str, **request
) -> OutboundMessage:
    """Our confirm or status change (`message_type`), sent through the outbox.

    Its block is the one the spec reads when the counterparty sends the same message
    (`received_actions`): the version acted on, `choice` (a response or an action) and
    `remarks` under the spec's keys, and the transition to the status `choice` leads
    to. `action` is the rule table's row; `request`: actor, expected_version, source,
    refuse (as `request_action`).
    """
    remarks = validate_remarks(remarks)
    shape = spec.received_actions[message_type]
    choices = {shape.choice_key: choice, shape.remarks_key: remarks}

    def make_body(locked, target):
        return {shape.block: action_block(spec, locked, target, **choices)}

    return request_action(
        spec, document, action, message_type, make_body=make_body,
        target=shape.statuses[choice], label=f"{shape.label}:{choice}", remarks=remarks,
        **request,
    )  # fmt: skip


def confirm(spec: FamilySpec, document, response, remarks, **request) -> OutboundMessage:
    """Our decision on a document we received: ACCEPT, REJECT or RETURN, with remarks
    (`request_decision`)."""
    message_type = f"{spec.name}.confirm"
    if response not in list(spec.received_actions[message_type].statuses):
        raise DocumentError(
            "INVALID_FIELD", "response must be ACCEPT, REJECT or RETURN", "response"
        )
    return request_decision(spec, document, message_type, response, remarks, action="confirm",
                            **request)  # fmt: skip


def _label(spec: FamilySpec, outbound: OutboundMessage) -> str:
    return outbound.message_type.removeprefix(f"{spec.name}.")


def apply_network_result(spec: FamilySpec, outbound: OutboundMessage, body: dict, *, inbound=None):
    """Apply the `resp-*` for one of our requests: the status it carries, or its refusal.

    SUCCESS: the document takes the status the network carries (the result block's
    transition's newStatus, else the status our request asked for); an edit's
    proposed version becomes the applied one. Anything else: the document stays as it
    was and shows errorCd/errorDtl/errorField. A result for a request the document no
    longer waits for (already answered, failed or given up) changes nothing.
    Delivery reaches here too, with a FAILURE of its own, when our call is refused.
    """
    resp = body.get("resp") or {}
    with transaction.atomic():
        document = (
            spec.document_model.objects.select_for_update()
            .filter(pk=outbound.document_id, object_id=outbound.object_id)
            .first()
        )
        if document is None:
            raise DocumentError(
                "UNKNOWN_DOCUMENT",
                f"The request this result answers concerns no {spec.label} of ours",
                "resp.reqMsgId",
            )
        if document.pending_message_id != outbound.pk:
            return Received(document, duplicate=True)  # already applied
        # The outbound message's own record of the result is the network inbox's
        # (outbox.record_result, after this handler, in the same transaction).
        if str(resp.get("result") or "").upper() != "SUCCESS":
            leave_unapplied(
                spec,
                document,
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
            return Received(document)
        proposed = document.versions.filter(state=VersionState.PROPOSED).first()
        # Who asked, and why: the history row written with the request.
        requested = document.status_changes.get(
            kind=ChangeKind.REQUESTED, outbound_message=outbound
        )
        block = body.get(spec.result_blocks.get(outbound.message_type, "")) or {}
        carried = (block.get(spec.transition_key) or {}).get("newStatus")
        status = carried if carried in spec.statuses.values else document.pending_status
        if proposed is not None:
            make_current(spec, document, proposed)
        history(
            spec,
            document,
            status,
            action=_label(spec, outbound),
            source=requested.source,
            actor=outbound.created_by,
            remarks=requested.remarks,
            inbound=inbound,
            outbound=outbound,
        )
        document.status = status
        document.last_error_code = document.last_error_detail = document.last_error_field = ""
        document.pending_message = None
        document.pending_status = ""
        save(document)
        return Received(document)


def leave_unapplied(
    spec: FamilySpec, document, outbound, *, source, remarks, error, actor=None, inbound=None
) -> None:
    """Our request will not take effect: the document stays as it was, no longer pending.

    Its proposed version (an edit) is refused, the history records why (a REFUSED
    row), and `error` (code, detail, field) is shown on the document. The caller holds
    the document's row lock.
    """
    proposed = document.versions.filter(state=VersionState.PROPOSED).first()
    if proposed is not None:
        proposed.state = VersionState.REFUSED
        proposed.save(update_fields=["state"])
    history(
        spec,
        document,
        document.status,
        kind=ChangeKind.REFUSED,
        action=_label(spec, outbound),
        source=source,
        actor=actor or outbound.created_by,
        remarks=remarks,
        inbound=inbound,
        outbound=outbound,
    )
    document.last_error_code, document.last_error_detail, document.last_error_field = error
    document.pending_message = None
    document.pending_status = ""
    save(document)


def _lock_overdue(spec: FamilySpec, document):
    """The document, locked, and its request overdue at the network; refused when none is."""
    document = (
        spec.document_model.objects.select_for_update(of=("self",))
        .select_related("pending_message")
        .get(pk=document.pk)
    )
    outbound = document.pending_message
    if outbound is None or not outbound.is_overdue:
        raise DocumentError(
            "NOT_OVERDUE", f"No request about this {spec.label} is overdue at the network", ""
        )
    return document, outbound


def send_request_again(spec: FamilySpec, document, *, actor=None) -> OutboundMessage:
    """Send the document's overdue request to the network again: same reqMsgId, same body.

    The document stays pending on it; the network can tell the repeat by its reqMsgId.
    """
    with transaction.atomic():
        document, outbound = _lock_overdue(spec, document)
        return delivery.send_again(outbound, actor=actor)


def give_up_request(spec: FamilySpec, document, reason, *, actor=None) -> OutboundMessage:
    """Stop waiting for the document's overdue request: back where it was, reason recorded.

    The message is marked given up, so a result arriving later changes nothing; staff
    can decide again.
    """
    reason = validate_remarks(reason, field="reason")
    with transaction.atomic():
        document, outbound = _lock_overdue(spec, document)
        outbox.give_up(outbound, reason, actor=actor)
        leave_unapplied(
            spec,
            document,
            outbound,
            source=Source.STAFF,
            remarks=reason,
            error=("GIVEN_UP", f"No result from the network; given up: {reason}", ""),
            actor=actor,
        )
        return outbound
