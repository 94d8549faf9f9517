"""The HTTP core of the offline EnKash: the side of the wire our client calls.

Interface (used by tests, benchmarks and the rest of the sandbox):

    with SandboxServer(on_request=hook) as server:    # or .start() / .stop()
        settings.ENKASH_BASE_URL = server.url        # http://127.0.0.1:<port>
        ...
        [request] = server.wait_for(1)               # blocks until 1 request arrived

- Token endpoint (`token_path`, default `/api/v0/auth/token`): POST JSON
  `{"accessKey", "secretKey"}` (checked only when the server was given
  `client_id`/`client_secret`), answered `{"token", "access_token", "expires_in"
  (seconds), "expiry" (epoch ms), "resultCode": 200, "resultMessage"}`; every request's
  JSON body is kept in `token_requests`. Tokens live
  `token_ttl` seconds; `expire_tokens()` makes every issued token invalid at once.
- Every request path of `messages.ACTIONS` (POST, JSON): the bearer token is checked
  (401 with an envelope when missing, unknown or expired), then the request is
  answered `{"response_code": 0, "response_message": "SUCCESS", "payload": {"reqMsgId":
  <X-Request-Id>, "msgId": <an id of the sandbox's own>, ...}}`. Other paths: 404.
- `received`: every request that reached an action path, in arrival order, as
  `Received(path, headers (lower-case names), body (parsed JSON or None), raw, at
  (time.time()), req_msg_id, status (the status answered; None until answered or
  when the connection was dropped))`. It is recorded before any fault or check, so a
  request that got a 5xx, a 401 or a dropped connection is there too.
  `wait_for(n, timeout=10, path=None)` returns the first n (optionally on one path)
  or raises TimeoutError; `answered(status=200)` filters; `clear()` empties the log.
- Faults, settable at runtime through `server.faults` (they apply to action paths):
  `fail_next(n, status=503)` next n answers are 5xx; `refuse_next(n, code=...,
  detail=..., field=..., status=400)` next n are 4xx with an error envelope;
  `drop_next(n)` next n connections are closed without an answer; `delay` seconds
  slept before every answer (to force client timeouts); `set_rates(error=, refusal=,
  drop=, slow=, slow_seconds=, seed=)` the same as probabilities drawn from a seeded
  random; `clear()` back to normal. Counted faults come before rates.
- `on_request(received) -> dict | None`: called for a request that passed the token
  check and the faults; a dict returned is merged into the ack `payload`. Raising
  `SandboxRefusal(code, detail, field, status=400)` answers with the error envelope
  `{"response_code": 1, "response_message": "FAILURE", "payload": {"resp": {"reqMsgId",
  "result": "FAILURE", "errorCd", "errorDtl", "errorField"}}}`.
- `encryption_key`: when set, bodies of the form `{"request": "<base64>"}` are
  decrypted (AES as in network.client) and answers are encrypted the same way.
"""

from __future__ import annotations

import json
import random
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from b2bportal.network import envelope
from b2bportal.network.client import decrypt_payload, encrypt_payload, encrypted_field
from b2bportal.network.messages import ACTIONS

DEFAULT_TOKEN_PATH = "/api/v0/auth/token"  # noqa: S105  (a path, not a secret)
REQUEST_PATHS = frozenset(action.request_path for action in ACTIONS)


class SandboxRefusal(Exception):
    """Raised by an `on_request` hook: answer the request with this error (4xx by default)."""

    def __init__(self, code: str, detail: str, field: str = "", status: int = 400):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.field = field
        self.status = status


@dataclass
class Received:
    """One request that reached an action path of the sandbox."""

    path: str
    headers: dict[str, str]  # lower-case names
    body: Any  # the parsed (and decrypted) JSON body, None when it was not JSON
    raw: bytes
    at: float  # time.time() on arrival
    req_msg_id: str = ""  # the X-Request-Id header
    status: int | None = None  # what the sandbox answered; None while unanswered or dropped

    @property
    def bearer(self) -> str:
        value = self.headers.get("authorization", "")
        return value[7:] if value.lower().startswith("bearer ") else ""


