"""API tokens for ERPs: each expires, and a new one retires the old after a grace period."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """A token an ERP sends as `Authorization: Token <key>`, accepted until `expires_at`.

    Only the SHA-256 digest of the key is stored; the key itself is shown once, when
    the token is issued (`access.services.issue_token`).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        max_length=8, editable=False, help_text="The key's first characters, to tell tokens apart."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    def has_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())
