"""Issuing, checking and retiring API tokens."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import ApiToken

KEY_BYTES = 20  # 40 hex characters


def digest_of(key: str) -> str:
    """What is stored of a key: a random 160-bit key needs no slow hash, SHA-256 will do."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its key (shown to its owner once, never stored)."""

    key: str
    token: ApiToken


@transaction.atomic
def issue_token(user, *, lifetime: timedelta | None = None) -> IssuedToken:
    """A fresh token for `user`, valid for `lifetime` (API_TOKEN_LIFETIME_DAYS).

    The user's other tokens still valid now end after API_TOKEN_ROTATION_GRACE_SECONDS,
    so requests already under way with them finish; tokens already expired are deleted.
    """
    now = timezone.now()
    if lifetime is None:
        lifetime = timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)
    grace_end = now + timedelta(seconds=settings.API_TOKEN_ROTATION_GRACE_SECONDS)
    tokens = ApiToken.objects.select_for_update().filter(user=user)
    tokens.filter(expires_at__lte=now).delete()
    tokens.filter(expires_at__gt=grace_end).update(expires_at=grace_end)
    key = secrets.token_hex(KEY_BYTES)
    token = ApiToken.objects.create(
        user=user, digest=digest_of(key), prefix=key[:8], created_at=now, expires_at=now + lifetime
    )
    return IssuedToken(key, token)


def find_token(key: str) -> ApiToken | None:
    """The token whose key is `key`, expired or not, with its user."""
    return ApiToken.objects.select_related("user").filter(digest=digest_of(key)).first()


def expire_tokens(tokens) -> int:
    """End the given tokens now (an administrator's revocation); returns how many."""
    now = timezone.now()
    return tokens.filter(expires_at__gt=now).update(expires_at=now)
