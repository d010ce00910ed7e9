"""Partners' webhook endpoints, the deliveries made to them and every attempt at each delivery.

An endpoint (``Webhook``) says where to POST and which events it wants. Each event the workflow
makes public (see ``articles.api.webhooks``) becomes one ``Delivery`` per endpoint that wants it,
written in the step's transaction; each try at sending it is a ``DeliveryAttempt`` (time, HTTP
status or error, duration, the first characters of the answer).

The endpoint's signing secret is stored as it is, not hashed: the site must compute an
HMAC-SHA256 with it for every delivery, which a hash cannot do (Stripe and GitHub keep theirs the
same way). It is shown once, when the endpoint is made (or its secret rolled); the admin shows
only its first characters afterwards, and it is never logged nor written to the audit log.
"""

import secrets
import uuid

from django.db import models
from django.utils import timezone

from .apikeys import ApiKey
from .content import Article

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class Webhook(models.Model):
    class Event(models.TextChoices):
        PUBLISHED = "published", "Published (a first version goes live)"
        UPDATED = "updated", "Updated (a new version goes live)"
        CORRECTED = "corrected", "Corrected (a new version that corrects an error)"
        WITHDRAWN = "withdrawn", "Withdrawn (archived, or its end date passed)"

    partner = models.CharField(max_length=150, help_text="Who receives these events, e.g. “Riverside GP surgery”.")
    api_key = models.ForeignKey(
        ApiKey,
        verbose_name="API key",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="webhooks",
        help_text="Optional: the partner's API key, to see their keys and endpoints together.",
    )
    url = models.URLField(
        "URL", max_length=500, help_text="Where each event is POSTed, e.g. https://partner.example.org/hooks/editorial."
    )
    on_published = models.BooleanField("published", default=True, help_text="A first version goes live.")
    on_updated = models.BooleanField("updated", default=True, help_text="A new version goes live.")
    on_corrected = models.BooleanField(
        "corrected", default=True, help_text="A new version that corrects an error goes live."
    )
    on_withdrawn = models.BooleanField(
        "withdrawn", default=True, help_text="The article is archived, or its end date passes."
    )
    active = models.BooleanField(default=True, help_text="Untick to stop sending (nothing is queued meanwhile).")
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["partner", "pk"]
        verbose_name = "webhook endpoint"

    def __str__(self):
        return f"{self.partner}: {self.url}"

    def wants(self, event: str) -> bool:
        """Whether this endpoint asked for ``event`` (a correction is an update: ``updated`` gets it too)."""
        if event == self.Event.CORRECTED:
            return self.on_corrected or self.on_updated
        return bool(getattr(self, f"on_{event}", False))

    @property
    def events(self) -> list[str]:
        return [event for event in self.Event.values if getattr(self, f"on_{event}")]

    @property
    def secret_hint(self) -> str:
        return self.secret[: len(SECRET_PREFIX) + 4] + "…"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending (being tried)"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed (gave up)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    article = models.ForeignKey(Article, on_delete=models.SET_NULL, null=True, related_name="+")
    event = models.CharField(max_length=20, choices=Webhook.Event.choices)
    # The exact bytes sent (as text): every attempt and re-send sends the same body.
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        verbose_name = "webhook delivery"
        indexes = [models.Index(fields=["status", "-created_at"], name="delivery_status_idx")]

    def __str__(self):
        return f"{self.event} to {self.webhook.partner} ({self.id})"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="tries")
    started_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.CharField(max_length=200, blank=True)
    manual = models.BooleanField(default=False, help_text="A re-send asked for in the admin.")

    class Meta:
        ordering = ["started_at", "pk"]
        verbose_name = "delivery attempt"

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M:%S}: {self.status_code or self.error}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
