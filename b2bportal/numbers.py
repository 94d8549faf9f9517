"""Reading whole numbers that people and programs type into URLs and forms."""

# More digits than any row count, id or version has: such a number is simply "too big".
MAX_DIGITS = 18
TOO_BIG = 10**MAX_DIGITS


def whole_number(raw: str) -> int | None:
    """`raw` as a non-negative whole number written in ASCII digits, else None.

    int() alone would take " 5", "+5", "5_0" and "٥", refuse thousands of digits, and
    raise on "²" although str.isdigit() says it is a digit. A number longer than
    MAX_DIGITS is read as TOO_BIG, larger than anything it could name.
    """
    if not (raw.isascii() and raw.isdigit()):
        return None
    return TOO_BIG if len(raw) > MAX_DIGITS else int(raw)
