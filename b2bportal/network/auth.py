"""Inbound authentication of EnKash's webhooks (PROTOCOL.md §5).

Three checks, each on when configured, all of which must pass:

- `X-Webhook-Token` equal to ENKASH_WEBHOOK_TOKEN (compared in constant time);
- when ENKASH_WEBHOOK_SIGNING_SECRET is set, a Standard Webhooks signature:
  headers `webhook-id`, `webhook-timestamp` (Unix seconds, within
  ENKASH_WEBHOOK_TOLERANCE_SECONDS of now) and `webhook-signature`, a space-separated
  list of `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, one of which must
  match. The secret may be given as `whsec_<base64>` or as the raw string;
- when ENKASH_WEBHOOK_ALLOWED_IPS is set, the source address (REMOTE_ADDR) inside one
  of its addresses or CIDR networks.

With neither a token nor a signing secret configured every webhook is refused:
the inbox is never open by default.
"""

import base64
import hashlib
import hmac
import ipaddress
import time
from collections.abc import Mapping

from django.conf import settings
from django.utils.datastructures import CaseInsensitiveMapping

TOKEN_HEADER = "X-Webhook-Token"  # noqa: S105  (a header name, not a secret)
SECRET_HEADERS = {"x-webhook-token", "authorization", "cookie", "proxy-authorization"}


class AuthenticationFailed(Exception):
    """The request did not prove it comes from EnKash; the message says which check failed.

    The messages are a fixed set (no value from the request in them): the inbox counts
    refusals per reason.
    """


def header(headers: Mapping, name: str) -> str:
    """The value of header `name` in `headers` ("" when absent), whatever the case of its name.

    Django's `request.headers` is case-insensitive already; a plain dict (a stored
    message being reprocessed, a test) is looked up through Django's same mapping.
    """
    if not isinstance(headers, CaseInsensitiveMapping):
        headers = CaseInsensitiveMapping(headers)
    return headers.get(name) or ""


def secret_bytes(secret: str) -> bytes:
    """The HMAC key: `whsec_<base64>` decoded, otherwise the string's UTF-8 bytes."""
    if secret.startswith("whsec_"):
        return base64.b64decode(secret.removeprefix("whsec_"))
    return secret.encode()


def sign(secret: str, msg_id: str, timestamp: int | str, body: bytes) -> str:
    """The `webhook-signature` value for a body: `v1,<base64 HMAC-SHA256>`."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, msg_id: str, body: bytes, timestamp: int | None = None) -> dict:
    """The three Standard Webhooks headers for `body` (used by senders: sandbox, tests, bench)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }


def _check_signature(headers: Mapping, body: bytes, secret: str, now: float) -> None:
    msg_id = header(headers, "webhook-id")
    timestamp = header(headers, "webhook-timestamp")
    signatures = header(headers, "webhook-signature")
    if not (msg_id and timestamp and signatures):
        raise AuthenticationFailed("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise AuthenticationFailed("webhook-timestamp is not an integer")
    if abs(now - sent_at) > settings.ENKASH_WEBHOOK_TOLERANCE_SECONDS:
        raise AuthenticationFailed("webhook-timestamp outside the tolerance")
    expected = sign(secret, msg_id, timestamp, body)
    # Several signatures may be sent while a secret is rotated; any valid one is enough.
    if not any(
        hmac.compare_digest(candidate.encode(), expected.encode())
        for candidate in signatures.split()
    ):
        raise AuthenticationFailed("webhook-signature does not match")


def _check_source(source_ip: str | None, allowed: list[str]) -> None:
    try:
        address = ipaddress.ip_address(source_ip or "")
    except ValueError:
        raise AuthenticationFailed("source address unknown")
    for entry in allowed:
        if address in ipaddress.ip_network(entry, strict=False):
            return
    # The address itself is recorded beside the reason; a fixed reason keeps them few.
    raise AuthenticationFailed("source address not allowed")


def authenticate(
    headers: Mapping, body: bytes, source_ip: str | None, now: float | None = None
) -> None:
    """Raise AuthenticationFailed unless the request passes every configured check."""
    token = settings.ENKASH_WEBHOOK_TOKEN
    secret = settings.ENKASH_WEBHOOK_SIGNING_SECRET
    if not token and not secret:
        raise AuthenticationFailed("no webhook authentication is configured")
    if settings.ENKASH_WEBHOOK_ALLOWED_IPS:
        _check_source(source_ip, settings.ENKASH_WEBHOOK_ALLOWED_IPS)
    if token and not hmac.compare_digest(header(headers, TOKEN_HEADER).encode(), token.encode()):
        raise AuthenticationFailed(f"{TOKEN_HEADER} missing or wrong")
    if secret:
        _check_signature(headers, body, secret, time.time() if now is None else now)


def mask_headers(headers: Mapping) -> dict:
    """The headers as a plain dict, with secret values replaced by a mask."""
    return {
        name: ("***" if name.lower() in SECRET_HEADERS else value)
        for name, value in headers.items()
    }