@dataclass
class Faults:
    """Faults the server injects into answers on action paths; change them at any time."""

    seed: int = 0
    delay: float = 0.0  # seconds slept before every answer
    error_rate: float = 0.0  # probability of a 5xx
    refusal_rate: float = 0.0  # probability of a 4xx refusal
    refusal_200_rate: float = 0.0  # probability of a refusal inside an HTTP 200
    drop_rate: float = 0.0  # probability of closing the connection unanswered
    slow_rate: float = 0.0  # probability of sleeping `slow_seconds` before answering
    slow_seconds: float = 0.0
    _fail: list = field(default_factory=list)  # pending counted faults, in order
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _random: random.Random = field(default_factory=random.Random)

    def __post_init__(self):
        self._random.seed(self.seed)

    def fail_next(self, n: int = 1, status: int = 503) -> None:
        """The next `n` answers are `status` (a 5xx)."""
        with self._lock:
            self._fail.extend([("error", status, None)] * n)

    def refuse_next(
        self,
        n: int = 1,
        *,
        code: str = "INVALID_FIELD",
        detail: str = "Refused by the sandbox",
        field: str = "",
        status: int = 400,
    ) -> None:
        """The next `n` answers are a 4xx refusal carrying errorCd/errorDtl/errorField."""
        refusal = SandboxRefusal(code, detail, field, status)
        with self._lock:
            self._fail.extend([("refusal", status, refusal)] * n)

    def garble_next(
        self, n: int = 1, *, status: int = 200, raw: bytes = b"<html>Bad gateway</html>"
    ) -> None:
        """The next `n` answers are `raw` bytes (not EnKash's envelope) with `status`."""
        with self._lock:
            self._fail.extend([("garble", status, raw)] * n)

    def drop_next(self, n: int = 1) -> None:
        """The next `n` connections are closed without an answer."""
        with self._lock:
            self._fail.extend([("drop", None, None)] * n)

    def set_rates(
        self,
        *,
        error: float = 0.0,
        refusal: float = 0.0,
        refusal_200: float = 0.0,
        drop: float = 0.0,
        slow: float = 0.0,
        slow_seconds: float = 0.0,
        seed: int | None = None,
    ) -> None:
        """Random faults: each answer draws once against these probabilities (seeded)."""
        with self._lock:
            self.error_rate, self.refusal_rate, self.drop_rate = error, refusal, drop
            self.refusal_200_rate = refusal_200
            self.slow_rate, self.slow_seconds = slow, slow_seconds
            if seed is not None:
                self.seed = seed
                self._random.seed(seed)

    def clear(self) -> None:
        """No more faults."""
        with self._lock:
            self._fail.clear()
            self.delay = 0.0
            self.error_rate = self.refusal_rate = self.drop_rate = self.slow_rate = 0.0
            self.refusal_200_rate = 0.0

    def draw(self) -> tuple[str, int | None, SandboxRefusal | None, float]:
        """The fault for one request: (kind, status, detail, seconds to sleep first).

        `detail` is the SandboxRefusal of a "refusal", the raw bytes of a "garble".
        """
        with self._lock:
            sleep = self.delay
            if self._fail:
                kind, status, refusal = self._fail.pop(0)
                return kind, status, refusal, sleep
            roll = self._random.random()
            if self.slow_rate and self._random.random() < self.slow_rate:
                sleep += self.slow_seconds
            for kind, rate, status in (
                ("drop", self.drop_rate, None),
                ("error", self.error_rate, 503),
                ("refusal", self.refusal_rate, 400),
                ("refusal", self.refusal_200_rate, 200),
            ):
                if roll < rate:
                    refusal = SandboxRefusal("INVALID_FIELD", "Refused by the sandbox", "", status)
                    return kind, status, refusal if kind == "refusal" else None, sleep
                roll -= rate
            return "", None, None, sleep


def error_envelope(req_msg_id: str, code: str, detail: str, field: str = "") -> dict:
    """The envelope of a refusal, with the resp block our client reads the error from.

    EnKash's own shape (`response_code` 1, "FAILURE"), not our inbox's `envelope.error`.
    """
    resp = envelope.resp_block(req_msg_id, envelope.FAILURE, code, detail, field)
    return {"response_code": 1, "response_message": envelope.FAILURE, "payload": {"resp": resp}}


