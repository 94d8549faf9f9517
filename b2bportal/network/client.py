"""The EnKash HTTP client: bearer token, explicit timeouts, optional payload encryption.

One call is `post(path, body, req_msg_id=...)`; a delivery batch's calls are
`post_all(calls)`, made at once from a thread pool kept by the client, on one
`httpx.Client` (HTTP/1.1 keep-alive connections, explicit timeouts, `HTTPS_PROXY` and
the other proxy variables honoured as httpx does). Neither raises for what the network
does (timeouts, refused connections, 4xx, 5xx): each call gives an `Exchange`
describing what was sent and what came back, so delivery can record it and decide;
a transport error is named by its httpx class (`ConnectError`, `ReadTimeout`, ...).
A 401 drops the cached token, fetches a new one and repeats the call once; both
exchanges are returned (`Exchange.previous`).

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
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import NamedTuple

import httpx
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
    calls_at_once: int  # connections and call threads a process keeps

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
            calls_at_once=settings.ENKASH_DELIVERY_BATCH_SIZE * settings.ENKASH_WORKER_CONCURRENCY,
        )

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


class EnKashClient:
    """Calls EnKash. Thread-safe: one instance per configuration is shared by a process.

    One `httpx.Client` (HTTP/1.1, keep-alive) carries every call, and a thread pool
    created with it makes a batch's calls at once; both are sized for `calls_at_once`
    calls (ENKASH_WORKER_CONCURRENCY batches; `run_worker` refuses more jobs at once),
    so a call never waits for a connection or a thread.
    """

    def __init__(self, config: ClientConfig):
        self.config = config
        calls_at_once = config.calls_at_once
        timeout = httpx.Timeout(
            connect=config.connect_timeout,
            read=config.read_timeout,
            write=config.read_timeout,
            pool=config.connect_timeout,
        )
        self._http = httpx.Client(
            http2=False,
            timeout=timeout,
            headers=BASE_HEADERS,
            # One connection per call in flight, plus the token fetch; all kept alive,
            # so a steady stream of batches never reconnects.
            limits=httpx.Limits(
                max_connections=calls_at_once + 1, max_keepalive_connections=calls_at_once + 1
            ),
        )
        # A call's request is built from these, made once: building it through the
        # client (`Client.post`) would parse the URL, merge cookies and make a Timeout
        # for every call, the same work each time.
        self._timeout = {"timeout": timeout.as_dict()}
        self._urls: dict[str, httpx.URL] = {}
        self._calls = ThreadPoolExecutor(max_workers=calls_at_once, thread_name_prefix="enkash")
        self._token_lock = threading.Lock()
        self._token: str = ""
        self._token_deadline = 0.0  # time.monotonic() after which the token is renewed

    def close(self) -> None:
        self._calls.shutdown(wait=True)
        self._http.close()

    def stop_calls(self) -> None:
        """Let the call threads end once the calls they have are made (no new ones taken)."""
        self._calls.shutdown(wait=False)

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
        url = self.config.base_url + self.config.token_path
        try:
            response = self._http.post(
                url,
                json={"accessKey": self.config.client_id, "secretKey": self.config.client_secret},
            )
        except httpx.HTTPError as exc:
            raise TokenError(f"token endpoint unreachable: {describe(exc)}") from exc
        if response.status_code != 200:
            raise TokenError(
                f"token endpoint answered {response.status_code}: {response.text[:200]}"
            )
        try:
            data = response.json()
        except ValueError as exc:
            raise TokenError("token endpoint answered something other than JSON") from exc
        token = isinstance(data, dict) and (data.get("token") or data.get("access_token"))
        if not isinstance(token, str) or not token:
            raise TokenError("token endpoint answered without a token")
        return token, token_lifetime(data)

    # calls ----------------------------------------------------------------------

    def prepare(self, path: str, body: dict, req_msg_id: str) -> Call:
        """The call of `body` to `path`: its JSON text written once, for the record and the wire."""
        return Call(path, jsonnumbers.dumps(body), req_msg_id)

    def post(self, path: str, body: dict, *, req_msg_id: str) -> Exchange:
        """POST `body` to `path` with our reqMsgId; repeated once with a new token on a 401."""
        return self.post_all([self.prepare(path, body, req_msg_id)])[0]

    def post_all(self, calls: list[Call]) -> list[Exchange]:
        """Make `calls` at once (each from a thread of the pool); their exchanges, in order.

        EnKash works on all of them together, so the lot takes about as long as its
        slowest call, and each call has its own timeouts (connect, write, and an answer
        within ENKASH_READ_TIMEOUT). Calls answered 401 are repeated once with a new
        token (`Exchange.previous`).
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
            token = self.token()  # once for the lot, before any call
        except TokenError as exc:
            for exchange in exchanges:
                exchange.error = str(exc)
                exchange.latency_ms = (time.time() - exchange.started_at) * 1000
            return exchanges
        authorization = f"Bearer {token}"
        made = [
            self._calls.submit(self._post_once, call, authorization, exchange)
            for call, exchange in zip(calls, exchanges, strict=True)
        ]
        for call in made:
            call.result()  # each ends within its own timeouts; a bug is raised here
        if any(exchange.status_code == 401 for exchange in exchanges):
            self.forget_token(token)
        return exchanges

    def _exchange(self, call: Call) -> Exchange:
        recorded = self.config.recorded_request(call.path, call.text, call.req_msg_id)
        return Exchange(**recorded, started_at=time.time())

    def _post_once(self, call: Call, authorization: str, exchange: Exchange) -> None:
        """POST `call`'s text as written (its bytes, so every digit stays); into `exchange`."""
        wire = call.text.encode()
        key = self.config.encryption_key
        if key:
            wire = json.dumps({"request": encrypt_payload(wire, key)}).encode()
        url = self._urls.get(exchange.url)
        if url is None:
            url = self._urls[exchange.url] = httpx.URL(exchange.url)
        headers = {**BASE_HEADERS, "X-Request-Id": call.req_msg_id, "Authorization": authorization}
        request = httpx.Request("POST", url, content=wire, headers=headers,
                                extensions=self._timeout)  # fmt: skip
        started = time.perf_counter()
        try:
            response = self._http.send(request)
        except httpx.HTTPError as exc:
            exchange.error = describe(exc)
        else:
            exchange.status_code = response.status_code
            exchange.response_body, exchange.payload = self._read(response)
        exchange.latency_ms = (time.perf_counter() - started) * 1000

    def _read(self, response: httpx.Response) -> tuple[str, dict | None]:
        text = response.text
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
            # The settings changed (tests do): the other clients' call threads end once
            # their calls do. Their connections are left to close when they are dropped,
            # as a call of theirs may still be using one.
            for stale in _clients.values():
                stale.stop_calls()
            _clients.clear()
            client = _clients[config] = EnKashClient(config)
        return client
