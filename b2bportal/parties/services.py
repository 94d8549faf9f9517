"""Parties: who we are on a message, and keeping counterparties up to date."""

from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import JSONField
from django.db.models.expressions import RawSQL

from b2bportal.network.handling import Rejected

from .models import Business, Counterparty

BUYER = "buyer"
SUPPLIER = "supplier"


@dataclass(frozen=True)
class Sides:
    """Which side we are on for one message, our business and the other side's B2B ID."""

    role: str  # BUYER or SUPPLIER
    business: Business
    counterparty_b2b_id: str


def resolve_sides(buyer_b2b_id: str, supplier_b2b_id: str) -> Sides:
    """Match the message's b2bIds with our businesses; refuse a message for nobody of ours.

    When both B2B IDs are ours (two of our businesses trading), the message arriving
    from the network is addressed to the buyer side.
    """
    found = Business.objects.filter(b2b_id__in=[buyer_b2b_id, supplier_b2b_id])
    ours = {business.b2b_id: business for business in found}
    if buyer_b2b_id in ours:
        return Sides(BUYER, ours[buyer_b2b_id], supplier_b2b_id)
    if supplier_b2b_id in ours:
        return Sides(SUPPLIER, ours[supplier_b2b_id], buyer_b2b_id)
    raise Rejected(
        "UNKNOWN_B2B_ID",
        f"Neither buyer B2B ID {buyer_b2b_id!r} nor supplier B2B ID {supplier_b2b_id!r} is ours",
        "b2bIds.buyerB2BId",
    )


# Fields a message may fill in on a party; blanks never erase what we know.
UPDATABLE = (
    "gstin", "legal_name", "trade_name", "state_code", "address", "email", "phone", "bank_account"
)  # fmt: skip


def _apply(party, details: dict, *, blanks_only: bool = False) -> bool:
    """Set the non-blank `details` on `party` (only its blank fields with `blanks_only`);
    True when anything changed."""
    changed = False
    for name in UPDATABLE:
        value, known = details.get(name), getattr(party, name)
        if value and known != value and not (blanks_only and known):
            setattr(party, name, value)
            changed = True
    return changed


NOT_LOOKED_UP = object()


def counterparty_row(b2b_id: str) -> RawSQL:
    """An expression: the counterparty with `b2b_id` as a JSON object of its columns (NULL
    when we know none), for a caller to read along a look-up of its own and pass to
    `upsert_counterparty` as `known` (`counterparty_from` makes it a model instance).

    Plain SQL: it rides on every received document's look-up, and building the same
    with the ORM (a JSON object of every column) cost more than the rest of that query.
    """
    table = connection.ops.quote_name(Counterparty._meta.db_table)
    sql = f"(SELECT to_jsonb(party) FROM {table} AS party WHERE party.b2b_id = %s)"  # noqa: S608
    return RawSQL(sql, (b2b_id,), output_field=JSONField())  # noqa: S611  (our own text)


def counterparty_from(row: dict | None) -> Counterparty | None:
    """The counterparty a `counterparty_row` read, as if loaded from the database."""
    if row is None:
        return None
    party = Counterparty(
        **{f.attname: f.to_python(row[f.attname]) for f in Counterparty._meta.concrete_fields}
    )
    party._state.adding, party._state.db = False, "default"
    return party


def upsert_counterparty(b2b_id: str, details: dict, *, known=NOT_LOOKED_UP) -> Counterparty:
    """The counterparty with `b2b_id`, created or updated from a message's party details.

    One write (and one history row) per change. Two messages from a new supplier may
    arrive at once: the second insert waits for the first's commit, fails on the unique
    B2B ID inside its own savepoint, and then updates the row the first one created.
    `known`: the row `counterparty_row` read along the caller's look-up (None: none),
    instead of reading it here.
    """
    if known is NOT_LOOKED_UP:
        party = Counterparty.objects.filter(b2b_id=b2b_id).first()
    else:
        party = counterparty_from(known)
    if party is None:
        try:
            with transaction.atomic():
                party = Counterparty(b2b_id=b2b_id)
                _apply(party, details)
                party.save()
                return party
        except IntegrityError:
            party = Counterparty.objects.get(b2b_id=b2b_id)
    if _apply(party, details):
        party.save()
    return party


def refresh_business(business: Business, details: dict) -> Business:
    """Fill in blanks of our business from a message; staff-entered values are kept."""
    if _apply(business, details, blanks_only=True):
        business.save()
    return business
