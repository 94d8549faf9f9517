"""Serializers for the wire blocks every document shares (PROTOCOL.md §3).

camelCase lives here and in each document's serializers, nowhere else. `parse()`
validates a block and turns the first error into `Rejected` with the JSON path of
the failing field, so a bad message is answered 400 with `errorField`.
"""

import re
from collections.abc import Mapping
from decimal import Context, Decimal

from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
    RegexValidator,
)
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from .auth import header
from .handling import Rejected

# Free text the network allows: 1-N characters, none of them `"` or `\`.
NO_QUOTES = RegexValidator(r'^[^"\\]*$', 'Must not contain " or \\.')


def wire_text(max_length: int, **kwargs) -> serializers.CharField:
    """A network text field: at most `max_length` characters, no `"` or `\\`."""
    return serializers.CharField(max_length=max_length, validators=[NO_QUOTES], **kwargs)


def optional_text(max_length: int = 500) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, allow_null=True
    )


def optional_amount() -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=20, decimal_places=4, required=False, allow_null=True, coerce_to_string=False
    )


OBJECT_ID_PATTERN = re.compile(r"^[A-Z]{3}[A-Za-z0-9]{32}$")


class B2BIdsSerializer(serializers.Serializer):
    """`b2bIds`: who buys and who supplies."""

    buyerB2BId = wire_text(100)
    supplierB2BId = wire_text(100)


# Versions are kept in PostgreSQL `integer` columns: a larger one is the sender's mistake
# (400 naming the field), not an overflow in the database (500).
MAX_VERSION = 2**31 - 1


class ObjectVersionSerializer(serializers.Serializer):
    """`objectVersion`: the version a message acts on and the one it makes."""

    currentVersion = serializers.IntegerField(min_value=0, max_value=MAX_VERSION)
    newVersion = serializers.IntegerField(min_value=0, max_value=MAX_VERSION)


class StatusTransitionSerializer(serializers.Serializer):
    """`statusTransition`: the status before and after the message."""

    currentStatus = serializers.CharField(max_length=64, required=False, allow_blank=True)
    newStatus = serializers.CharField(max_length=64)


class RespSerializer(serializers.Serializer):
    """`resp`: the network's verdict on a request."""

    reqMsgId = optional_text(100)
    result = optional_text(32)
    errorCd = optional_text(64)
    errorDtl = optional_text(2000)
    errorField = optional_text(255)


class NameValueSerializer(serializers.Serializer):
    """One `{name, value}` pair of `additionalInfos` / `additionalInfo`."""

    name = serializers.CharField(max_length=200)
    value = serializers.CharField(max_length=2000, allow_blank=True, required=False)


class TagSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    value = serializers.CharField(max_length=500, allow_blank=True, required=False)


class DeviceSerializer(serializers.Serializer):
    """`device {tag {name, value}}`, e.g. GEOCODE."""

    tag = TagSerializer()


class AddressSerializer(serializers.Serializer):
    type = optional_text(50)
    addressLine1 = optional_text(300)
    addressLine2 = optional_text(300)
    city = optional_text(100)
    state = optional_text(100)
    country = optional_text(100)
    pincode = optional_text(10)


class ContactNumberSerializer(serializers.Serializer):
    type = optional_text(50)
    countryCode = optional_text(6)
    phoneNumber = optional_text(20)


class PartyDetailsSerializer(serializers.Serializer):
    """`supplierDetails`, `buyerDetails`, `dispatchDetails`, `shippingDetails`.

    The shipping block spells the names `lglNm`/`trdNm`; both spellings are read.
    """

    b2bId = optional_text(100)
    gstin = optional_text(20)
    legalName = optional_text(200)
    tradeName = optional_text(200)
    lglNm = optional_text(200)
    trdNm = optional_text(200)
    stateCode = optional_text(2)
    placeOfSupply = optional_text(2)
    address = AddressSerializer(required=False, allow_null=True)
    contactNumber = ContactNumberSerializer(required=False, allow_null=True)
    email = optional_text(200)


