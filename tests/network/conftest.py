"""Fixtures for the network app: webhook deliveries and handlers plugged into the registry."""

import json

import pytest

from b2bportal.network import registry
from b2bportal.network.handling import Reply
from b2bportal.network.messages import REQUEST, ROUTES
from tests.live import database_url

from .message_types import TEST_SEND

WEBHOOK_TOKEN = "inbox-test-token-5f1c"
# The tests' own message type (registered on import), which no app handles.
WIDGET_SEND = TEST_SEND.request_path


def minimal_body(path: str, **extra) -> dict:
    """The smallest body the catalogue accepts on `path`: its required blocks."""
    route = ROUTES[path]
    body = {}
    for block in route.action.required_blocks(route.kind):
        if block == "b2bIds":
            body[block] = {"buyerB2BId": "BUYER-B2B-1", "supplierB2BId": "SUPPLIER-B2B-1"}
        elif block == "resp":
            body[block] = {"reqMsgId": "f" * 32, "result": "SUCCESS", "errorCd": "",
                           "errorDtl": "", "errorField": ""}  # fmt: skip
        elif block == "criteria":
            body[block] = [{"searchParameter": "PAN", "operator": "EXACT", "value": "ABCDE1234F"}]
        else:
            body[block] = {"objectId": "POR" + "A1" * 16}
    if route.kind == REQUEST:
        body["additionalInfos"] = [{"name": "reqMsgId", "value": "a" * 32}]
    body.update(extra)
    return body


