"""The domain's refusals: `DocumentError(code, detail, field)`, raised by services.

It is a `network.handling.Rejected`, so the inbox (which imports no app) answers it
like any refusal of a sender's message. Every code has ONE HTTP status, in the
catalogue of `network.envelope.ERRORS`: the inbox, the admin and the API all read it
from there (`http_status`), and the API and admin translate a refusal with
`refusal_body` / `refusal_message`.
"""

from b2bportal.network.envelope import status_for
from b2bportal.network.handling import Rejected


class DocumentError(Rejected):
    """A service refused: `code` from the catalogue, `detail` for people, `field` the
    name (or JSON path) of what failed, `document` the document it concerns if any."""


def http_status(error: Rejected) -> int:
    """The HTTP status of a refusal: the catalogue's, the same on every surface."""
    return status_for(error.code)


def refusal_body(error: Rejected) -> dict:
    """A refusal as the API's JSON body: code, detail and the failing field."""
    return {"code": error.code, "detail": error.detail, "field": error.field}


def refusal_message(error: Rejected) -> str:
    """A refusal as one line for staff (the admin's message): where, then why."""
    return f"{error.field}: {error.detail}" if error.field else error.detail
