"""The inbound messages admin: read-only, filterable, constant queries, reprocess."""

import json

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from b2bportal.network.inbox_admin import pretty
from b2bportal.network.models import InboundMessage

from .conftest import WIDGET_SEND, minimal_body

pytestmark = pytest.mark.django_db
LIST = "/admin/network/inboundmessage/"


def deliver(post_webhook, count, **extra):
    for i in range(count):
        post_webhook(WIDGET_SEND, minimal_body(WIDGET_SEND, n=i, **extra))


def list_queries(admin_client, query=""):
    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get(LIST + query)
    assert response.status_code == 200
    return len(captured)


def test_the_list_costs_a_constant_number_of_queries(admin_client, post_webhook):
    deliver(post_webhook, 2)
    few = list_queries(admin_client)
    deliver(post_webhook, 12)
    assert list_queries(admin_client) == few


def test_the_list_filters_by_path_type_outcome_ids_and_date(admin_client, post_webhook):
    deliver(post_webhook, 2)
    post_webhook("/api/v0/payment/req-pay", minimal_body("/api/v0/payment/req-pay"))
    post_webhook(WIDGET_SEND, b"{}")
    for query, expected in [
        ("?path=/api/v0/payment/req-pay", 1),
        ("?message_type=test_widget.send", 3),
        ("?outcome__exact=invalid", 1),
        ("?object_id__icontains=POR", 3),
        ("?buyer_b2b_id__icontains=BUYER-B2B", 3),
        ("?supplier_b2b_id__icontains=nobody", 0),
        ("?received_at_from_0=2000-01-01&received_at_from_1=00:00:00", 4),
        ("?received_at_to_0=2000-01-01&received_at_to_1=00:00:00", 0),
    ]:
        response = admin_client.get(LIST + query)
        assert response.status_code == 200, query
        assert response.context["cl"].result_count == expected, query


def test_the_detail_shows_the_body_pretty_printed_and_the_reply(admin_client, post_webhook):
    post_webhook(WIDGET_SEND, minimal_body(WIDGET_SEND))
    record = InboundMessage.objects.get()

    response = admin_client.get(f"{LIST}{record.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "&quot;widget&quot;: {" in page
    assert "&quot;response_message&quot;: &quot;SUCCESS&quot;" in page
    assert "awaiting_handler" in page or "Awaiting handler" in page


def test_pretty_shows_json_indented_text_as_is_and_binary_as_hex():
    assert pretty(b'{"a":[1]}') == json.dumps({"a": [1]}, indent=2)
    assert pretty(b"not json") == "not json"
    assert pretty(b"\xff\x00\x01") == "ff 00 01"


def test_nobody_adds_changes_or_deletes_records(admin_client, post_webhook):
    post_webhook(WIDGET_SEND, minimal_body(WIDGET_SEND))
    record = InboundMessage.objects.get()
    assert admin_client.get(LIST + "add/").status_code == 403
    assert (
        admin_client.post(f"{LIST}{record.pk}/change/", {"outcome": "processed"}).status_code == 403
    )
    assert admin_client.post(f"{LIST}{record.pk}/delete/", {"post": "yes"}).status_code == 403
    record.refresh_from_db()
    assert record.outcome == "awaiting_handler"


def test_reprocess_selected_processes_awaiting_messages(admin_client, post_webhook, handle):
    deliver(post_webhook, 2)
    handler = handle("test_widget.send")
    ids = list(InboundMessage.objects.values_list("pk", flat=True))

    response = admin_client.post(
        LIST, {"action": "reprocess_selected", "_selected_action": ids}, follow=True
    )

    assert response.status_code == 200
    assert len(handler.calls) == 2
    assert set(InboundMessage.objects.values_list("outcome", flat=True)) == {"processed"}


def test_reprocess_needs_its_permission(client, post_webhook, handle):
    deliver(post_webhook, 1)
    viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_inboundmessage"))
    client.force_login(viewer)
    handler = handle("test_widget.send")
    record = InboundMessage.objects.get()

    assert client.get(LIST).status_code == 200
    client.post(LIST, {"action": "reprocess_selected", "_selected_action": [record.pk]})

    assert handler.calls == []
    record.refresh_from_db()
    assert record.outcome == "awaiting_handler"