def party_fields(block: dict | None) -> dict:
    """A validated party block as model field values (parties app names)."""
    block = block or {}
    contact = block.get("contactNumber") or {}
    phone = "".join(filter(None, [contact.get("countryCode"), contact.get("phoneNumber")]))
    return {
        "b2b_id": block.get("b2bId") or "",
        "gstin": (block.get("gstin") or "").upper(),
        "legal_name": block.get("legalName") or block.get("lglNm") or "",
        "trade_name": block.get("tradeName") or block.get("trdNm") or "",
        "state_code": block.get("stateCode") or "",
        "address": {k: v for k, v in (block.get("address") or {}).items() if v},
        "email": block.get("email") or "",
        "phone": phone,
    }


def party_block(fields: dict, *, shipping: bool = False) -> dict:
    """Model field values of a party as a wire party block (the inverse of party_fields)."""
    names = ("lglNm", "trdNm") if shipping else ("legalName", "tradeName")
    block = {
        "gstin": fields.get("gstin") or "",
        names[0]: fields.get("legal_name") or "",
        names[1]: fields.get("trade_name") or "",
        "stateCode": fields.get("state_code") or "",
    }
    if fields.get("b2b_id"):
        block = {"b2bId": fields["b2b_id"], **block}
    if fields.get("address"):
        block["address"] = fields["address"]
    if fields.get("email"):
        block["email"] = fields["email"]
    return block


class TypeValueSerializer(serializers.Serializer):
    """`{type, value}` amounts or rates (item value details, other values)."""

    type = serializers.CharField(max_length=50)
    value = optional_amount()


class OtherTaxSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    rate = optional_amount()
    amount = optional_amount()


class BatchDetailsSerializer(serializers.Serializer):
    batchNumber = optional_text(100)
    expiryDate = optional_text(30)
    batchWarrantyDate = optional_text(30)


# -- rows validated quickly -----------------------------------------------------------
#
# A 20-line invoice is 20 rows of some 20 fields each, nested lists included: DRF's
# per-field machinery costs more than the rest of receiving it. Rows that are plainly
# valid (the usual case) are validated here with the same fields' own rules and give
# the same values; at the first doubt, the whole list goes through DRF as before, so
# every error, and its path, is DRF's own.


class _Doubt(Exception):
    """A value the quick path leaves to DRF."""


# What CharField's own validators refuse besides lengths: NUL and surrogate characters.
_UNSAFE_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
_PLAIN_VALIDATORS = (ProhibitNullCharactersValidator, ProhibitSurrogateCharactersValidator)


def _field_validators(field):
    """(max length, min length, other validators) of a field, None when one needs context."""
    longest = shortest = None
    others = []
    for validator in field.validators:
        if getattr(validator, "requires_context", False):
            return None
        if type(validator) is MaxLengthValidator and isinstance(validator.limit_value, int):
            longest = validator.limit_value
        elif type(validator) is MinLengthValidator and isinstance(validator.limit_value, int):
            shortest = validator.limit_value
        elif type(validator) not in _PLAIN_VALIDATORS:
            others.append(validator)
    return longest, shortest, others


def _run(validators, value) -> None:
    for validator in validators:
        try:
            validator(value)
        except Exception:
            raise _Doubt from None


def _quick_text(field):
    rules = _field_validators(field)
    if type(field) is not serializers.CharField or not field.trim_whitespace or rules is None:
        return None
    longest, shortest, others = rules
    allow_null, allow_blank = field.allow_null, field.allow_blank

    def convert(value):
        if value is None:
            if allow_null:
                return None
            raise _Doubt
        if type(value) is not str:
            raise _Doubt
        text = value.strip()
        if not text:
            if allow_blank:
                return ""
            raise _Doubt
        if (longest is not None and len(text) > longest) or (
            shortest is not None and len(text) < shortest
        ):
            raise _Doubt
        if _UNSAFE_CHARACTERS.search(text):
            raise _Doubt
        if others:
            _run(others, text)
        return text

    return convert


