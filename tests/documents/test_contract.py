# ruff: noqa: F811  (fixtures imported from other modules are test arguments here)
"""The document contract: what every registered family does, driven through the real
webhooks and the family's services. Runs once per family (`documents.registry`).

A version received twice is a duplicate, with other content a conflict; one ahead of
sequence waits for the gap to close, one made from an older version is stale; the
counterparty's actions park, repeat and go stale the same way; our decision leaves
the document pending until the network's result applies it or returns it; the status
history is append-only; deciding needs the family's decide permission.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from b2bportal.access.services import issue_token
from b2bportal.documents.errors import DocumentError, http_status
from b2bportal.network.messages import ROUTES
from b2bportal.network.models import InboundMessage, OutboundMessage

pytestmark = pytest.mark.django_db

PATHS = {route.message_type: path for path, route in ROUTES.items()}


def post(webhook, message_type: str, body: dict):
    return webhook(PATHS[message_type], body)


def refusal(response) -> tuple:
    """(HTTP status, errorCd, errorField) of a refused webhook."""
    resp = response.json()["payload"]["resp"]
    return response.status_code, resp["errorCd"], resp["errorField"]


def state(document) -> tuple:
    """Everything a refused or repeated message must leave as it was."""
    document.refresh_from_db()
    return (
        document.status,
        document.version,
        document.pending_message_id,
        list(document.versions.values_list("number", "state")),
        document.status_changes.count(),
        document.parked_actions.count(),
        OutboundMessage.objects.count(),
    )


def versions(document) -> list[tuple]:
    return list(document.versions.order_by("number").values_list("number", "state"))


@pytest.fixture
def received(family, adapter, webhook):
    """Version 1 of a document the counterparty sent us."""
    response = post(webhook, f"{family.name}.send", adapter.version(0, 1))
    assert response.status_code == 200, response.content
    return family.document_model.objects.get(object_id=adapter.object_id)


# -- versions ----------------------------------------------------------------------------


def test_a_version_received_again_is_a_duplicate(family, adapter, webhook, received):
    before = state(received)
    response = post(webhook, f"{family.name}.send", adapter.version(0, 1))
    assert response.status_code == 200
    assert state(received) == before
    assert InboundMessage.objects.filter(outcome="duplicate").count() == 1


def test_the_same_version_with_other_content_is_a_conflict(family, adapter, webhook, received):
    before = state(received)
    response = post(webhook, f"{family.name}.edit", adapter.version(0, 1, price=70.0))
    assert refusal(response) == (
        409,
        "VERSION_CONFLICT",
        f"{family.document_block}.objectVersion.newVersion",
    )
    assert state(received) == before


def test_a_version_ahead_waits_until_the_gap_closes(family, adapter, webhook, received):
    assert (
        post(webhook, f"{family.name}.edit", adapter.version(2, 3, price=70.0)).status_code == 200
    )
    received.refresh_from_db()
    assert (received.version, versions(received)) == (1, [(1, "applied"), (3, "parked")])

    assert (
        post(webhook, f"{family.name}.edit", adapter.version(1, 2, price=69.0)).status_code == 200
    )
    received.refresh_from_db()
    assert (received.version, versions(received)) == (
        3,
        [(1, "applied"), (2, "applied"), (3, "applied")],
    )
    assert received.current_version.number == 3


def test_a_version_made_from_a_replaced_one_is_stale(family, adapter, webhook, received):
    assert (
        post(webhook, f"{family.name}.edit", adapter.version(1, 2, price=69.0)).status_code == 200
    )
    before = state(received)
    response = post(webhook, f"{family.name}.edit", adapter.version(1, 3, price=70.0))
    assert refusal(response) == (
        409,
        "STALE_VERSION",
        f"{family.document_block}.objectVersion.currentVersion",
    )
    assert state(received) == before


# -- the counterparty's actions -----------------------------------------------------------


def test_an_action_on_a_version_ahead_waits_for_it(family, adapter, webhook, received):
    message_type, body = adapter.received_action(version=2)
    assert post(webhook, message_type, body).status_code == 200
    received.refresh_from_db()
    assert (received.status, received.version) == (adapter.received_status, 1)
    assert received.parked_actions.filter(applied_at=None).count() == 1

    assert (
        post(webhook, f"{family.name}.edit", adapter.version(1, 2, price=69.0)).status_code == 200
    )
    received.refresh_from_db()
    assert (received.status, received.version) == (adapter.received_action_status, 2)
    assert received.parked_actions.filter(applied_at=None).count() == 0


def test_an_action_received_again_is_a_duplicate(family, adapter, webhook, received):
    message_type, body = adapter.received_action(version=1)
    assert post(webhook, message_type, body).status_code == 200
    before = state(received)
    assert received.status == adapter.received_action_status
    assert post(webhook, message_type, body).status_code == 200
    assert state(received) == before
    assert InboundMessage.objects.filter(outcome="duplicate").count() == 1


def test_an_action_on_a_replaced_version_is_stale(family, adapter, webhook, received):
    assert (
        post(webhook, f"{family.name}.edit", adapter.version(1, 2, price=69.0)).status_code == 200
    )
    before = state(received)
    message_type, body = adapter.received_action(version=1)
    action = family.received_actions[message_type]
    assert refusal(post(webhook, message_type, body)) == (
        409,
        "STALE_VERSION",
        f"{action.block}.objectVersion.currentVersion",
    )
    assert state(received) == before


# -- our decisions and the network's results ------------------------------------------------


def test_a_decision_while_one_is_pending_is_refused(family, adapter, staff, received):
    adapter.decide(received, staff["reviewer"])
    before = state(received)
    with pytest.raises(DocumentError) as refused:
        adapter.decide(received, staff["reviewer"])
    assert (refused.value.code, http_status(refused.value)) == ("ACTION_PENDING", 409)
    assert state(received) == before
    assert OutboundMessage.objects.count() == 1


def test_a_successful_result_applies_the_decision(family, adapter, staff, webhook, received):
    outbound = adapter.decide(received, staff["reviewer"])
    received.refresh_from_db()
    assert (received.status, received.pending_message_id) == (adapter.received_status, outbound.pk)

    response = post(webhook, f"{outbound.message_type}.result", adapter.result(outbound, ok=True))
    assert response.status_code == 200, response.content
    received.refresh_from_db()
    assert (received.status, received.pending_message_id, received.pending_status) == (
        adapter.decided_status,
        None,
        "",
    )
    last = received.status_changes.order_by("id").last()
    assert (last.kind, last.to_status, last.actor) == ("applied", adapter.decided_status,
                                                       staff["reviewer"])  # fmt: skip


def test_a_failed_result_returns_the_document(family, adapter, staff, webhook, received):
    outbound = adapter.decide(received, staff["reviewer"])
    response = post(webhook, f"{outbound.message_type}.result", adapter.result(outbound, ok=False))
    assert response.status_code == 200, response.content
    received.refresh_from_db()
    assert (received.status, received.pending_message_id, received.last_error_code) == (
        adapter.received_status,
        None,
        "INVALID_GSTIN",
    )
    assert received.status_changes.order_by("id").last().kind == "refused"
    # staff may decide again
    assert adapter.decide(received, staff["reviewer"]).pk != outbound.pk


# -- history and permission ------------------------------------------------------------------


def test_the_status_history_is_append_only(family, received):
    row = received.status_changes.get()
    row.remarks = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        row.save()
    with pytest.raises(ValueError, match="append-only"):
        row.delete()
    assert list(received.status_changes.values_list("remarks", flat=True)) == [""]


def test_deciding_needs_the_decide_permission(family, adapter, staff, received):
    def api(username):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(staff[username]).key}")
        return client

    assert staff["reviewer"].has_perm(family.decide_permission)
    assert not staff["auditor"].has_perm(family.decide_permission)
    before = state(received)
    assert adapter.decide_over_api(api("auditor"), received).status_code == 403
    assert state(received) == before
    assert adapter.decide_over_api(api("reviewer"), received).status_code == 202
    assert OutboundMessage.objects.count() == 1


# -- cost --------------------------------------------------------------------------------


def test_a_new_document_costs_the_same_statements_whatever_its_lines(family, adapter, webhook):
    """A new document of 20 lines costs the statements one of 2 does, the same in every
    family: its rows (document, version, lines, findings, history) go in one round trip.

    The 10: the inbox's record; its processing's savepoint (a transaction outside tests);
    its lock with the look-up of an earlier copy; the handler's savepoint; our businesses
    with the document's lock, the counterparty we know, the reserved ids and the number
    already taken (`documents.look_up`); the document's row lock; the rows; the
    handler's release; the record's outcome; the processing's release. An order reads,
    besides, the invoices that named it before it came (an invoice naming its order
    reads the order in its place; this one names none).
    """

    def receive(n: int, copies: int) -> int:
        body = adapter.version(0, 1)
        block = body[family.document_block]
        block["objectId"] = object_id = f"{family.id_prefix}{n:032d}"
        lines = [dict(line) for _ in range(copies) for line in block["itemLists"]]
        for serial, line in enumerate(lines, start=1):
            line["serialno"] = str(serial)
        block["itemLists"] = lines
        with CaptureQueriesContext(connection) as captured:
            assert post(webhook, f"{family.name}.send", body).status_code == 200
        document = family.document_model.objects.get(object_id=object_id)
        assert family.line_model.objects.filter(version=document.current_version).count() == (
            len(lines)
        )
        assert document.status_changes.count() == 1
        return len(captured)

    receive(1, 1)  # the first one meets a new counterparty
    two, twenty = receive(2, 1), receive(3, 10)
    assert two == twenty == STATEMENTS_PER_NEW_DOCUMENT[family.name]


STATEMENTS_PER_NEW_DOCUMENT = {"invoice": 10, "purchase_order": 11}
