"""Property-based tests of the inbox: whatever an authenticated sender posts, on whatever
path, the answer is 2xx or 4xx, never 5xx, and its stored row ends in a final outcome.

Two kinds of bodies: any bytes, and JSON objects built from realistic messages of each
route with values swapped for random ones (odd unicode, lone surrogates, NUL, huge
integers, floats, deep nesting), so the handlers are exercised, not only the parser.
"""

import copy
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2bportal.network.messages import RESULT, ROUTES
from b2bportal.network.models import InboundMessage, OutboundMessage
from b2bportal.parties.models import Business
from tests.fixtures import invoices as data

from .conftest import WEBHOOK_TOKEN, minimal_body

pytestmark = pytest.mark.django_db
Outcome = InboundMessage.Outcome

FINAL = {
    Outcome.PROCESSED, Outcome.DUPLICATE, Outcome.INVALID, Outcome.UNMATCHED,
    Outcome.AWAITING_HANDLER, Outcome.REJECTED,
}  # fmt: skip
PATHS = sorted(ROUTES)
# The paths that have handlers today: half the generated messages go there.
HANDLED_PATHS = [path for path in PATHS if ROUTES[path].action.name.startswith("invoice.")]
OUR_REQUEST = "e" * 32  # the reqMsgId of an outbound message of ours the results may answer

# Examples run inside one test's transaction; the function-scoped fixtures (database,
# client, settings) are the same for all of them on purpose.
# No example database in the work tree; a failure prints the blob that reproduces it.
PROPERTY = settings(
    max_examples=100,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def template(path: str) -> dict:
    """A realistic body for `path`: the invoice messages from the seed pages, else the
    smallest body the catalogue accepts."""
    route = ROUTES[path]
    name = route.action.name
    if route.kind == RESULT:
        block = route.action.body_block
        body = data.result(OUR_REQUEST, block, {"objectId": data.OBJECT_ID})
        body[block]["objectVersion"] = {"currentVersion": 1, "newVersion": 1}
        return body
    if name == "invoice.send":
        return data.network_invoice()
    if name == "invoice.edit":
        return data.network_invoice(version=(1, 2))
    if name == "invoice.confirm":
        return data.confirmation()
    if name == "invoice.status_change":
        return data.status_change()
    return minimal_body(path)


ODD_TEXT = st.sampled_from(
    ["", " ", "\x00", "\udfff", "\ud800x", "\U0001f600", "\u202e", "\ufeff", '"', "\\",
     "é" * 300, "9" * 400, "1e999", "-0", "NaN", "\n\t", "x" * 5000]
)  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([2**31 - 1, 2**31, -(2**31) - 1, 2**63, 10**30, -1, 0])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | ODD_TEXT
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8) | ODD_TEXT, children, max_size=4)
    ),
    max_leaves=12,
)
# Nesting deeper than json.dumps can write: a marker string, spelt out after dumping.
DEEP = st.integers(min_value=1, max_value=1200).map(lambda depth: f"<deep {depth}>")
DEEP_MARKER = re.compile(rb'"<deep (\d+)>"')