def _decimal_places(number: Decimal) -> tuple[int, int, int]:
    """(total digits, whole digits, decimal places) as DRF's DecimalField counts them."""
    _, digits, exponent = number.as_tuple()
    if exponent >= 0:
        return len(digits) + exponent, len(digits) + exponent, 0
    if len(digits) > -exponent:
        return len(digits), len(digits) + exponent, -exponent
    return -exponent, 0, -exponent


def _value_bounds(validators) -> tuple[list, list, list]:
    """(lowest values, highest values, other validators): the plain min and max value
    validators read as the bounds they check, the rest left to run."""
    lowest, highest, others = [], [], []
    for validator in validators:
        kind, limit = type(validator), getattr(validator, "limit_value", None)
        if kind is MinValueValidator and not callable(limit):
            lowest.append(limit)
        elif kind is MaxValueValidator and not callable(limit):
            highest.append(limit)
        else:
            others.append(validator)
    return lowest, highest, others


def _check_bounds(number, lowest: list, highest: list) -> None:
    for limit in lowest:
        if number < limit:
            raise _Doubt
    for limit in highest:
        if number > limit:
            raise _Doubt


def _quick_decimal(field):
    rules = _field_validators(field)
    if type(field) is not serializers.DecimalField or rules is None or field.localize:
        return None
    validators, allow_null = field.validators, field.allow_null
    lowest, highest, others = _value_bounds(validators)
    limits = (field.max_digits, field.max_whole_digits, field.decimal_places)
    limited = any(limit is not None for limit in limits)
    scale = None if field.decimal_places is None else Decimal(1).scaleb(-field.decimal_places)
    context = Context(prec=field.max_digits) if field.max_digits is not None else None
    rounding, longest = field.rounding, field.MAX_STRING_LENGTH

    def convert(value):
        # A JSON number, converted as DecimalField does (text, Decimal, precision limits,
        # quantized to its places), without its per-call overhead; anything else, or
        # anything it would refuse, goes to DRF for the message.
        if value is None:
            if allow_null:
                return None
            raise _Doubt
        if type(value) is str:  # an amount sent as text: the field's own conversion
            try:
                number = field.to_internal_value(value)
            except Exception:
                raise _Doubt from None
            _run(validators, number)
            return number
        if type(value) not in (int, float):
            raise _Doubt
        text = str(value)
        if len(text) > longest:
            raise _Doubt
        number = Decimal(text)
        if not number.is_finite():
            raise _Doubt
        if limited:
            for limit, count in zip(limits, _decimal_places(number), strict=True):
                if limit is not None and count > limit:
                    raise _Doubt
        if scale is not None:
            number = number.quantize(scale, rounding=rounding, context=context)
        _check_bounds(number, lowest, highest)
        if others:
            _run(others, number)
        return number

    return convert


def _quick_nested(field):
    if isinstance(field, serializers.ListSerializer):
        row = _quick_row(field.child)
        if row is None or field.validators or type(field).validate is not LIST_VALIDATE:
            return None
        plain = type(field) in (serializers.ListSerializer, QuickListSerializer)
        if not plain:
            return None
        allow_null, allow_empty = field.allow_null, field.allow_empty
        longest, shortest = field.max_length, field.min_length

        def convert_list(value):
            if value is None:
                if allow_null:
                    return None
                raise _Doubt
            if type(value) is not list or (not value and not allow_empty):
                raise _Doubt
            if (longest is not None and len(value) > longest) or (
                shortest is not None and len(value) < shortest
            ):
                raise _Doubt
            return [row(entry) for entry in value]

        return convert_list
    row = _quick_row(field) if isinstance(field, serializers.Serializer) else None
    if row is None:
        return None
    allow_null = field.allow_null

    def convert(value):
        if value is None:
            if allow_null:
                return None
            raise _Doubt
        return row(value)

    return convert


