"""The site-wide audit log: who did what, when, from where; append-only and hash-chained.

Each ``AuditEntry`` carries the SHA-256 of its own fields and of the previous entry's hash, so
an edited, removed or inserted row breaks the chain (``manage.py verify_audit_log``). Entries
are written only by ``articles.operations.audit.record``, which serialises appends on the
``AuditChainLock`` row. ``ErasedAddress`` lists readers' addresses erased on request, as keyed
hashes only, so a restore can erase them again from the restored data.
"""

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """An attempt to change or remove an audit entry."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit entries are never changed.")

    def delete(self):
        raise AppendOnlyError("Audit entries are never deleted.")

    # bulk writes would bypass the chain
    def bulk_create(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries are written one by one, by articles.operations.audit.record.")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries are never changed.")


class AuditEntry(models.Model):
    """One recorded event. ``id`` is its place in the chain (1, 2, 3...), given by the writer."""

    id = models.BigIntegerField(primary_key=True, editable=False)
    time = models.DateTimeField(db_index=True)
    # The user, while the account exists; the name is kept (and hashed) for good.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField("who", max_length=150, blank=True, db_index=True)
    address = models.CharField(max_length=45, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    # What it was about: the content type's natural key ("auth.user"), the id and how it read then.
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField("target", max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log entries"
        default_permissions = ["view"]
        indexes = [models.Index(fields=["action", "-time"], name="audit_action_time_idx")]

    def __str__(self):
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.actor_username or '-'} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit entries are never changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries are never deleted.")


class AuditChainLock(models.Model):
    """One row locked by every append (``SELECT ... FOR UPDATE``), so two writers never fork the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    # The last entry appended: removing entries from the end shows as a mismatch here.
    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        default_permissions = []

    def __str__(self):
        return f"Audit chain head: entry {self.last_id}"


class ErasedAddress(models.Model):
    """A reader's address erased on request: only a keyed hash of it (``questions.privacy.address_hash``)."""

    address_hash = models.CharField(max_length=64, unique=True)
    erased_at = models.DateTimeField()

    class Meta:
        default_permissions = []
        verbose_name_plural = "erased addresses"

    def __str__(self):
        return f"Erased address {self.address_hash[:12]}… ({self.erased_at:%d %b %Y})"
