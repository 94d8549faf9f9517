"""Deep health and the admin banner say when delivery stalled; a lost database is a 503."""

import json
import re
from datetime import timedelta

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import RequestFactory
from django.utils import timezone

from b2bportal.network.models import OutboundMessage
from b2bportal.unavailable import MESSAGE, DatabaseUnavailableMiddleware

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def thresholds(settings):
    settings.HEALTH_QUEUE_LAG_SECONDS = 300
    settings.HEALTH_UNDELIVERED_SECONDS = 900
    settings.ENKASH_STALLED_AFTER_SECONDS = 30


@pytest.fixture(autouse=True)
def empty_queue():
    """The queue and the workers as these tests make them: a live-server test run before
    on the same process (the suite runs on several) may have committed a job or a
    worker's heartbeat. Removed inside this test's transaction, so rolled back after."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
        cursor.execute("DELETE FROM procrastinate_workers")


def worker_beating(seconds_ago: float) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) "
            "VALUES (now() - make_interval(secs => %s))",
            [seconds_ago],
        )


def job_due_since(seconds_ago: float) -> None:
    """A delivery job deferred `seconds_ago` and never taken."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, args) "
            "VALUES ('outbound', 'network.deliver_outbound', '{\"message_id\": 1}') RETURNING id"
        )
        (job_id,) = cursor.fetchone()
        # procrastinate records the 'deferred' event itself (a trigger): move it back.
        cursor.execute(
            "UPDATE procrastinate_events SET at = now() - make_interval(secs => %s) "
            "WHERE job_id = %s AND type = 'deferred'",
            [seconds_ago, job_id],
        )


def undelivered_since(seconds_ago: float) -> OutboundMessage:
    return OutboundMessage.objects.create(
        message_type="invoice.confirm",
        path="/api/v0/invoice/req-confirm-invoice",
        body={},
        created_at=timezone.now() - timedelta(seconds=seconds_ago),
    )


def test_plain_healthz_is_unchanged(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_deep_health_when_delivery_flows(client):
    worker_beating(seconds_ago=1)
    job_due_since(seconds_ago=20)
    undelivered_since(seconds_ago=60)

    response = client.get("/healthz?deep=1")

    assert response.status_code == 200
    body = response.json()
    assert body.pop("queue_lag_seconds") == pytest.approx(20, abs=2)
    assert body.pop("oldest_undelivered_seconds") == pytest.approx(60, abs=2)
    assert body == {
        "status": "ok",
        "database": "ok",
        "due_jobs": 1,
        "workers_alive": 1,
        "undelivered": 1,
        "reasons": [],
    }


def test_deep_health_with_nothing_waiting(client):
    worker_beating(seconds_ago=1)
    worker_beating(seconds_ago=120)  # a dead one does not count

    response = client.get("/healthz?deep=1")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "due_jobs": 0,
        "queue_lag_seconds": None,
        "workers_alive": 1,
        "undelivered": 0,
        "oldest_undelivered_seconds": None,
        "reasons": [],
    }


def test_deep_health_says_why_delivery_stalled(client):
    worker_beating(seconds_ago=120)
    job_due_since(seconds_ago=400)
    undelivered_since(seconds_ago=1000)
    OutboundMessage.objects.create(  # delivered: not waiting
        message_type="invoice.confirm", path="/x", body={}, state="sent",
        created_at=timezone.now() - timedelta(days=3),
    )  # fmt: skip

    response = client.get("/healthz?deep=1")

    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["workers_alive"], body["due_jobs"], body["undelivered"]) == (
        "stalled", 0, 1, 1,
    )  # fmt: skip
    assert body["reasons"] == [
        "no worker is alive: nothing will be delivered",
        "the oldest due job has waited 400 s (more than 300 s)",
        "an outbound message is undelivered after 1000 s (more than 900 s)",
    ]


@pytest.mark.parametrize("page_url", ["/admin/", "/"])
def test_the_admin_index_and_home_show_a_banner_only_when_delivery_stalled(
    client, django_user_model, settings, page_url
):
    admin = django_user_model.objects.create_superuser("boss", "boss@example.in", "pw-long-enough")
    client.force_login(admin)
    worker_beating(seconds_ago=1)

    calm = client.get(page_url).content.decode()
    assert "Delivery to EnKash has stalled" not in calm

    undelivered_since(seconds_ago=1000)
    page = client.get(page_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Delivery to EnKash has stalled" in html
    # (A message left pending by a server test run before on the same process may be
    # the oldest: its age is at least ours.)
    undelivered = re.search(
        r"an outbound message is undelivered after (\d+) s \(more than 900 s\)", html
    )
    assert undelivered is not None and int(undelivered.group(1)) >= 1000
    assert 'href="/admin/network/outboundmessage/?state__exact=pending"' in html


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_lost_database_is_a_503_page_for_staff(error):
    request = RequestFactory().get("/admin/invoices/invoice/")
    response = DatabaseUnavailableMiddleware(lambda r: None).process_exception(
        request, error("connection refused")
    )
    assert response.status_code == 503
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Retry-After"] == "10"
    html = response.content.decode()
    assert "<title>Service unavailable | B2B Portal</title>" in html
    assert f"<h1>{MESSAGE}</h1>" in html


def test_a_lost_database_is_json_503_for_the_api_and_the_envelope_for_enkash():
    middleware = DatabaseUnavailableMiddleware(lambda r: None)
    api = middleware.process_exception(
        RequestFactory().post("/api/invoices/7/confirm/"), OperationalError("gone")
    )
    assert (api.status_code, api["Retry-After"]) == (503, "10")
    assert json.loads(api.content) == {
        "detail": "Service unavailable: nothing was lost, try again in a moment.",
        "code": "service_unavailable",
    }
    webhook = middleware.process_exception(
        RequestFactory().post("/api/v0/invoice/req-send-invoice"), OperationalError("gone")
    )
    assert webhook.status_code == 500  # EnKash retries a 5xx
    assert json.loads(webhook.content) == {
        "response_code": 500,
        "response_message": "INTERNAL_ERROR",
        "payload": {
            "resp": {
                "reqMsgId": "",
                "result": "FAILURE",
                "errorCd": "INTERNAL_ERROR",
                "errorDtl": "The database is unavailable; retry later.",
                "errorField": "",
            }
        },
    }


def test_other_errors_are_left_to_django():
    middleware = DatabaseUnavailableMiddleware(lambda r: None)
    assert middleware.process_exception(RequestFactory().get("/admin/"), ValueError("x")) is None
