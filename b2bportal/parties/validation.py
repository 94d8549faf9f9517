"""What a party's fields may hold, checked alike for the REST API and the admin.

PostgreSQL refuses NUL in text and in jsonb, and a lone surrogate cannot be encoded
at all: either one reached the database as a 500. Other control characters would be
stored and sent on to the network, where a B2B ID also may not hold `"` or `\\`
(PROTOCOL.md §3).
"""

import unicodedata

TEXT_FIELDS = ("b2b_id", "gstin", "legal_name", "trade_name", "state_code", "email", "phone")
OBJECT_FIELDS = ("address", "bank_account")
# An address or bank account is a flat object, perhaps with a list of lines in it.
MAX_OBJECT_DEPTH = 3
NOT_AN_OBJECT = 'An object of named parts, e.g. {"city": ...}.'

CONTROL = {"Cc"}  # C0/C1 control characters: NUL, ESC, CR, LF, TAB, ...
INVISIBLE = {"Cf"}  # format characters: zero-width space, direction marks, ...
SURROGATE = {"Cs"}


def _first_of(text: str, categories: set[str]) -> str | None:
    """The first character of `text` in one of the Unicode `categories`, as U+XXXX."""
    for char in text:
        if unicodedata.category(char) in categories:
            return f"U+{ord(char):04X}"
    return None


def text_error(name: str, value) -> str | None:
    """Why the text field `name` cannot hold `value`, or None."""
    if not isinstance(value, str):
        return None
    if name == "b2b_id":
        if found := _first_of(value, CONTROL | INVISIBLE | SURROGATE):
            return f"Control or invisible character {found}."
        if '"' in value or "\\" in value:
            return 'No " or \\ in a B2B ID.'
        return None
    if found := _first_of(value, SURROGATE):
        return f"Surrogate characters are not allowed: {found}."
    if found := _first_of(value, CONTROL):
        return f"Control character {found}."
    return None


def _json_error(value, path: str, depth: int) -> str | None:
    if depth > MAX_OBJECT_DEPTH:
        return f"{path}: nested too deeply."
    if isinstance(value, str):
        if found := _first_of(value, SURROGATE):
            return f"{path}: a lone surrogate {found}."
        if found := _first_of(value, CONTROL):
            return f"{path}: control character {found}."
        return None
    if isinstance(value, list):
        items = ((f"{path}[{index}]", item) for index, item in enumerate(value))
    elif isinstance(value, dict):
        for key in value:
            if found := _first_of(str(key), CONTROL | SURROGATE):
                return f"{path}: a key with control character {found}."
        items = ((f"{path}.{key}", item) for key, item in value.items())
    else:
        return None
    for item_path, item in items:
        if error := _json_error(item, item_path, depth + 1):
            return error
    return None


def object_error(name: str, value) -> str | None:
    """Why the object field `name` (an address, a bank account) cannot hold `value`."""
    if not isinstance(value, dict):
        return NOT_AN_OBJECT
    return _json_error(value, name, 1)


def party_errors(values: dict) -> dict[str, str]:
    """Field name -> why, for every text and object field among `values` that is wrong."""
    errors = {}
    for name, value in values.items():
        if name in TEXT_FIELDS:
            error = text_error(name, value)
        elif name in OBJECT_FIELDS:
            error = object_error(name, value)
        else:
            continue
        if error:
            errors[name] = error
    return errors


def gstin_taken(holder_b2b_id: str) -> str:
    return f"GSTIN already registered for {holder_b2b_id}."
