"""Refused before storing: unauthenticated or disallowed deliveries are counted, not kept."""

import json

import pytest
from django.db import connection

from b2bportal.network.models import InboundMessage, InboundRejection

from .conftest import WEBHOOK_TOKEN, WIDGET_SEND, minimal_body

pytestmark = pytest.mark.django_db

TWO_MIB = 2 * 1024 * 1024


def table_bytes(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size(%s)", [table])
        return cursor.fetchone()[0]


def test_a_flood_of_unauthenticated_2_mib_posts_adds_one_small_row(post_webhook, handle):
    handler = handle("test_widget.send")
    raw = b'{"flood": "' + b"x" * (TWO_MIB - 13) + b'"}'
    assert len(raw) == TWO_MIB
    inbound_before = table_bytes("network_inboundmessage")

    answers = [post_webhook(WIDGET_SEND, raw, token=f"guess-{n}").status_code for n in range(40)]

    assert answers == [401] * 40
    assert not InboundMessage.objects.exists()
    assert handler.calls == []
    refusal = InboundRejection.objects.get()
    assert (refusal.path, refusal.source, refusal.reason, refusal.count) == (
        WIDGET_SEND, "127.0.0.1", "X-Webhook-Token missing or wrong", 40,
    )  # fmt: skip
    assert refusal.last_size == TWO_MIB
    assert bytes(refusal.last_first_bytes) == raw[:200]
    assert refusal.first_seen <= refusal.last_seen
    # Nothing of the 80 MiB reached the database: no TOAST growth anywhere.
    # no growth (autovacuum may shrink it meanwhile: not "equal")
    assert table_bytes("network_inboundmessage") <= inbound_before
    # Its pages and indexes (40 updates leave dead row versions until vacuumed), not 80 MiB.
    assert table_bytes("network_inboundrejection") < 256 * 1024


def test_with_an_address_list_a_foreign_source_is_counted_apart(post_webhook, settings):
    settings.ENKASH_WEBHOOK_ALLOWED_IPS = ["10.0.0.0/8"]
    raw = json.dumps(minimal_body(WIDGET_SEND)).encode()

    for _ in range(3):
        assert post_webhook(WIDGET_SEND, raw, REMOTE_ADDR="203.0.113.9").status_code == 401
    assert post_webhook(WIDGET_SEND, raw, REMOTE_ADDR="198.51.100.7").status_code == 401
    assert post_webhook(WIDGET_SEND, raw, REMOTE_ADDR="10.1.2.3", token="no").status_code == 401

    assert not InboundMessage.objects.exists()
    assert sorted(InboundRejection.objects.values_list("source", "reason", "count")) == [
        ("10.1.2.3", "X-Webhook-Token missing or wrong", 1),
        ("198.51.100.7", "source address not allowed", 1),
        ("203.0.113.9", "source address not allowed", 3),
    ]


def test_sources_beyond_the_daily_cap_are_counted_together(post_webhook, monkeypatch):
    monkeypatch.setattr(InboundRejection, "MAX_SOURCES_PER_DAY", 2)
    raw = b"{}"

    for last in (1, 2, 3, 4, 1, 5):
        post_webhook(WIDGET_SEND, raw, token="no", REMOTE_ADDR=f"192.0.2.{last}")

    assert sorted(InboundRejection.objects.values_list("source", "count")) == [
        ("*", 3),
        ("192.0.2.1", 2),
        ("192.0.2.2", 1),
    ]


def test_an_authenticated_delivery_is_still_recorded_first(post_webhook):
    raw = b"not json at all"

    response = post_webhook(WIDGET_SEND, raw)

    assert response.status_code == 400
    record = InboundMessage.objects.get()
    assert (bytes(record.body), record.body_size, record.outcome) == (raw, 15, "invalid")
    assert not InboundRejection.objects.exists()


def test_the_admin_lists_refusals_read_only(admin_client, post_webhook):
    post_webhook(WIDGET_SEND, b'{"probe": 1}', token="no")
    refusal = InboundRejection.objects.get()
    url = "/admin/network/inboundrejection/"

    listing = admin_client.get(url)
    detail = admin_client.get(f"{url}{refusal.pk}/change/")

    assert listing.status_code == 200
    assert "X-Webhook-Token missing or wrong" in listing.content.decode()
    assert detail.status_code == 200
    assert "&quot;probe&quot;: 1" in detail.content.decode()
    assert admin_client.get(f"{url}add/").status_code == 403
    assert admin_client.post(f"{url}{refusal.pk}/delete/", {"post": "yes"}).status_code == 403
    assert InboundRejection.objects.get().count == 1


def test_the_token_header_is_never_kept(post_webhook):
    post_webhook(WIDGET_SEND, minimal_body(WIDGET_SEND), token=WEBHOOK_TOKEN + "-wrong")
    assert WEBHOOK_TOKEN not in str(list(InboundRejection.objects.values()))


def test_the_auditor_reads_refusals_and_the_reviewer_does_not(client, post_webhook, settings):
    from django.contrib.auth import get_user_model

    from b2bportal.staff.services import create_demo_accounts

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    create_demo_accounts()
    post_webhook(WIDGET_SEND, b"{}", token="no")
    users = get_user_model().objects

    client.force_login(users.get(username="auditor"))
    assert client.get("/admin/network/inboundrejection/").status_code == 200
    client.force_login(users.get(username="reviewer"))
    assert client.get("/admin/network/inboundrejection/").status_code == 403
