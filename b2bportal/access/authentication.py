"""`Authorization: Token <key>` for our REST API, refused once the token has expired."""

from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from .services import find_token


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token header, checked against our expiring tokens (401 when expired)."""

    def authenticate_credentials(self, key):
        token = find_token(key)
        if token is None:
            raise AuthenticationFailed("Invalid token.")
        if token.has_expired():
            expired = timezone.localtime(token.expires_at).isoformat(timespec="seconds")
            raise AuthenticationFailed(
                f"Token expired at {expired}; get a new one with POST /api/auth/token/."
            )
        if not token.user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        return token.user, token
