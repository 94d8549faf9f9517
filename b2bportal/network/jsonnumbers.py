"""JSON whose numbers keep their exact decimal text: money leaves as `12345.60`, never
as the nearest binary float.

`dumps` writes a `Decimal` as a JSON number with exactly its digits; `loads` reads a
number with a fraction back as a `Decimal`. `ExactJSONEncoder` and `ExactJSONDecoder`
are the same rules for a Django `JSONField` (PostgreSQL's jsonb keeps numerics exactly).
"""

import json
from decimal import Decimal


def _number_text(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} is not a JSON number")
    # Fixed-point, so 1E+3 is written 1000 and the text reads as the amount it is.
    return format(value, "f")


class ExactJSONEncoder(json.JSONEncoder):
    """A JSON encoder writing `Decimal` as an exact JSON number (other values as json does)."""

    def encode(self, o) -> str:
        return "".join(self.iterencode(o))

    def iterencode(self, o, _one_shot=False):
        yield self._write(o, 0)

    def _write(self, value, depth: int) -> str:
        if isinstance(value, Decimal):
            return _number_text(value)
        if isinstance(value, dict):
            items = [
                f"{self._scalar(str(k))}{self.key_separator}{self._write(v, depth + 1)}"
                for k, v in value.items()
            ]
            return self._join("{", items, "}", depth)
        if isinstance(value, list | tuple):
            return self._join("[", [self._write(v, depth + 1) for v in value], "]", depth)
        if value is None or isinstance(value, str | int | float | bool):
            return self._scalar(value)
        return self._write(self.default(value), depth)

    def _scalar(self, value) -> str:
        return json.dumps(value, ensure_ascii=self.ensure_ascii, allow_nan=self.allow_nan)

    def _join(self, opening: str, parts: list[str], closing: str, depth: int) -> str:
        if not parts:
            return opening + closing
        if self.indent is None:
            return opening + self.item_separator.join(parts) + closing
        indent = self.indent if isinstance(self.indent, str) else " " * self.indent
        inner = "\n" + indent * (depth + 1)
        separator = self.item_separator.rstrip() + inner
        return opening + inner + separator.join(parts) + "\n" + indent * depth + closing


class ExactJSONDecoder(json.JSONDecoder):
    """A JSON decoder reading numbers with a fraction as `Decimal` (integers stay `int`)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("parse_float", Decimal)
        super().__init__(*args, **kwargs)


def dumps(value, **kwargs) -> str:
    """`value` as compact JSON text, non-ASCII kept, `Decimal` written exactly."""
    kwargs.setdefault("ensure_ascii", False)
    kwargs.setdefault("separators", (",", ":"))
    return json.dumps(value, cls=ExactJSONEncoder, **kwargs)


def loads(text: str):
    """JSON text read with its fractional numbers as `Decimal`."""
    return json.loads(text, cls=ExactJSONDecoder)
