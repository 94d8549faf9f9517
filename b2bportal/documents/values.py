"""Typed values the document services decide on, read from the wire once.

The handlers validate a message and read it into one of these (`documents.handlers`);
the services never see camelCase. The block as received is kept beside the values only
to park an action and to recognise it when it arrives again (its fingerprint).
"""

from dataclasses import dataclass

from .spec import FamilySpec


@dataclass(frozen=True)
class ReceivedDecision:
    """The counterparty's confirmation or status change of one document version.

    `acts_on` is the version it names (`objectVersion.currentVersion`); `choice` the
    decision (ACCEPT, CANCEL, ...); `carried_status` the `newStatus` of the family's
    transition block, None when the message carries none.
    """

    message_type: str
    object_id: str
    number: str  # the document's own number as the message names it
    acts_on: int
    new_version: int
    choice: str
    remarks: str
    carried_status: str | None
    buyer_b2b_id: str
    supplier_b2b_id: str
    block: dict  # as received: kept for parking and the duplicate fingerprint only

    @classmethod
    def read(
        cls, spec: FamilySpec, message_type: str, block: dict, b2b_ids: dict | None = None
    ) -> "ReceivedDecision":
        """The decision a validated action block carries (the only place its keys are read).

        `b2b_ids` is the message's validated `b2bIds`; a parked block is read again
        without them (who it was addressed to was checked when it arrived).
        """
        received = spec.received_actions[message_type]
        b2b_ids = b2b_ids or {}
        return cls(
            message_type=message_type,
            object_id=block["objectId"],
            number=block.get(spec.number_wire_name) or "",
            acts_on=block["objectVersion"]["currentVersion"],
            new_version=block["objectVersion"]["newVersion"],
            choice=block[received.choice_key],
            remarks=block[received.remarks_key],
            carried_status=(block.get(spec.transition_key) or {}).get("newStatus") or None,
            buyer_b2b_id=b2b_ids.get("buyerB2BId", ""),
            supplier_b2b_id=b2b_ids.get("supplierB2BId", ""),
            block=block,
        )
