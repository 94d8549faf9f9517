"""Exactly once across server processes: gunicorn workers receiving the same message at once."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from django.conf import settings
from django.db import connection

from b2bportal.network.models import InboundMessage

from .conftest import PO_SEND, WEBHOOK_TOKEN, minimal_body

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn(transactional_db):
    """The project under gunicorn, four worker processes, on this test's database."""
    url = urlsplit(settings.DATABASE_URL)
    database_url = urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))
    port = free_port()
    env = {**os.environ, "B2BPORTAL_TESTING": "1", "DATABASE_URL": database_url,
           "ENKASH_WEBHOOK_TOKEN": WEBHOOK_TOKEN, "ENKASH_WEBHOOK_SIGNING_SECRET": "",
           "ENKASH_WEBHOOK_ALLOWED_IPS": "", "LOG_LEVEL": "ERROR"}  # fmt: skip
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "b2bportal.wsgi", "--workers", "4",
         "--bind", f"127.0.0.1:{port}", "--log-level", "error"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
        time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(timeout=30)


def test_copies_on_several_server_processes_are_answered_once(gunicorn):
    raw = json.dumps(minimal_body(PO_SEND)).encode()
    copies = 8
    barrier = threading.Barrier(copies)
    replies = [None] * copies

    def send(i):
        with httpx.Client(base_url=gunicorn, timeout=30) as http:
            barrier.wait()
            replies[i] = http.post(
                PO_SEND,
                content=raw,
                headers={"Content-Type": "application/json", "X-Webhook-Token": WEBHOOK_TOKEN},
            )

    threads = [threading.Thread(target=send, args=(i,)) for i in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [r.status_code for r in replies] == [200] * copies
    assert len({r.content for r in replies}) == 1
    # No app handles purchase orders yet: the first copy waits for its handler, the
    # others are its duplicates, whichever worker took them.
    outcomes = sorted(InboundMessage.objects.values_list("outcome", flat=True))
    assert outcomes == sorted(["awaiting_handler"] + ["duplicate"] * (copies - 1))
    original = InboundMessage.objects.get(outcome="awaiting_handler")
    assert set(
        InboundMessage.objects.filter(outcome="duplicate").values_list("duplicate_of", flat=True)
    ) == {original.pk}
