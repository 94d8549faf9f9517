"""EnKash's reply envelope, the `resp` block, and the catalogue of our error codes.

Every answer on a webhook path is a JSON envelope (PROTOCOL.md §5):

    {"response_code": 0, "response_message": "SUCCESS", "payload": {...}}

`response_code` 0 means "accepted for processing", nothing more. A refusal keeps the
same shape with `response_code` set to the HTTP status (never 0),
`response_message` set to the error code, and a `resp` block in the payload whose
`result` is "FAILURE" and whose `errorCd`, `errorDtl`, `errorField` say what was
wrong (`errorField` is the JSON path of the failing field, e.g.
`invoiceConfirmation.buyerRemarks`).
"""

import json
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder

SUCCESS = "SUCCESS"
FAILURE = "FAILURE"

# THE ERROR CODE CATALOGUE: code -> (HTTP status, meaning). Handlers and services raise
# `handling.Rejected(code, ...)` (services: its subclass `documents.errors.DocumentError`)
# with one of these codes; the inbox, the admin and the API all answer with its status.
# 409: the document's state or version conflicts (reload and decide again); 400: bad input.
ERRORS: dict[str, tuple[int, str]] = {
    "AUTHENTICATION_FAILED": (
        401,
        "The webhook token, signature, timestamp or source address is missing or wrong.",
    ),
    "INVALID_JSON": (400, "The body is not a JSON object (bad syntax, encoding or NUL)."),
    "UNSUPPORTED_MEDIA_TYPE": (415, "The Content-Type is not application/json."),
    "PAYLOAD_TOO_LARGE": (413, "The body is larger than ENKASH_WEBHOOK_MAX_BODY_BYTES."),
    "MISSING_FIELD": (400, "A required block or field is absent (errorField names it)."),
    "INVALID_FIELD": (400, "A field has a wrong type, length, pattern or value."),
    "UNKNOWN_B2B_ID": (400, "The B2B ID the message is addressed to is not one of ours."),
    "UNKNOWN_DOCUMENT": (400, "The objectId names no document we hold."),
    "INVALID_TRANSITION": (409, "The status transition is not allowed from the current status."),
    "STALE_VERSION": (409, "The message acts on a version older than the one we hold."),
    "VERSION_CONFLICT": (409, "Same version as ours but different content."),
    "ACTION_PENDING": (409, "An action of ours on this document awaits the network's answer."),
    "NOT_OVERDUE": (409, "No request about this document is overdue at the network."),
    "NOT_FOUND": (404, "No webhook is served at this path."),
    "METHOD_NOT_ALLOWED": (405, "Webhook paths accept POST only."),
    "INTERNAL_ERROR": (500, "Our fault: the message is kept and can be retried."),
}


def status_for(code: str) -> int:
    """The HTTP status of an error code; an unknown code is treated as a plain 400."""
    return ERRORS.get(code, (400, ""))[0]


def resp_block(
    req_msg_id: str = "",
    result: str = SUCCESS,
    code: str = "",
    detail: str = "",
    field: str = "",
) -> dict:
    """The `resp` block: the verdict on the message whose id is `req_msg_id`."""
    return {
        "reqMsgId": req_msg_id,
        "result": result,
        "errorCd": code,
        "errorDtl": detail,
        "errorField": field,
    }


def ack(payload: dict) -> dict:
    """The 200 envelope: accepted for processing."""
    return {"response_code": 0, "response_message": SUCCESS, "payload": payload}


def error(
    code: str, detail: str = "", field: str = "", req_msg_id: str = "", extra: dict | None = None
) -> tuple[int, dict]:
    """(HTTP status, envelope) refusing a message with `code` from the catalogue."""
    status = status_for(code)
    payload = {
        **(extra or {}),
        "resp": resp_block(
            req_msg_id, FAILURE, code, detail or ERRORS.get(code, (0, ""))[1], field
        ),
    }
    return status, {"response_code": status, "response_message": code, "payload": payload}


def to_json(value):
    """`value` with Decimals, dates and UUIDs turned into plain JSON, ready for a JSONField:
    what a round trip through Django's JSON encoder gives, a new object each time.

    Plain values, lists and dicts with text keys are converted here; anything else (a
    date, a UUID, a dict with other keys) takes the round trip itself.
    """
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    if kind is Decimal:
        return str(value)
    if kind is dict:
        converted = {}
        for key, item in value.items():
            if type(key) is not str:
                return _round_trip(value)
            converted[key] = to_json(item)
        return converted
    if kind is list or kind is tuple:
        return [to_json(item) for item in value]
    return _round_trip(value)


def _round_trip(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
