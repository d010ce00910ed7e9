"""Partners' keys to the read API (``/api/v1/``) and how much each key is used per day.

A key is shown once, when it is made; only its SHA-256 is stored (a 32-byte random token needs no
slow hash: nobody can guess it, and a stolen table yields no usable key). The first characters
(``prefix``) stay in clear so a partner and an administrator can tell keys apart.
"""

from django.db import models
from django.utils import timezone


class ApiKey(models.Model):
    name = models.CharField(max_length=150, help_text="The partner, e.g. “Riverside GP surgery”.")
    prefix = models.CharField(max_length=16, editable=False, help_text="The key's first characters, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Optional: the key stops working then.")
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    rate_limit = models.PositiveIntegerField(default=600, help_text="Requests per minute this key may make.")
    allowed_origins = models.TextField(
        blank=True,
        help_text="Web origins whose pages may call the API with this key from a browser (CORS), one per line, "
        "e.g. https://partner.example.org. Leave blank for server-to-server use.",
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def origins(self) -> list[str]:
        return [line.strip().rstrip("/") for line in self.allowed_origins.splitlines() if line.strip()]

    def state(self, now=None) -> str:
        """ "active", "revoked" or "expired"."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (now or timezone.now()):
            return "expired"
        return "active"


class ApiKeyUsage(models.Model):
    """Requests a key made on one day (UTC), counted in the cache and added here in batches."""

    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField()
    requests = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["key", "day"], name="unique_api_usage_per_day")]
        verbose_name = "API usage"
        verbose_name_plural = "API usage"

    def __str__(self):
        return f"{self.key}: {self.requests} on {self.day}"