SERIALIZER_METHODS = ("validate", "to_internal_value", "run_validation", "run_validators")
LIST_VALIDATE = serializers.ListSerializer.validate


def _quick_row(serializer):
    """A function validating one row as `serializer` does, None when it has anything
    (own validate methods, validators, defaults, read-only or renamed fields, other
    field types) the quick path does not mirror."""
    kind = type(serializer)
    if serializer.validators or any(
        getattr(kind, name) is not getattr(serializers.Serializer, name)
        for name in SERIALIZER_METHODS
    ):
        return None
    return _quick_fields(serializer)


def _quick_integer(field):
    if type(field) is not serializers.IntegerField or _field_validators(field) is None:
        return None

    def convert(value):
        try:
            return field.run_validation(value)  # the field's own conversion and validators
        except Exception:
            raise _Doubt from None

    return convert


def _quick_json(field):
    if type(field) is not serializers.JSONField or field.binary or field.validators:
        return None
    allow_null = field.allow_null

    def convert(value):
        # Parsed from the message's JSON, so already a JSON value: kept as it is.
        if value is None and not allow_null:
            raise _Doubt
        return value

    return convert


def _quick_fields(serializer):
    """A function validating a mapping's fields as `serializer.to_internal_value` does."""
    steps = []
    for name, field in serializer.fields.items():
        if (
            field.read_only
            or field.source != name
            or field.default is not empty
            or hasattr(serializer, f"validate_{name}")
        ):
            return None
        convert = (
            _quick_text(field)
            or _quick_decimal(field)
            or _quick_integer(field)
            or _quick_json(field)
            or _quick_nested(field)
        )
        if convert is None:
            return None
        steps.append((name, field.required, convert))

    def validate(data):
        if type(data) is not dict:
            raise _Doubt
        validated = {}
        for name, required, convert in steps:
            value = data.get(name, empty)
            if value is empty:
                if required:
                    raise _Doubt
                continue
            validated[name] = convert(value)
        return validated

    return validate


_QUICK_ROWS: dict = {}
_QUICK_FIELDS: dict = {}


class QuickSerializer(serializers.Serializer):
    """A serializer whose fields are validated on the quick path, falling back to DRF at
    any doubt (its own validate() and validators still run as usual)."""

    def to_internal_value(self, data):
        kind = type(self)
        if kind not in _QUICK_FIELDS:
            _QUICK_FIELDS[kind] = _quick_fields(kind())
        fields = _QUICK_FIELDS[kind]
        if fields is not None and not getattr(self.root, "partial", False):
            try:
                return fields(data)
            except _Doubt:
                pass
        return super().to_internal_value(data)

    def run_validators(self, value):
        # DRF first builds every field (a deep copy of them all, per message) to add
        # read-only defaults for the validators to see; with no validators, nothing does.
        if self.validators:
            super().run_validators(value)


class QuickListSerializer(serializers.ListSerializer):
    """A list of rows validated on the quick path, falling back to DRF at any doubt."""

    def to_internal_value(self, data):
        kind = type(self.child)
        if kind not in _QUICK_ROWS:
            _QUICK_ROWS[kind] = _quick_row(kind())
        row = _QUICK_ROWS[kind]
        if (
            row is not None
            and type(data) is list
            and (data or self.allow_empty)
            and self.max_length is None
            and self.min_length is None
            and not getattr(self.root, "partial", False)
        ):
            try:
                return [row(entry) for entry in data]
            except _Doubt:
                pass
        return super().to_internal_value(data)


