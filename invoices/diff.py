"""Field-by-field differences between two versions of an invoice (for the reviewer)."""

from .models import CONTENT_FIELDS, InvoiceItem

ITEM_FIELDS = [
    f.name for f in InvoiceItem._meta.fields if f.name not in ("id", "version", "position")
]


def _flatten(value, prefix: str, out: dict) -> dict:
    if isinstance(value, dict):
        for key, sub in value.items():
            _flatten(sub, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            _flatten(sub, f"{prefix}[{index}]", out)
    else:
        out[prefix] = value
    return out


def _facts(version) -> dict:
    facts = {name: getattr(version, name) for name in CONTENT_FIELDS}
    for name in ("supplier_address", "buyer_address", "sections"):
        _flatten(getattr(version, name), name, facts)
    for item in version.items.all():
        for name in ITEM_FIELDS:
            value = getattr(item, name)
            if isinstance(value, dict | list):
                _flatten(value, f"line {item.position}.{name}", facts)
            else:
                facts[f"line {item.position}.{name}"] = value
    return facts


def version_diff(old, new) -> list[tuple[str, object, object]]:
    """(field, value in `old`, value in `new`) for every field that differs."""
    before, after = _facts(old), _facts(new)
    rows = []
    for name in list(before) + [n for n in after if n not in before]:
        a, b = before.get(name), after.get(name)
        if a != b:
            rows.append((name, "" if a is None else a, "" if b is None else b))
    return rows
