"""The EnKash HTTP client: bearer token, explicit timeouts, optional payload encryption.

One call is `post(path, body, req_msg_id=...)`. It never raises for what the network
does (timeouts, refused connections, 4xx, 5xx): it returns an `Exchange` describing
what was sent and what came back, so delivery can record it and decide. A 401 drops
the cached token, fetches a new one and repeats the call once; both exchanges are
returned (`Exchange.previous`).

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
from dataclasses import dataclass, field

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
        return {
            "url": self.base_url + path,
            "request_headers": {
                "Content-Type": "application/json",
                "X-Request-Id": req_msg_id,
                "Authorization": f"Bearer {MASK}",
            },
            "request_body": jsonnumbers.dumps(body),
        }

    @property
    def call_budget(self) -> float:
        """The longest one `post` can take: a token fetch and a call, each connect + read."""
        return 2 * (self.connect_timeout + self.read_timeout)


class EnKashClient:
    """Calls EnKash. Thread-safe: one instance per configuration is shared by a process."""

    def __init__(self, config: ClientConfig):
        self.config = config
        self._http = httpx.Client(
            timeout=httpx.Timeout(
                connect=config.connect_timeout,
                read=config.read_timeout,
                write=config.read_timeout,
                pool=config.connect_timeout,
            ),
            headers={"Accept": "application/json"},
            # A worker makes as many calls at once as its concurrency times the delivery
            # batch (both bounded); httpx's default pool (100, of which 20 kept alive)
            # would queue the surplus or reconnect for every call beyond 20.
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=100),
        )
        self._token_lock = threading.Lock()
        self._token: str = ""
        self._token_deadline = 0.0  # time.monotonic() after which the token is renewed

    def close(self) -> None:
        self._http.close()

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

    def post(self, path: str, body: dict, *, req_msg_id: str) -> Exchange:
        """POST `body` to `path` with our reqMsgId; repeated once with a new token on a 401."""
        exchange = self._post_once(path, body, req_msg_id)
        if exchange.status_code == 401:
            retried = self._post_once(path, body, req_msg_id)
            retried.previous = exchange
            return retried
        return exchange

    def _post_once(self, path: str, body: dict, req_msg_id: str) -> Exchange:
        planned = self.config.planned_request(path, body, req_msg_id)
        url, text = planned["url"], planned["request_body"]
        headers = {"Content-Type": "application/json", "X-Request-Id": req_msg_id}
        exchange = Exchange(**planned, started_at=time.time())
        started = time.perf_counter()
        try:
            token = self.token()
        except TokenError as exc:
            exchange.error = str(exc)
            exchange.latency_ms = (time.perf_counter() - started) * 1000
            return exchange
        wire = text.encode()
        if self.config.encryption_key:
            wire = json.dumps({"request": encrypt_payload(wire, self.config.encryption_key)})
            wire = wire.encode()
        try:
            response = self._http.post(
                url, content=wire, headers={**headers, "Authorization": f"Bearer {token}"}
            )
        except httpx.HTTPError as exc:
            exchange.error = describe(exc)
            exchange.latency_ms = (time.perf_counter() - started) * 1000
            return exchange
        exchange.latency_ms = (time.perf_counter() - started) * 1000
        exchange.status_code = response.status_code
        exchange.response_body, exchange.payload = self._read(response)
        if response.status_code == 401:
            self.forget_token(token)
        return exchange

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
            client = _clients[config] = EnKashClient(config)
        return client
