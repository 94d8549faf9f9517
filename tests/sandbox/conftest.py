"""Fixtures for the sandbox: a recorder standing in for the app's webhook paths, and an
offline EnKash wired to it (or to the live app)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from b2bportal.sandbox.enkash import OfflineEnKash
from b2bportal.sandbox.faults import FaultPlan

WEBHOOK_TOKEN = "sandbox-test-token-8c2d"
SIGNING_SECRET = "whsec_c2FuZGJveC10ZXN0LXNpZ25pbmctc2VjcmV0"
CLIENT_ID, CLIENT_SECRET = "sandbox-client", "sandbox-client-secret"


class Recorder:
    """What arrived at the recorder: (path, headers, raw body) in arrival order."""

    def __init__(self):
        self.calls: list[tuple[str, dict, bytes]] = []
        self.condition = threading.Condition()

    def add(self, path, headers, raw):
        with self.condition:
            self.calls.append((path, headers, raw))
            self.condition.notify_all()

    def wait_for(self, n: int, timeout: float = 10.0) -> list[tuple[str, dict, dict]]:
        with self.condition:
            if not self.condition.wait_for(lambda: len(self.calls) >= n, timeout):
                raise TimeoutError(f"{len(self.calls)} of {n} webhooks arrived")
            return [(p, h, json.loads(raw)) for p, h, raw in self.calls]


@pytest.fixture
def recorder():
    """A local HTTP server taking every POST as the app would (200 and the ack envelope)."""
    record = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            record.add(self.path, {k.lower(): v for k, v in self.headers.items()}, raw)
            answer = json.dumps(
                {"response_code": 0, "response_message": "SUCCESS", "payload": {}}
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    record.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield record
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def make_enkash():
    """Build (and afterwards stop) offline EnKashes sending their webhooks to `app_url`."""
    built = []

    def make(app_url, faults: str = "", **options):
        options.setdefault("result_delay", 0.0)
        options.setdefault("buyer_delay", 0.1)
        enkash = OfflineEnKash(
            app_url,
            webhook_token=WEBHOOK_TOKEN,
            signing_secret=SIGNING_SECRET,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            plan=FaultPlan.parse(faults, seed=options.get("seed", 0)),
            **options,
        ).start()
        built.append(enkash)
        return enkash

    yield make
    for enkash in built:
        enkash.stop()


class AppSide:
    """The app's side of the sandbox's HTTP core: a token, then authenticated calls."""

    def __init__(self, url: str):
        self.client = httpx.Client(base_url=url, timeout=10)
        answer = self.client.post(
            "/api/v0/auth/token", json={"accessKey": CLIENT_ID, "secretKey": CLIENT_SECRET}
        )
        self.token = answer.json()["token"]

    def call(self, path: str, body: dict, req_msg_id: str = "") -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        if req_msg_id:
            headers["X-Request-Id"] = req_msg_id
        return self.client.post(path, json=body, headers=headers)


@pytest.fixture
def app_side():
    clients = []

    def connect(enkash) -> AppSide:
        side = AppSide(enkash.url)
        clients.append(side)
        return side

    yield connect
    for side in clients:
        side.client.close()