def post_copies_at_once(base_url: str, path: str, raw: bytes, copies: int) -> list:
    """POST `raw` to `path` from `copies` threads released together; their replies in order."""
    import threading

    import httpx

    barrier = threading.Barrier(copies)
    replies = [None] * copies

    def send(i):
        with httpx.Client(base_url=base_url, timeout=30) as http:
            barrier.wait()
            replies[i] = http.post(
                path,
                content=raw,
                headers={"Content-Type": "application/json", "X-Webhook-Token": WEBHOOK_TOKEN},
            )

    threads = [threading.Thread(target=send, args=(i,)) for i in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return replies


@pytest.fixture
def webhook_auth(settings):
    """The inbox configured with a token only (no signature, no address list)."""
    settings.ENKASH_WEBHOOK_TOKEN = WEBHOOK_TOKEN
    settings.ENKASH_WEBHOOK_SIGNING_SECRET = ""
    settings.ENKASH_WEBHOOK_ALLOWED_IPS = []
    return settings


@pytest.fixture
def post_webhook(client, webhook_auth):
    """POST raw bytes (or a dict as JSON) to a webhook path, with the token unless told."""

    def post(path, body, *, content_type="application/json", headers=None, token=WEBHOOK_TOKEN,
             **extra):  # fmt: skip
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent = {"X-Webhook-Token": token} if token is not None else {}
        sent.update(headers or {})
        return client.generic("POST", path, data, content_type=content_type, headers=sent,
                              **extra)  # fmt: skip

    return post


class RecordingHandler:
    """A handler that notes every message it is given and answers with a Reply."""

    def __init__(self, reply=None, effect=None):
        self.calls = []
        self.reply = reply or Reply()
        self.effect = effect

    def __call__(self, message):
        self.calls.append(message)
        if self.effect:
            return self.effect(message)
        return self.reply


@pytest.fixture
def handle():
    """Plug a RecordingHandler (or given function) in for a message type during the test."""
    stack = []

    def plug(message_type, handler=None):
        handler = handler or RecordingHandler()
        context = registry.override(message_type, handler)
        context.__enter__()
        stack.append(context)
        return handler

    yield plug
    for context in reversed(stack):
        context.__exit__(None, None, None)


# --- Outbound delivery: a sandbox EnKash, decisions, and real worker processes ---

OUTBOUND_CLIENT_ID = "outbound-test-client"
OUTBOUND_CLIENT_SECRET = "outbound-test-secret-9d2e"
CONFIRM_PATH = "/api/v0/invoice/req-confirm-invoice"


def confirmation_body(object_id: str = "INV" + "C0FFEE" * 5 + "AB", version: int = 1) -> dict:
    """A made-up invoice.confirm body (the shape of PROTOCOL §3)."""
    return {
        "b2bIds": {"buyerB2BId": "BUYER-B2B-1", "supplierB2BId": "SUPPLIER-B2B-1"},
        "invoiceConfirmation": {
            "objectId": object_id,
            "supplierInvoiceNumber": "SUP/2026/0042",
            "objectVersion": {"currentVersion": version, "newVersion": version},
            "buyerResponse": "ACCEPT",
            "buyerRemarks": "Goods received in full",
            "statusTransition": {"currentStatus": "SENT_TO_BUYER", "newStatus": "ACCEPTED"},
        },
    }


@pytest.fixture
def enkash(settings):
    """A sandbox EnKash on a free port, our settings pointing at it, short timeouts."""
    from b2bportal.sandbox.server import SandboxServer

    server = SandboxServer(client_id=OUTBOUND_CLIENT_ID, client_secret=OUTBOUND_CLIENT_SECRET)
    server.start()
    settings.ENKASH_BASE_URL = server.url
    settings.ENKASH_CLIENT_ID = OUTBOUND_CLIENT_ID
    settings.ENKASH_CLIENT_SECRET = OUTBOUND_CLIENT_SECRET
    settings.ENKASH_ENCRYPTION_KEY = ""
    settings.ENKASH_CONNECT_TIMEOUT = 0.5
    settings.ENKASH_READ_TIMEOUT = 1.0
    settings.ENKASH_RETRY_BASE_SECONDS = 0.2
    settings.ENKASH_RETRY_MAX_DELAY_SECONDS = 1.0
    settings.ENKASH_STALLED_AFTER_SECONDS = 2.0
    yield server
    server.stop()


@pytest.fixture
def decide():
    """Make a decision: enqueue an outbound call in a committed transaction of its own."""
    from django.db import transaction

    from b2bportal.network import outbox

    def decide(body=None, message_type="invoice.confirm", **fields):
        body = body or confirmation_body()
        block = body.get("invoiceConfirmation", {})
        fields.setdefault("object_id", block.get("objectId", ""))
        fields.setdefault("object_version", 1)
        with transaction.atomic():
            return outbox.enqueue(message_type, body, **fields)

    return decide


@pytest.fixture
def workers(enkash, transactional_db, settings, tmp_path):
    """Start `manage.py procrastinate worker` processes on the test database.

    Workers beat every 0.5 s, count as dead after 2 s, and run the recovery job every
    second, so a killed worker's work is recovered within seconds. Their stderr goes to
    the test's tmp_path (worker-N.log).
    """
    import contextlib
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    from b2bportal.processes import stop_processes

    with connection.cursor() as cursor:  # jobs left by earlier tests (not flushed by Django)
        cursor.execute("DELETE FROM procrastinate_periodic_defers")
        cursor.execute("DELETE FROM procrastinate_events")
        cursor.execute("DELETE FROM procrastinate_jobs")
        cursor.execute("DELETE FROM procrastinate_workers")
    root = Path(__file__).resolve().parents[2]
    started = []
    stack = contextlib.ExitStack()  # the workers' log files

    def start(concurrency: int = 2) -> subprocess.Popen:
        """A worker configured from the current settings (change them before starting)."""
        log = tmp_path / f"worker-{len(started)}.log"
        env = {
            **os.environ,
            "B2BPORTAL_TESTING": "1",
            "DATABASE_URL": database_url(),
            "DB_CONN_MAX_AGE": "0",
            "ENKASH_BASE_URL": enkash.url,
            "ENKASH_CLIENT_ID": OUTBOUND_CLIENT_ID,
            "ENKASH_CLIENT_SECRET": OUTBOUND_CLIENT_SECRET,
            "ENKASH_ENCRYPTION_KEY": "",
            "ENKASH_CONNECT_TIMEOUT": str(settings.ENKASH_CONNECT_TIMEOUT),
            "ENKASH_READ_TIMEOUT": str(settings.ENKASH_READ_TIMEOUT),
            "ENKASH_RETRY_BASE_SECONDS": str(settings.ENKASH_RETRY_BASE_SECONDS),
            "ENKASH_RETRY_MAX_DELAY_SECONDS": str(settings.ENKASH_RETRY_MAX_DELAY_SECONDS),
            "ENKASH_STALLED_AFTER_SECONDS": str(settings.ENKASH_STALLED_AFTER_SECONDS),
            "ENKASH_RECOVERY_CRON": "* * * * * *",
            "PROCRASTINATE_HEARTBEAT_SECONDS": "0.5",
        }
        process = subprocess.Popen(
            [sys.executable, "manage.py", "procrastinate", "worker", "--concurrency",
             str(concurrency)],
            cwd=root, env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=stack.enter_context(log.open("wb")),
        )  # fmt: skip
        started.append(process)
        return process

    yield start
    stop_processes(started)
    stack.close()
