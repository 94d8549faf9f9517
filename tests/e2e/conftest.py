"""End to end: the app server, a worker and the offline EnKash, all real, on loopback.

The processes: `manage.py runserver` and
`manage.py procrastinate worker` on the pytest test database, and the sandbox in this
process. Tests are transactional, so the processes see their writes; each test
starts its own app server and worker (see `e2e`), the sandbox lives for the module.
"""

import functools
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from b2bportal.processes import free_port, stop_processes, wait_until_answers
from b2bportal.sandbox.enkash import OfflineEnKash
from b2bportal.sandbox.faults import FaultPlan
from b2bportal.staff.services import DEMO_PASSWORD
from tests.live import app_process_env, database_url

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_TOKEN = "e2e-webhook-token-41aa"
SIGNING_SECRET = "whsec_ZTJlLXNpZ25pbmcta2V5LWZvci10ZXN0cw=="
CLIENT_ID, CLIENT_SECRET = "e2e-client", "e2e-client-secret"


@dataclass
class Stack:
    """The running processes and the sandbox."""

    app_url: str
    enkash: OfflineEnKash
    logs: Path
    admin_token: str = ""  # the administrator's API token, once `world` made it

    def reset_faults(self) -> None:
        self.enkash.set_faults(FaultPlan())
        self.enkash.server.faults.clear()
        self.enkash.network.play_buyers = False

    def log_tail(self) -> str:
        return "\n".join(
            f"--- {log.name}\n" + log.read_text(errors="replace")[-3000:]
            for log in sorted(self.logs.glob("*.log"))
        )


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """The offline EnKash for the module, and the port the app will listen on."""
    app_port = free_port()
    enkash = OfflineEnKash(
        f"http://127.0.0.1:{app_port}",
        webhook_token=WEBHOOK_TOKEN,
        signing_secret=SIGNING_SECRET,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        result_delay=0.2,
        play_buyers=False,
    ).start()
    yield enkash, app_port, tmp_path_factory.mktemp("e2e-logs")
    enkash.stop()


def process_env(enkash_url: str) -> dict:
    """The environment of the app server and worker: the test database, the sandbox."""
    from django.db import connection

    # Never point the processes at a real database (only a test run's own).
    assert connection.settings_dict["NAME"].startswith("test_"), "no test database"
    return app_process_env(
        database_url(),
        enkash_url,
        webhook_token=WEBHOOK_TOKEN,
        signing_secret=SIGNING_SECRET,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        DB_CONN_MAX_AGE="0",
    )


@pytest.fixture
def e2e(sandbox, transactional_db, request):
    """App server and worker on the test database, talking to the sandbox, for one test.

    The processes are this test's own: the flush that ends a transactional test
    recreates the content types under new ids, which processes that outlived it would
    still hold in their caches.
    """
    enkash, app_port, logs = sandbox
    env = process_env(enkash.url)
    commands = {
        "app": ["runserver", f"127.0.0.1:{app_port}", "--noreload", "--skip-checks"],
        "worker": ["procrastinate", "worker", "--concurrency", "2"],
    }
    processes = []
    for name, command in commands.items():
        log = (logs / f"{request.node.name}-{name}.log").open("wb")
        processes.append(
            subprocess.Popen(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    stack = Stack(f"http://127.0.0.1:{app_port}", enkash, logs)
    stack.reset_faults()
    enkash.server.clear()
    enkash.sender.deliveries.clear()
    try:
        wait_until_answers(stack.app_url + "/healthz", 60, interval=0.1, process=processes[0])
        yield stack
    finally:
        stop_processes(processes)
        stack.reset_faults()
        if not enkash.server.running:
            enkash.server.start()


class Browser:
    """A person in the admin: a real login form with CSRF, cookies kept."""

    def __init__(self, app_url: str):
        self.client = httpx.Client(base_url=app_url, timeout=15, follow_redirects=False)

    def csrf(self, html: str) -> str:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert found, "no CSRF token on the page"
        return found.group(1)

    def login(self, username: str, password: str) -> None:
        page = self.client.get("/admin/login/")
        assert page.status_code == 200
        answer = self.client.post(
            "/admin/login/",
            data={
                "csrfmiddlewaretoken": self.csrf(page.text),
                "username": username,
                "password": password,
                "next": "/admin/",
            },
        )
        assert answer.status_code == 302 and answer.headers["location"] == "/admin/", answer.text

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path)

    def post_form(self, page_path: str, action: str, data: dict) -> httpx.Response:
        """Submit a form of the page at `page_path` (its CSRF token included)."""
        page = self.client.get(page_path)
        assert page.status_code == 200, page.text[:2000]
        assert f'action="{action}"' in page.text, f"no form posting to {action} on {page_path}"
        return self.client.post(action, data={"csrfmiddlewaretoken": self.csrf(page.text), **data})

    def close(self):
        self.client.close()


@functools.cache
def demo_password_hash() -> str:
    """The demo password hashed once per test process: a hash costs about a second of CPU,
    and every test creates the three demo logins again (the servers check it for real)."""
    from django.contrib.auth.hashers import make_password

    return make_password(DEMO_PASSWORD)


@pytest.fixture
def world(e2e, monkeypatch):
    """Demo logins, and our businesses registered through the REST API."""
    from django.contrib.auth import base_user, get_user_model

    from b2bportal.access.services import issue_token
    from b2bportal.parties.models import Business
    from b2bportal.sandbox import scenarios
    from b2bportal.sandbox.data import OUR_BUSINESSES
    from b2bportal.staff.services import create_demo_accounts

    hash_anew = base_user.make_password
    monkeypatch.setattr(
        base_user,
        "make_password",
        lambda raw, *args: demo_password_hash() if raw == DEMO_PASSWORD else hash_anew(raw, *args),
    )
    create_demo_accounts()
    token = issue_token(get_user_model().objects.get(username="admin"))
    registered = scenarios.register_via_api(e2e.app_url, token.key)
    assert registered == [b.b2b_id for b in OUR_BUSINESSES]
    assert Business.objects.count() == 3
    e2e.admin_token = token.key
    return e2e


@pytest.fixture
def browser(e2e):
    opened = []

    def open_as(username: str, password: str = DEMO_PASSWORD) -> Browser:
        browser = Browser(e2e.app_url)
        browser.login(username, password)
        opened.append(browser)
        return browser

    yield open_as
    for browser in opened:
        browser.close()
