"""Page cache invalidations that could not reach the cache, kept until they can.

An event (an approval, a withdrawal, a profile edit...) makes cached pages stale by setting new
generations for their scopes in the shared cache after the transaction commits. When the
cache cannot be reached then, the scopes are written here instead, and the page cache applies
them before it serves a stored page again (articles/site/caching.py): a correction approved
while Redis is down is shown as soon as Redis is back.
"""

from django.db import models
from django.utils import timezone


class PendingInvalidation(models.Model):
    scopes = models.JSONField(help_text='Page cache scopes to mark stale, e.g. ["article:coffee", "catalog"].')
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{', '.join(self.scopes)} (since {self.created_at:%d %b %Y %H:%M:%S})"
