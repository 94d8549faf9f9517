"""Exactly once across server processes: gunicorn workers receiving the same message at once."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from b2bportal.network.models import InboundMessage
from b2bportal.processes import free_port, stop_processes, wait_until_answers
from tests.live import database_url

from .conftest import WEBHOOK_TOKEN, WIDGET_SEND, minimal_body, post_copies_at_once

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gunicorn(transactional_db):
    """The project under gunicorn, four worker processes, on this test's database.

    It serves `tests.network.wsgi`: the project with the tests' own message type.
    """
    port = free_port()
    env = {**os.environ, "B2BPORTAL_TESTING": "1", "DATABASE_URL": database_url(),
           "ENKASH_WEBHOOK_TOKEN": WEBHOOK_TOKEN, "ENKASH_WEBHOOK_SIGNING_SECRET": "",
           "ENKASH_WEBHOOK_ALLOWED_IPS": "", "LOG_LEVEL": "ERROR"}  # fmt: skip
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "tests.network.wsgi", "--workers", "4",
         "--bind", f"127.0.0.1:{port}", "--log-level", "error"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(base + "/healthz", 60, interval=0.2, process=server)
        yield base
    finally:
        stop_processes([server], timeout=30)


def test_copies_on_several_server_processes_are_answered_once(gunicorn):
    raw = json.dumps(minimal_body(WIDGET_SEND)).encode()
    copies = 8
    replies = post_copies_at_once(gunicorn, WIDGET_SEND, raw, copies)

    assert [r.status_code for r in replies] == [200] * copies
    assert len({r.content for r in replies}) == 1
    # No app handles the tests' own type: the first copy waits for its handler, the
    # others are its duplicates, whichever worker took them.
    outcomes = sorted(InboundMessage.objects.values_list("outcome", flat=True))
    assert outcomes == sorted(["awaiting_handler"] + ["duplicate"] * (copies - 1))
    original = InboundMessage.objects.get(outcome="awaiting_handler")
    assert set(
        InboundMessage.objects.filter(outcome="duplicate").values_list("duplicate_of", flat=True)
    ) == {original.pk}
