"""GSTIN: format, check digit and state code (the 15-character Indian GST number).

Layout: 2-digit state code, 10-character PAN, entity number, 'Z' (by default),
and a check character computed over the first 14 with the base-36 Luhn mod N scheme.
"""

import re

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
GSTIN_PATTERN = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z][A-Z0-9][0-9A-Z]$")


def check_character(first14: str) -> str:
    """The GSTIN check character for the first 14 characters."""
    total = 0
    for index, char in enumerate(first14.upper()):
        value = ALPHABET.index(char) * (2 if index % 2 else 1)
        total += value // 36 + value % 36
    return ALPHABET[(36 - total % 36) % 36]


def is_well_formed(gstin: str) -> bool:
    """True when `gstin` has the GSTIN layout (ignoring the check character's value)."""
    return bool(GSTIN_PATTERN.match(gstin or ""))


def whole_gstin(term: str) -> str | None:
    """`term` as a GSTIN as we store one (upper case) when it is a whole one, else None."""
    gstin = term.upper()
    return gstin if is_well_formed(gstin) else None


def has_valid_check_digit(gstin: str) -> bool:
    """True when the last character is the check character of the first 14."""
    return is_well_formed(gstin) and check_character(gstin[:14]) == gstin[14]


def state_code(gstin: str) -> str:
    """The two-digit state code a GSTIN starts with."""
    return (gstin or "")[:2]


def make_gstin(state: str, pan: str, entity: str = "1") -> str:
    """Build a valid GSTIN from a state code and a PAN (for demo data and tests)."""
    first14 = f"{state}{pan}{entity}Z"
    return first14 + check_character(first14)
