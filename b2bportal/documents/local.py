"""The content of a document staff write here (not received): parties from our business
and the counterparty's details, lines with their taxes worked out from the place of
supply, totals summed from the lines. Every family writes its own documents this way;
each adds only its own columns (number, dates, ...).
"""

from decimal import Decimal

CENT = Decimal("0.01")
PARTY_FIELDS = ("b2b_id", "gstin", "legal_name", "trade_name", "state_code")


def _our_party(business) -> dict:
    return {name: getattr(business, name) for name in PARTY_FIELDS} | {"address": business.address}


def local_line(line: dict, position: int, *, intra: bool) -> dict:
    """One line as staff write it ({description, hsn_code, quantity, unit, unit_price,
    gst_rate, is_service}) as line values: CGST+SGST within a state, IGST between."""
    quantity, price = Decimal(line["quantity"]), Decimal(line["unit_price"])
    rate = Decimal(line.get("gst_rate") or 0)
    amount = (quantity * price).quantize(CENT)
    tax = (amount * rate / 100).quantize(CENT)
    half = (tax / 2).quantize(CENT)
    return {
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


def local_content_of(business, data: dict, *, our_side: str) -> dict:
    """`local_content` of what staff wrote in `data`: the counterparty under its side's
    key ("buyer" or "supplier"), the lines under "items", the optional place_of_supply."""
    theirs = "buyer" if our_side == "supplier" else "supplier"
    return local_content(
        business, data[theirs], data["items"], our_side=our_side, place=data.get("place_of_supply")
    )


def local_content(business, counterparty: dict, lines: list[dict], *, our_side: str, place=""):
    """Parties, place of supply, lines and totals of a document our `business` writes as
    `our_side` ("supplier" or "buyer") to `counterparty` (party fields incl. b2b_id).

    The place of supply defaults to the buyer's state (goods delivered to the buyer).
    """
    theirs = "buyer" if our_side == "supplier" else "supplier"
    parties = {our_side: _our_party(business), theirs: counterparty}
    place = place or parties["buyer"].get("state_code") or ""
    intra = place == parties["supplier"].get("state_code")
    items = [local_line(line, n, intra=intra) for n, line in enumerate(lines, start=1)]
    sums = {
        key: sum((Decimal(i[key]) for i in items), Decimal(0))
        for key in ("assessable_amount", "cgst_amount", "sgst_amount", "igst_amount")
    }
    content = {
        "currency": "INR",
        "place_of_supply": place,
        "assessable_value": sums["assessable_amount"],
        "cgst_amount": sums["cgst_amount"],
        "sgst_amount": sums["sgst_amount"],
        "igst_amount": sums["igst_amount"],
        "cess_amount": Decimal(0),
        "other_charges": Decimal(0),
        "total_value": sum(sums.values(), Decimal(0)),
        "items": items,
    }
    for side, party in parties.items():
        for name in PARTY_FIELDS:
            content[f"{side}_{name}"] = party.get(name, "")
        content[f"{side}_address"] = party.get("address") or {}
    return content