def places(value, trail=()):
    """Every (trail) in a JSON value where another value can be put."""
    yield trail
    if isinstance(value, dict):
        for key, child in value.items():
            yield from places(child, (*trail, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from places(child, (*trail, index))


def put(body: dict, trail: tuple, value) -> dict:
    if not trail:
        return body if not isinstance(value, dict) else value
    at(body, trail[:-1])[trail[-1]] = value
    return body


@st.composite
def jsonish(draw):
    """(path, body bytes): a route's realistic body with a few values replaced."""
    path = draw(st.sampled_from(HANDLED_PATHS) | st.sampled_from(PATHS))
    body = copy.deepcopy(template(path))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        trail = draw(st.sampled_from(list(places(body))))
        body = put(body, trail, draw(like(at(body, trail)) | JSON_VALUES | DEEP))
    if draw(st.booleans()):
        # Keys the messages do not have, anywhere.
        trail = draw(st.sampled_from([t for t in places(body) if isinstance(at(body, t), dict)]))
        at(body, trail)[draw(st.text(max_size=8) | ODD_TEXT)] = draw(JSON_VALUES)
    # Unescaped, a lone surrogate is written as the bytes UTF-8 forbids: both are tried.
    raw = json.dumps(body, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    return path, DEEP_MARKER.sub(lambda m: b"[" * int(m[1]) + b"]" * int(m[1]), raw)


def at(body, trail):
    for step in trail:
        body = body[step]
    return body


def like(value):
    """A value of the same JSON type as `value`, so the message often stays valid enough
    to reach the handler's deeper checks and the services."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers(min_value=-5, max_value=400) | st.sampled_from([2**31, 10**30, -1])
    if isinstance(value, float):
        return st.floats(min_value=-1e6, max_value=1e12) | st.sampled_from([1e300, -0.0, 0.005])
    if isinstance(value, str):
        return st.text(max_size=40) | ODD_TEXT | st.sampled_from(["2026-02-30", "9999-12-31"])
    return JSON_VALUES


@pytest.fixture
def inbox_setup(webhook_auth, client):
    """Our business (the invoices' buyer and the confirmations' supplier) and one
    outbound request of ours the results can match; returns a poster."""
    Business.objects.create(
        b2b_id=data.BUYER_B2B_ID, gstin=data.BUYER_GSTIN, legal_name=data.BUYER["legal_name"],
        trade_name=data.BUYER["trade_name"], state_code="29", address={"city": "Bengaluru"},
        email="payables@kaveriengineering.in",
    )  # fmt: skip
    OutboundMessage.objects.create(
        message_type="invoice.confirm", path="/api/v0/invoice/req-confirm-invoice",
        body={}, req_msg_id=OUR_REQUEST, object_id=data.OBJECT_ID, object_version=1,
        state=OutboundMessage.State.SENT,
    )  # fmt: skip

    def post(path: str, raw: bytes, content_type: str = "application/json"):
        before = InboundMessage.objects.order_by("-id").values_list("id", flat=True).first()
        response = client.generic(
            "POST", path, raw, content_type=content_type,
            headers={"X-Webhook-Token": WEBHOOK_TOKEN},
        )  # fmt: skip
        new = InboundMessage.objects.filter(id__gt=before or 0)
        return response, list(new.values_list("outcome", "error_detail"))

    return post


def assert_answered(response, rows, raw: bytes):
    assert response.status_code < 500, (response.status_code, rows, raw[:300])
    assert response.status_code >= 200, response.status_code
    assert len(rows) == 1, rows
    assert rows[0][0] in FINAL, (rows, raw[:300])


@PROPERTY
@given(
    path=st.sampled_from(PATHS),
    raw=st.binary(max_size=600)
    | st.builds(lambda b: b"{" + b, st.binary(max_size=200))
    | st.sampled_from([b"{}", b"[]", b"null", b'{"a":' * 2000, b'"\\udfff"']),
    content_type=st.sampled_from(["application/json", "application/vnd.x+json", "text/plain"]),
)
def test_any_bytes_on_any_catalogue_path_get_a_4xx_or_2xx_and_a_final_row(
    inbox_setup, path, raw, content_type
):
    response, rows = inbox_setup(path, raw, content_type)
    assert_answered(response, rows, raw)


@settings(PROPERTY, max_examples=40)
@given(
    path=st.text(
        alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="?#%"),
        min_size=1,
        max_size=40,
    ),
    raw=st.binary(max_size=200),
)
def test_any_other_path_gets_404_and_stores_nothing(inbox_setup, path, raw):
    full = "/api/v0/" + path
    if full in ROUTES:
        return
    response, rows = inbox_setup(full, raw)
    assert response.status_code == 404, (full, response.status_code)
    assert rows == []


@settings(PROPERTY, max_examples=300)
@given(message=jsonish())
def test_jsonish_bodies_on_every_route_get_a_4xx_or_2xx_and_a_final_row(inbox_setup, message):
    path, raw = message
    response, rows = inbox_setup(path, raw)
    assert_answered(response, rows, raw)
