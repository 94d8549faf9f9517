"""The EnKash HTTP client: bearer token, explicit timeouts, optional payload encryption.

One call is `post(path, body, req_msg_id=...)`; a delivery batch's calls are
`post_all(calls)`, made at once from one thread (each on a keep-alive connection of
its own, every request written before any answer is read). Neither raises for what
the network does (timeouts, refused connections, 4xx, 5xx): each call gives an
`Exchange` describing what was sent and what came back, so delivery can record it and
decide. A 401 drops the cached token, fetches a new one and repeats the call once;
both exchanges are returned (`Exchange.previous`). The transport is the standard
library's `http.client` (see `_Pool` for why); its errors are named as staff have
always read them (`ConnectError`, `ReadTimeout`, ...).

Token endpoint (settings.ENKASH_TOKEN_PATH, default `/api/v0/auth/token`): we POST
`{"accessKey": ENKASH_CLIENT_ID, "secretKey": ENKASH_CLIENT_SECRET}`, the shape of
EnKash's token APIs for its other products. The answer may carry the token as
`token` or `access_token`, and its lifetime as `expires_in` (seconds) or `expiry`
(milliseconds: an epoch timestamp when it is that large, else a duration). Without
a lifetime a token is kept 15 minutes. Tokens are cached per process (shared by
every thread, fetched by one at a time) and renewed 30 seconds before they expire.

Payload encryption (off unless ENKASH_ENCRYPTION_KEY is set): as EnKash does for
Payouts, the JSON body is encrypted with AES in ECB mode with PKCS#5/7 padding,
base64-encoded and sent as `{"request": "<base64>"}`. The key is the UTF-8 bytes of
the setting (16 bytes: AES-128). An answer of the same shape (`{"request"|"response":
"<base64>"}`) is decrypted before it is read. ECB is EnKash's choice, not ours; it is
deterministic, so the plaintext we record is an exact record of what was sent.
"""

from __future__ import annotations

import base64
import http.client
import json
import select
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlsplit

import certifi
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from b2bportal.network import jsonnumbers

DEFAULT_TOKEN_LIFETIME = 15 * 60  # seconds, when the token endpoint names none
TOKEN_RENEW_MARGIN = 30  # seconds before expiry a token is renewed
MASK = "****"
# 4xx statuses that say "later", not "never".
RETRYABLE_4XX = frozenset({408, 425, 429})
# Sent with every request (http.client adds Host and Content-Length).
BASE_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}


# --- payload encryption -------------------------------------------------------------


def _cipher(key: str) -> Cipher:
    raw = key.encode()
    if len(raw) != 16:
        raise ImproperlyConfigured("ENKASH_ENCRYPTION_KEY must be 16 bytes (AES-128).")
    # ECB because EnKash's Payouts encryption uses it; see the module docstring.
    return Cipher(algorithms.AES(raw), modes.ECB())  # noqa: S305


def encrypt_payload(plaintext: bytes, key: str) -> str:
    """AES/ECB/PKCS5 encryption of `plaintext`, base64-encoded, as EnKash expects."""
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = _cipher(key).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()