class ItemSerializer(serializers.Serializer):
    """One line of `itemLists` (invoice, PO and note items share it)."""

    serialno = optional_text(20)
    productDescription = optional_text(500)
    isService = optional_text(5)
    hsnCode = optional_text(10)
    barCode = optional_text(50)
    quantity = optional_amount()
    freeQuantity = optional_amount()
    unit = optional_text(20)
    unitPrice = optional_amount()
    totalAmt = optional_amount()
    assessmentAmount = optional_amount()
    gstRate = optional_amount()
    totalItemValue = optional_amount()
    orderLineReference = optional_text(100)
    originCountry = optional_text(5)
    productSerialNumber = optional_text(100)
    itemValueDetails = TypeValueSerializer(many=True, required=False)
    rates = TypeValueSerializer(many=True, required=False)
    batchDetails = BatchDetailsSerializer(required=False, allow_null=True)
    attributeDetails = NameValueSerializer(many=True, required=False)
    otherTaxes = OtherTaxSerializer(many=True, required=False)

    class Meta:
        list_serializer_class = QuickListSerializer  # lists of lines: the quick path


def additional_infos(body: dict) -> list[dict]:
    """The `{name, value}` pairs of a body, under either spelling the network uses."""
    found = []
    for key in ("additionalInfos", "additionalInfo"):
        value = body.get(key)
        if isinstance(value, list):
            found.extend(i for i in value if isinstance(i, dict))
    return found


# Longest reqMsgId read from a message (the wire's own are 32 characters).
REQ_MSG_ID_MAX = 100


def carried_req_msg_id(body: dict) -> str:
    """The reqMsgId a body carries in its `additionalInfos` (either spelling), or ""."""
    for info in additional_infos(body):
        if info.get("name") == "reqMsgId" and info.get("value"):
            return str(info["value"])
    return ""


def carried_req_msg_ids(body: dict, headers: Mapping) -> list[str]:
    """Every reqMsgId a message carries, the most telling first, each once.

    The `resp` block's (on a result, the id of the request it answers), then the one in
    `additionalInfos` (either spelling), then the `X-Request-Id` header. The inbox keeps
    the first on its record; the outbox matches a result on each in turn.
    """
    resp = body.get("resp") if isinstance(body.get("resp"), dict) else {}
    found = [resp.get("reqMsgId"), carried_req_msg_id(body), header(headers, "X-Request-Id")]
    texts = (str(i)[:REQ_MSG_ID_MAX] for i in found if isinstance(i, str | int) and i)
    return list(dict.fromkeys(texts))


def first_carried_req_msg_id(body: dict, headers: Mapping) -> str:
    """The first of `carried_req_msg_ids`, or ""."""
    return next(iter(carried_req_msg_ids(body, headers)), "")


def _first_error(errors, path: str) -> tuple[str, str, str]:
    """(code, detail, JSON path) of the first error in a DRF error structure."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            if isinstance(key, int):  # a list's errors keyed by index
                sub = f"{path}[{key}]"
            elif key == "non_field_errors":
                sub = path
            else:
                sub = f"{path}.{key}" if path else key
            return _first_error(value, sub)
    if isinstance(errors, list) and errors:
        first = errors[0]
        if isinstance(first, (dict, list)):
            for index, value in enumerate(errors):
                if value:
                    return _first_error(value, f"{path}[{index}]")
        code = getattr(first, "code", "invalid")
        kind = "MISSING_FIELD" if code in ("required", "null", "blank") else "INVALID_FIELD"
        return kind, str(first), path
    return "INVALID_FIELD", str(errors), path


def parse(serializer_class, data, path: str = "", **kwargs) -> dict:
    """Validate `data` with `serializer_class`; refuse it with the failing field's path."""
    if not isinstance(data, dict):
        raise Rejected("MISSING_FIELD" if data is None else "INVALID_FIELD",
                       "An object is required", path)  # fmt: skip
    serializer = serializer_class(data=data, **kwargs)
    if not serializer.is_valid():
        code, detail, field = _first_error(serializer.errors, path)
        raise Rejected(code, detail, field)
    return serializer.validated_data
