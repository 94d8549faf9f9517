"""Checks every family runs on the content of a received version, and on a received
confirmation: line arithmetic, totals against the lines, the tax type for the place of
supply, GSTINs, and a carried status that contradicts the decision.

Each check returns (code, field, message) tuples; the family stores them as its
findings. Codes are the families' shared finding codes (the same strings in each
family's `FindingCode`). Amounts are compared after rounding to paise, with a tolerance
for the rounding GST documents legitimately carry (one rupee on totals).
"""

import re
from decimal import Decimal

from b2bportal.parties import gstin as gstin_rules

LINE_TOLERANCE = Decimal("0.01")
TOTAL_TOLERANCE = Decimal("1.00")
CENT = Decimal("0.01")
# A look-up the caller has not made (so the check makes it), as opposed to one that
# found nothing (None).
NOT_LOOKED_UP = object()


def _off(a: Decimal, b: Decimal, tolerance: Decimal) -> bool:
    return abs(Decimal(a).quantize(CENT) - Decimal(b).quantize(CENT)) > tolerance


def line_checks(items, untaxed=frozenset()) -> list[tuple]:
    """Quantity x unit price = line amount; each tax = its rate x assessable value.

    `untaxed`: positions of lines whose tax was not stated at all: their finding says
    so (TAX_MISSING), rather than that 0 was charged.
    """
    found = []
    for item in items:
        where = f"itemLists[{item.position - 1}]"
        expected = item.quantity * item.unit_price
        if _off(expected, item.gross_amount, LINE_TOLERANCE):
            found.append(
                (
                    "LINE_AMOUNT",
                    where,
                    f"Line {item.position}: {item.quantity} x {item.unit_price} = "
                    f"{expected.quantize(CENT)}, not {item.gross_amount}",
                )
            )
        taxed = item.cgst_amount + item.sgst_amount + item.igst_amount
        expected_tax = item.assessable_amount * item.gst_rate / 100
        if item.position not in untaxed and _off(expected_tax, taxed, LINE_TOLERANCE):
            found.append(
                (
                    "LINE_TAX",
                    where,
                    f"Line {item.position}: {item.gst_rate}% of {item.assessable_amount} = "
                    f"{expected_tax.quantize(CENT)}, taxes charged {taxed}",
                )
            )
    return found


def total_checks(version, items, *, values_block: str, total_name: str) -> list[tuple]:
    """The document's totals equal the sums of its lines.

    `values_block` names the family's value block ("valueDetails"), `total_name` its
    total there ("totalInvoiceValue"), for the findings' fields.
    """
    found = []
    sums = {
        "assessable_value": sum((i.assessable_amount for i in items), Decimal(0)),
        "cgst_amount": sum((i.cgst_amount for i in items), Decimal(0)),
        "sgst_amount": sum((i.sgst_amount for i in items), Decimal(0)),
        "igst_amount": sum((i.igst_amount for i in items), Decimal(0)),
    }
    for name, summed in sums.items():
        if _off(summed, getattr(version, name), TOTAL_TOLERANCE):
            found.append(
                (
                    "TOTALS",
                    f"{values_block}.{name}",
                    f"{name.replace('_', ' ')} {getattr(version, name)} but lines sum "
                    f"to {summed.quantize(CENT)}",
                )
            )
    expected_total = sum(sums.values(), Decimal(0)) + version.cess_amount + version.other_charges
    if _off(expected_total, version.total_value, TOTAL_TOLERANCE):
        found.append(
            (
                "TOTALS",
                f"{values_block}.{total_name}",
                f"Total {version.total_value} but lines, taxes and charges sum to "
                f"{expected_total.quantize(CENT)}",
            )
        )
    return found


def tax_type_checks(version, *, values_block: str) -> list[tuple]:
    """CGST+SGST within one state, IGST between states (supplier state vs place of supply)."""
    supplier_state = version.supplier_state_code or gstin_rules.state_code(version.supplier_gstin)
    place = version.place_of_supply or version.buyer_state_code
    if not supplier_state or not place:
        return []
    intra = supplier_state == place
    if intra and version.igst_amount:
        return [
            ("TAX_TYPE", values_block, f"IGST charged on an intra-state supply (state {place})")
        ]
    if not intra and (version.cgst_amount or version.sgst_amount):
        return [
            (
                "TAX_TYPE",
                values_block,
                f"CGST/SGST on an inter-state supply ({supplier_state} to {place})",
            )
        ]
    return []


def gstin_checks(version) -> list[tuple]:
    """Each GSTIN well formed, its check digit right, its state prefix its party's state."""
    found = []
    for side, path in (("supplier", "supplierDetails"), ("buyer", "buyerDetails")):
        value = getattr(version, f"{side}_gstin")
        state = getattr(version, f"{side}_state_code")
        if not value:
            continue
        if not gstin_rules.is_well_formed(value):
            found.append(
                ("GSTIN_FORMAT", f"{path}.gstin", f"{side.title()} GSTIN {value} is malformed")
            )
            continue
        if not gstin_rules.has_valid_check_digit(value):
            found.append(
                (
                    "GSTIN_CHECK_DIGIT",
                    f"{path}.gstin",
                    f"{side.title()} GSTIN {value}: check digit should be "
                    f"{gstin_rules.check_character(value[:14])}",
                )
            )
        if state and gstin_rules.state_code(value) != state:
            found.append(
                (
                    "GSTIN_STATE",
                    f"{path}.stateCode",
                    f"{side.title()} GSTIN {value} is from state "
                    f"{gstin_rules.state_code(value)}, state code says {state}",
                )
            )
    return found


def transition_checks(spec, decision, decided: str) -> list[tuple]:
    """A confirmation whose carried `newStatus` is not the status its response means.

    The response decides (PROTOCOL.md §4); the contradiction is kept for staff.
    """
    carried = decision.carried_status
    if not carried or carried == decided:
        return []
    received = spec.received_actions[decision.message_type]
    return [
        (
            "TRANSITION",
            f"{received.block}.{spec.transition_key}.newStatus",
            f"{received.choice_key} {decision.choice} means {decided}, "
            f"but the message carries newStatus {carried}",
        )
    ]


LINE_INDEX = re.compile(r"\[(\d+)\]")


def untaxed_positions(arrival) -> set[int]:
    """Positions of the lines whose tax was not stated, from the findings made on arrival."""
    return {
        int(LINE_INDEX.search(field).group(1)) + 1
        for code, field, _ in arrival
        if code == "TAX_MISSING"
    }