def decrypt_payload(ciphertext: str, key: str) -> bytes:
    """The inverse of `encrypt_payload`; raises ValueError on a wrong key or bad data."""
    decryptor = _cipher(key).decryptor()
    padded = decryptor.update(base64.b64decode(ciphertext)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def encrypted_field(data) -> str | None:
    """The base64 text of an encrypted envelope (`{"request"|"response": str}`), else None."""
    if isinstance(data, dict) and len(data) == 1:
        value = data.get("request", data.get("response"))
        if isinstance(value, str):
            return value
    return None


# --- what one call did --------------------------------------------------------------


@dataclass
class Exchange:
    """One HTTP request to EnKash and what came back (or the error instead of an answer)."""

    url: str
    request_headers: dict  # as sent, with the bearer token masked
    request_body: str  # the JSON we meant to send (before any encryption)
    started_at: float  # time.time()
    status_code: int | None = None
    response_body: str = ""  # decrypted when the answer was encrypted
    latency_ms: float | None = None
    error: str = ""  # a transport error (timeout, refused, dropped), when no answer came
    payload: dict | None = None  # the parsed answer, when it was a JSON object
    previous: Exchange | None = field(default=None, repr=False)  # a 401 that preceded it

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def accepted(self) -> bool:
        """EnKash took the request: a 2xx whose envelope says so (see `envelope_refusal`)."""
        return self.ok and envelope_refusal(self.payload) is None

    @property
    def retryable(self) -> bool:
        """Worth trying again later: no answer at all, a 5xx, or a 4xx that means "later"."""
        if self.status_code is None:
            return True
        return self.status_code >= 500 or self.status_code in RETRYABLE_4XX

    def chain(self) -> list[Exchange]:
        """Every exchange of this call, oldest first."""
        return [*(self.previous.chain() if self.previous else []), self]


def envelope_refusal(data: dict | None) -> str | None:
    """Why an answer of EnKash's is not an acceptance, or None when it is one.

    An acceptance is EnKash's envelope with `response_code` 0 and, when the payload
    carries a `resp` block, `result` SUCCESS. HTTP 200 says only that the answer
    arrived: a refusal may come with it.
    """
    if not isinstance(data, dict) or "response_code" not in data:
        return "the answer is not EnKash's envelope"
    if str(data["response_code"]).strip() != "0":
        return f"response_code {data['response_code']}"
    inner = data.get("payload")
    resp = inner.get("resp") if isinstance(inner, dict) else None
    if isinstance(resp, dict) and "result" in resp and str(resp["result"]).upper() != "SUCCESS":
        return f"result {resp['result']}"
    return None


class TokenError(Exception):
    """The token endpoint did not give us a token."""


# --- the client ---------------------------------------------------------------------


@dataclass(frozen=True)
class ClientConfig:
    """Everything a client depends on, read from settings (the cache key of clients and tokens)."""

    base_url: str
    token_path: str
    client_id: str
    client_secret: str
    connect_timeout: float
    read_timeout: float
    encryption_key: str

    @classmethod
    def from_settings(cls) -> ClientConfig:
        return cls(
            base_url=settings.ENKASH_BASE_URL.rstrip("/"),
            token_path=settings.ENKASH_TOKEN_PATH,
            client_id=settings.ENKASH_CLIENT_ID,
            client_secret=settings.ENKASH_CLIENT_SECRET,
            connect_timeout=settings.ENKASH_CONNECT_TIMEOUT,
            read_timeout=settings.ENKASH_READ_TIMEOUT,
            encryption_key=settings.ENKASH_ENCRYPTION_KEY,
        )

    def planned_request(self, path: str, body: dict, req_msg_id: str) -> dict:
        """What a call of `body` to `path` sends, as recorded: url, headers (token masked), body."""
        return self.recorded_request(path, jsonnumbers.dumps(body), req_msg_id)

    def recorded_request(self, path: str, text: str, req_msg_id: str) -> dict:
        """The record of a call of JSON `text` to `path`: url, headers (token masked), body."""
        return {
            "url": self.base_url + path,
            "request_headers": {
                "Content-Type": "application/json",
                "X-Request-Id": req_msg_id,
                "Authorization": f"Bearer {MASK}",
            },
            "request_body": text,
        }

    @property
    def call_budget(self) -> float:
        """The longest one `post` can take: a token fetch and a call, each connect + read."""
        return 2 * (self.connect_timeout + self.read_timeout)


class Call(NamedTuple):
    """One request to make: its path, its JSON text (as recorded) and our reqMsgId."""

    path: str
    text: str
    req_msg_id: str


# --- transport errors: named as the staff-facing texts have always named them ---------


class TransportError(Exception):
    """No answer came: the connection, the request or the answer failed on the way."""


class ConnectError(TransportError):
    """EnKash could not be reached (refused, unreachable, name not resolved)."""


class ConnectTimeout(TransportError):
    """No connection within ENKASH_CONNECT_TIMEOUT."""


class WriteError(TransportError):
    """The request could not be written to the connection."""


class WriteTimeout(TransportError):
    """The request could not be written within ENKASH_READ_TIMEOUT."""


class ReadTimeout(TransportError):
    """No (complete) answer within ENKASH_READ_TIMEOUT of the request."""


class ReadError(TransportError):
    """The connection failed while the answer was read."""


class RemoteProtocolError(TransportError):
    """EnKash closed the connection without an answer, or answered something not HTTP."""


class _Pool:
    """Keep-alive HTTP/1.1 connections to one origin, each used by one call at a time.

    The standard library's `http.client` (a quarter of the CPU a call costs through a
    full-featured client: at hundreds of calls a second, that is what the worker spends
    its time on). Idle connections are kept LIFO, at most `keep`, for `expiry` seconds;
    one that became readable while idle (the server closed it) is never reused, so a
    request is only ever written to a connection that was open a moment before.
    """

    def __init__(self, base_url: str, *, connect_timeout: float, read_timeout: float,
                 keep: int = 100, expiry: float = 5.0):  # fmt: skip
        parts = urlsplit(base_url)
        self.https = parts.scheme == "https"
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.https else 80)
        self.prefix = parts.path.rstrip("/")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.keep, self.expiry = keep, expiry
        self._idle: list[tuple[http.client.HTTPConnection, float]] = []
        self._lock = threading.Lock()
        self._ssl = ssl.create_default_context(cafile=certifi.where()) if self.https else None

    def checkout(self, connect_by: float) -> http.client.HTTPConnection:
        """An open connection: an idle one still good, else one connected by `connect_by`."""
        now = time.monotonic()
        while True:
            with self._lock:
                if not self._idle:
                    break
                conn, idle_since = self._idle.pop()
            if now - idle_since < self.expiry and not _readable(conn.sock):
                return conn
            conn.close()
        timeout = min(self.connect_timeout, connect_by - now)
        if timeout <= 0:
            raise ConnectTimeout("no time left to connect")
        if self.https:
            conn = http.client.HTTPSConnection(self.host, self.port, timeout=timeout,
                                               context=self._ssl)  # fmt: skip
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.connect()
        except TimeoutError as exc:
            conn.close()
            raise ConnectTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            conn.close()
            raise ConnectError(str(exc)) from exc
        conn.sock.settimeout(self.read_timeout)
        return conn

    def checkin(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < self.keep:
                self._idle.append((conn, time.monotonic()))
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn, _ in idle:
            conn.close()


def _readable(sock) -> bool:
    """An idle keep-alive socket with something to read: closed by the server (or broken)."""
    if sock is None:
        return True
    poller = select.poll()  # not select(): no limit on the descriptor's number
    try:
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True


@dataclass
class _InFlight:
    """A request written to its connection, its answer still to read."""

    conn: http.client.HTTPConnection
    started: float  # time.perf_counter() before its connection was taken (latency counts from it)
    written: float  # time.perf_counter() once written (the read timeout counts from it)


class EnKashClient:
    """Calls EnKash. Thread-safe: one instance per configuration is shared by a process."""

    def __init__(self, config: ClientConfig):
        self.config = config
        self._pool = _Pool(config.base_url, connect_timeout=config.connect_timeout,
                           read_timeout=config.read_timeout)  # fmt: skip
        self._token_lock = threading.Lock()
        self._token: str = ""
        self._token_deadline = 0.0  # time.monotonic() after which the token is renewed

    def close(self) -> None:
        self._pool.close()

    # token ----------------------------------------------------------------------

    def token(self) -> str:
        """A valid bearer token, fetched (by one thread at a time) when none is cached."""
        with self._token_lock:
            if not self._token or time.monotonic() >= self._token_deadline:
                self._token, lifetime = self._fetch_token()
                self._token_deadline = time.monotonic() + max(lifetime - TOKEN_RENEW_MARGIN, 1)
            return self._token

    def forget_token(self, token: str) -> None:
        """Drop `token` after a 401, unless another thread already replaced it."""
        with self._token_lock:
            if self._token == token:
                self._token = ""

    def _fetch_token(self) -> tuple[str, float]:
        credentials = {"accessKey": self.config.client_id, "secretKey": self.config.client_secret}
        try:
            status, text = self._request_once(self.config.token_path, json.dumps(credentials))
        except TransportError as exc:
            raise TokenError(f"token endpoint unreachable: {describe(exc)}") from exc
        if status != 200:
            raise TokenError(f"token endpoint answered {status}: {text[:200]}")
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise TokenError("token endpoint answered something other than JSON") from exc
        token = isinstance(data, dict) and (data.get("token") or data.get("access_token"))
        if not isinstance(token, str) or not token:
            raise TokenError("token endpoint answered without a token")
        return token, token_lifetime(data)

    def _request_once(self, path: str, text: str) -> tuple[int, str]:
        """One POST of JSON `text` to `path`, without a token: its status and answer text."""
        [call] = self._write_all([(path, text.encode(), {})])
        if isinstance(call, TransportError):
            raise call
        status, raw = self._read(call)
        return status, raw.decode("utf-8", errors="replace")

    # calls ----------------------------------------------------------------------

    def prepare(self, path: str, body: dict, req_msg_id: str) -> Call:
        """The call of `body` to `path`: its JSON text written once, for the record and the wire."""
        return Call(path, jsonnumbers.dumps(body), req_msg_id)

    def post(self, path: str, body: dict, *, req_msg_id: str) -> Exchange:
        """POST `body` to `path` with our reqMsgId; repeated once with a new token on a 401."""
        return self.post_all([self.prepare(path, body, req_msg_id)])[0]

    def post_all(self, calls: list[Call]) -> list[Exchange]:
        """Make `calls` at once (one connection each, from this thread); their exchanges, in order.

        Every request is written before any answer is read, so EnKash works on all of
        them together and the lot takes about as long as its slowest call: each answer
        is waited for at most ENKASH_READ_TIMEOUT after its request was written, and
        new connections are made within one ENKASH_CONNECT_TIMEOUT for the lot (a call
        left without one fails unsent, to be retried). Calls answered 401 are repeated
        once with a new token (`Exchange.previous`).
        """
        exchanges = self._post_round(calls)
        refused = [i for i, exchange in enumerate(exchanges) if exchange.status_code == 401]
        if refused:
            again = self._post_round([calls[i] for i in refused])
            for i, retried in zip(refused, again, strict=True):
                retried.previous = exchanges[i]
                exchanges[i] = retried
        return exchanges

    def _post_round(self, calls: list[Call]) -> list[Exchange]:
        exchanges = [self._exchange(call) for call in calls]
        try:
            token = self.token()
        except TokenError as exc:
            for exchange in exchanges:
                exchange.error = str(exc)
                exchange.latency_ms = (time.time() - exchange.started_at) * 1000
            return exchanges
        key = self.config.encryption_key
        writes = []
        for call in calls:
            wire = call.text.encode()
            if key:
                wire = json.dumps({"request": encrypt_payload(wire, key)}).encode()
            headers = {"X-Request-Id": call.req_msg_id, "Authorization": f"Bearer {token}"}
            writes.append((call.path, wire, headers))
        for exchange, sent in zip(exchanges, self._write_all(writes), strict=True):
            if isinstance(sent, TransportError):
                exchange.error = describe(sent)
                exchange.latency_ms = (time.time() - exchange.started_at) * 1000
                continue
            try:
                exchange.status_code, raw = self._read(sent)
            except TransportError as exc:
                exchange.error = describe(exc)
            else:
                exchange.response_body, exchange.payload = self._decode(raw)
            exchange.latency_ms = (time.perf_counter() - sent.started) * 1000
        if any(exchange.status_code == 401 for exchange in exchanges):
            self.forget_token(token)
        return exchanges

    def _exchange(self, call: Call) -> Exchange:
        recorded = self.config.recorded_request(call.path, call.text, call.req_msg_id)
        return Exchange(**recorded, started_at=time.time())

    def _write_all(self, writes) -> list[_InFlight | TransportError]:
        """Write each (path, body, headers) on a connection of its own; new ones in time."""
        connect_by = time.monotonic() + self.config.connect_timeout
        # The lot is written within a read timeout of its last connection: a request
        # that cannot be written by then fails unsent, as a connection too slow does.
        write_by = connect_by + self.config.read_timeout
        in_flight = []
        for path, wire, headers in writes:
            started = time.perf_counter()
            try:
                conn = self._pool.checkout(connect_by)
            except TransportError as exc:
                in_flight.append(exc)
                continue
            try:
                conn.sock.settimeout(max(min(self.config.read_timeout,
                                             write_by - time.monotonic()), 0.001))  # fmt: skip
                conn.request("POST", self._pool.prefix + path, body=wire,
                             headers={**BASE_HEADERS, **headers})  # fmt: skip
            except OSError as exc:
                conn.close()
                error = WriteTimeout if isinstance(exc, TimeoutError) else WriteError
                in_flight.append(error(str(exc) or type(exc).__name__))
                continue
            in_flight.append(_InFlight(conn, started, time.perf_counter()))
        return in_flight

    def _read(self, sent: _InFlight) -> tuple[int, bytes]:
        """The status and body answered on `sent`'s connection, within its read timeout."""
        conn = sent.conn
        left = self.config.read_timeout - (time.perf_counter() - sent.written)
        try:
            conn.sock.settimeout(max(left, 0.001))
            response = conn.getresponse()
            raw = response.read()
        except TimeoutError as exc:
            conn.close()
            raise ReadTimeout(str(exc) or "timed out") from exc
        except http.client.RemoteDisconnected as exc:
            conn.close()
            raise RemoteProtocolError("Server disconnected without sending a response.") from exc
        except http.client.HTTPException as exc:
            conn.close()
            raise RemoteProtocolError(f"{type(exc).__name__}: {exc}") from exc
        except OSError as exc:
            conn.close()
            raise ReadError(str(exc) or type(exc).__name__) from exc
        if response.will_close:
            conn.close()
        else:
            conn.sock.settimeout(self.config.read_timeout)
            self._pool.checkin(conn)
        return response.status, raw

    def _decode(self, raw: bytes) -> tuple[str, dict | None]:
        text = raw.decode("utf-8", errors="replace")
        try:
            data = json.loads(text) if text else None
        except ValueError:
            return text, None
        sealed = encrypted_field(data) if self.config.encryption_key else None
        if sealed is not None:
            try:
                text = decrypt_payload(sealed, self.config.encryption_key).decode()
                data = json.loads(text)
            except ValueError:
                return text, None
        return text, data if isinstance(data, dict) else None


def token_lifetime(data: dict) -> float:
    """Seconds a token answer says the token lives (see the module docstring)."""
    if isinstance(data.get("expires_in"), int | float):
        return float(data["expires_in"])
    expiry = data.get("expiry")
    if isinstance(expiry, int | float):
        if expiry > 10**11:  # an epoch timestamp in milliseconds
            return expiry / 1000 - time.time()
        return expiry / 1000
    return DEFAULT_TOKEN_LIFETIME


def describe(exc: BaseException) -> str:
    """A one-line description of a transport error, for staff."""
    text = str(exc) or "no detail"
    return f"{type(exc).__name__}: {text}"


_clients: dict[ClientConfig, EnKashClient] = {}
_clients_lock = threading.Lock()


def get_client() -> EnKashClient:
    """The process's client for the current settings (tokens and connections are reused)."""
    config = ClientConfig.from_settings()
    if not config.base_url:
        raise ImproperlyConfigured("ENKASH_BASE_URL is not set.")
    with _clients_lock:
        client = _clients.get(config)
        if client is None:
            client = _clients[config] = EnKashClient(config)
        return client