class SandboxServer:
    """EnKash's side of our outbound calls, on a local port (see the module docstring)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        on_request=None,
        client_id: str = "",
        client_secret: str = "",
        token_path: str = DEFAULT_TOKEN_PATH,
        token_ttl: float = 900.0,
        encryption_key: str = "",
        seed: int = 0,
    ):
        self.host = host
        self.port = port
        self.on_request = on_request
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_path = token_path
        self.token_ttl = token_ttl
        self.encryption_key = encryption_key
        self.faults = Faults(seed=seed)
        self.tokens_issued = 0
        self.token_requests: list[Any] = []  # the JSON body of every token request, in order
        self._tokens: dict[str, float] = {}  # token -> time.time() it expires
        self._received: list[Received] = []
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._httpd is not None

    def start(self) -> SandboxServer:
        """Listen (on the same port again after a `stop()`) and serve in a daemon thread."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer((self.host, self.port), _handler_class(self))
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening (connections are refused until `start()`); the log is kept."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()  # wakes requests sleeping in a delay
        httpd.shutdown()
        httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # tokens ------------------------------------------------------------------------

    def issue_token(self) -> tuple[str, float]:
        with self._cond:
            token = secrets.token_urlsafe(24)
            expires = time.time() + self.token_ttl
            self._tokens[token] = expires
            self.tokens_issued += 1
            return token, expires

    def token_valid(self, token: str) -> bool:
        with self._cond:
            expires = self._tokens.get(token)
            return expires is not None and time.time() < expires

    def expire_tokens(self) -> None:
        """Every token issued so far is expired from now on (the next call gets a 401)."""
        with self._cond:
            self._tokens.clear()

    # the log -----------------------------------------------------------------------

    @property
    def received(self) -> list[Received]:
        with self._cond:
            return list(self._received)

    def answered(self, status: int = 200, path: str | None = None) -> list[Received]:
        """Requests answered with `status` (optionally on one path)."""
        return [r for r in self.received if r.status == status and path in (None, r.path)]

    def wait_for(self, n: int, timeout: float = 10.0, path: str | None = None) -> list[Received]:
        """The first `n` requests received (on `path`), waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [r for r in self._received if path in (None, r.path)]
                if len(found) >= n:
                    return found[:n]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(found)} of {n} requests arrived in {timeout}s")
                self._cond.wait(left)

    def clear(self) -> None:
        with self._cond:
            self._received.clear()

    def _record(self, received: Received) -> None:
        with self._cond:
            self._received.append(received)
            self._cond.notify_all()

    def _answered(self, received: Received, status: int | None) -> None:
        with self._cond:
            received.status = status
            self._cond.notify_all()

    def sleep(self, seconds: float) -> None:
        """Sleep, cut short when the server stops."""
        if seconds > 0:
            self._stopping.wait(seconds)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's listen backlog is 5: dozens of clients connecting at once (the
    # delivery benchmark's) had their connections reset.
    request_queue_size = 128


def _handler_class(server: SandboxServer):
    class Handler(_Handler):
        sandbox = server

    return Handler


class _Handler(BaseHTTPRequestHandler):
    sandbox: SandboxServer
    protocol_version = "HTTP/1.1"  # keep-alive, as EnKash's front door would
    # Headers and body are written separately: without TCP_NODELAY, Nagle's algorithm
    # and the client's delayed ACK add 40 ms to every answer.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002  (quiet: tests read the log instead)
        pass

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0]
        if path == self.sandbox.token_path:
            return self._token(raw)
        if path not in REQUEST_PATHS:
            return self._send(404, {"response_code": 1, "response_message": "NOT_FOUND"})
        return self._action(path, raw)

    def do_GET(self):  # noqa: N802
        self._send(405, {"response_code": 1, "response_message": "METHOD_NOT_ALLOWED"})

    def _token(self, raw: bytes):
        sandbox = self.sandbox
        data = _json(raw)
        with sandbox._cond:
            sandbox.token_requests.append(data)
        data = data if isinstance(data, dict) else {}
        if sandbox.client_id and (
            data.get("accessKey") != sandbox.client_id
            or data.get("secretKey") != sandbox.client_secret
        ):
            return self._send(401, {"resultCode": 401, "resultMessage": "Invalid credentials"})
        token, expires = sandbox.issue_token()
        return self._send(
            200,
            {
                "token": token,
                "access_token": token,
                "expires_in": int(sandbox.token_ttl),
                "expiry": int(expires * 1000),
                "resultCode": 200,
                "resultMessage": "Token generated successfully.",
            },
            encrypt=False,
        )

    def _action(self, path: str, raw: bytes):
        sandbox = self.sandbox
        body = _json(raw)
        sealed = encrypted_field(body) if sandbox.encryption_key else None
        if sealed is not None:
            try:
                body = _json(decrypt_payload(sealed, sandbox.encryption_key))
            except ValueError:
                body = None
        headers = {name.lower(): value for name, value in self.headers.items()}
        received = Received(
            path=path,
            headers=headers,
            body=body,
            raw=raw,
            at=time.time(),
            req_msg_id=headers.get("x-request-id", ""),
        )
        sandbox._record(received)
        kind, status, detail, sleep = sandbox.faults.draw()
        sandbox.sleep(sleep)
        if kind == "drop" or sandbox._stopping.is_set():
            self.close_connection = True
            self.connection.shutdown(2)  # socket.SHUT_RDWR: the client sees no answer
            return None
        if not sandbox.token_valid(received.bearer):
            return self._reply(
                received,
                401,
                error_envelope(received.req_msg_id, "UNAUTHORIZED", "Missing or expired token"),
            )
        if kind == "garble":
            self.sandbox._answered(received, status)
            return self._send_raw(status, detail, "text/html")
        if kind == "error":
            return self._reply(
                received, status, {"response_code": 1, "response_message": "SERVICE_UNAVAILABLE"}
            )
        try:
            if kind == "refusal":
                raise detail
            extra = sandbox.on_request(received) if sandbox.on_request else None
        except SandboxRefusal as exc:
            return self._reply(
                received,
                exc.status,
                error_envelope(received.req_msg_id, exc.code, exc.detail, exc.field),
            )
        payload = {"reqMsgId": received.req_msg_id, "msgId": uuid.uuid4().hex}
        payload.update(extra or {})
        return self._reply(received, 200, envelope.ack(payload))

    def _reply(self, received: Received, status: int, data: dict):
        # Noted before the bytes go: a client that has its answer finds it recorded.
        self.sandbox._answered(received, status)
        self._send(status, data)

    def _send(self, status: int, data: dict, *, encrypt: bool = True):
        key = self.sandbox.encryption_key
        if encrypt and key:
            data = {"response": encrypt_payload(json.dumps(data).encode(), key)}
        self._send_raw(status, json.dumps(data).encode())

    def _send_raw(self, status: int, raw: bytes, content_type: str = "application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


def _json(raw: bytes):
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None
